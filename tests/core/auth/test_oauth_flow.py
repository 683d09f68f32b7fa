"""OAuth web server flow + PKCE end to end on the emulator: code, PKCE, refresh, rotation, wrong state."""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sfloader_gui.core.auth.login import LoginService
from sfloader_gui.core.auth.network import new_session
from sfloader_gui.core.auth.oauth import WebServerLogin, token_request
from sfloader_gui.core.auth.pkce import challenge_for
from sfloader_gui.core.auth.providers import OAuthRefreshProvider, SecretSource, TokenEndpoint
from sfloader_gui.core.credentials import CredentialStore, SecretKind
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import AuthError
from tests.core.auth.browser import ScriptedBrowser


def _flow(org: Any, **kwargs: Any) -> WebServerLogin:
    return WebServerLogin(org.instance_url, "sfloader-test", port=0, allow_loopback_http=True, **kwargs)


def test_browser_login_gets_tokens_with_pkce(emulator: Any) -> None:
    browser = ScriptedBrowser()
    flow = _flow(emulator)
    tokens = flow.run(browser, timeout=30)
    query = parse_qs(urlsplit(browser.opened[0]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [flow.redirect_uri]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/OauthRedirect", flow.redirect_uri)
    assert len(query["state"][0]) >= 32
    assert browser.final_page is not None and "You are logged in" in browser.final_page.text
    assert tokens.access_token.startswith("00D") and "!" in tokens.access_token
    assert tokens.refresh_token and tokens.instance_url == emulator.instance_url
    assert "00D" not in repr(tokens)
    # The token works on the API.
    ok = requests.get(
        f"{tokens.instance_url}/services/data/v66.0/",
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        timeout=10,
    )
    assert ok.status_code == 200


def test_pkce_is_checked_by_the_token_endpoint(emulator: Any) -> None:
    """Swap the verifier after the code was issued: Salesforce (and the emulator) refuse the code."""
    flow = _flow(emulator)
    flow._pkce = type(flow._pkce)("wrong-verifier-" + "x" * 60, flow._pkce.challenge)
    with pytest.raises(AuthError, match="invalid code verifier"):
        flow.run(ScriptedBrowser(), timeout=30)
    assert challenge_for("abc") != challenge_for("abd")


def test_wrong_state_is_refused_and_no_token_requested(emulator: Any) -> None:
    forged = ScriptedBrowser(tamper=lambda url: re.sub(r"state=[^&]+", "state=forged", url))
    with pytest.raises(AuthError, match="No login arrived"):  # the forged redirect did not end the wait
        _flow(emulator).run(forged, timeout=1)
    assert forged.final_page is not None and forged.final_page.status_code == 400
    assert "Login refused" in forged.final_page.text
    assert not emulator.stats.find("POST", "/oauth2/token")


def test_a_forged_redirect_does_not_cancel_the_real_login(emulator: Any) -> None:
    browser = ScriptedBrowser(forged_first=True)
    tokens = _flow(emulator).run(browser, timeout=30)
    assert browser.forged_page is not None and browser.forged_page.status_code == 400
    assert browser.final_page is not None and browser.final_page.status_code == 200
    assert tokens.access_token and tokens.refresh_token


def test_user_denies_access(emulator: Any) -> None:
    with pytest.raises(AuthError, match="denied"):
        _flow(emulator).run(ScriptedBrowser(decision="deny"), timeout=30)


def test_refresh_is_single_flight_and_replaces_expired_tokens(emulator: Any) -> None:
    """15 workers see the same expired token: one refresh, and the connection works again."""
    store = CredentialStore()
    orgs = OrgStore()
    profile = build_profile("Demo", Environment.DEMO, LoginMethod.OAUTH, instance_url=emulator.instance_url)
    orgs.upsert(profile)
    service = LoginService(orgs, store, open_browser=ScriptedBrowser())
    result = service.login_oauth(profile, port=0)
    provider = result.provider
    assert isinstance(provider, OAuthRefreshProvider)
    assert store.get(profile.id, SecretKind.REFRESH_TOKEN)
    stale = provider.access_token()
    emulator.expire_tokens()
    results: list[str] = []
    barrier = threading.Barrier(15)

    def worker() -> None:
        barrier.wait()
        results.append(provider.refresh(stale))

    threads = [threading.Thread(target=worker) for _ in range(15)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert provider.refresh_count == 1
    assert len(set(results)) == 1 and results[0] != stale
    with SalesforceConnection(result.instance_url, provider, "66.0") as conn:
        emulator.expire_tokens()
        assert conn.get_json("sobjects/")["sobjects"]  # 401 -> refresh -> replay
    assert provider.refresh_count == 2


def test_saved_login_resumes_after_restart(emulator: Any) -> None:
    orgs = OrgStore()
    profile = build_profile("Demo", Environment.DEMO, LoginMethod.OAUTH, instance_url=emulator.instance_url)
    orgs.upsert(profile)
    LoginService(orgs, CredentialStore(), open_browser=ScriptedBrowser()).login_oauth(profile, port=0)

    # "Restart": new stores, no browser allowed.
    def no_browser(url: str) -> bool:
        raise AssertionError("a saved login must not open the browser")

    service = LoginService(OrgStore(), CredentialStore(), open_browser=no_browser)
    saved = service.orgs.get(profile.id)
    assert saved is not None and service.has_saved_login(saved)
    result = service.resume(saved)
    ok = requests.get(
        f"{result.instance_url}/services/data/v66.0/",
        headers={"Authorization": f"Bearer {result.provider.access_token()}"},
        timeout=10,
    )
    assert ok.status_code == 200


def test_rotated_refresh_token_is_saved_before_the_access_token_is_used(emulator: Any) -> None:
    """The emulator does not rotate refresh tokens (an org setting in Salesforce): a session adds it."""
    store = CredentialStore()
    store.set("org", SecretKind.REFRESH_TOKEN, "placeholder")
    tokens = _flow(emulator).run(ScriptedBrowser(), timeout=30)
    assert tokens.refresh_token
    store.set("org", SecretKind.REFRESH_TOKEN, tokens.refresh_token)
    seen_in_keyring: list[str | None] = []

    class Rotating(requests.Session):
        def post(self, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
            resp = super().post(url, *args, **kwargs)
            body = resp.json()
            body["refresh_token"] = "5AepRotatedRefreshToken"
            resp._content = __import__("json").dumps(body).encode()
            return resp

    session = Rotating()
    provider = OAuthRefreshProvider(
        TokenEndpoint(emulator.instance_url, "sfloader-test", session, allow_loopback_http=True),
        SecretSource("org", store),
    )
    original_set = store.set

    def spy_set(org_id: str, kind: SecretKind, value: str) -> None:
        original_set(org_id, kind, value)
        seen_in_keyring.append(CredentialStore().get(org_id, kind))

    store.set = spy_set  # type: ignore[method-assign]
    token = provider.ensure_token()
    assert seen_in_keyring == ["5AepRotatedRefreshToken"]  # in the keyring (not just the cache) first
    assert token.startswith("00D")


def test_token_endpoint_errors_are_explained(emulator: Any) -> None:
    session = new_session()
    with pytest.raises(AuthError, match="log in again"):
        token_request(
            emulator.instance_url,
            {"grant_type": "refresh_token", "refresh_token": "nope", "client_id": "x"},
            session=session,
            allow_loopback_http=True,
        )
    with pytest.raises(ValueError, match="https"):
        token_request("http://login.example.com", {}, session=session)


def test_without_a_keyring_the_login_works_for_this_session(emulator: Any) -> None:
    from keyring.backends import fail

    orgs = OrgStore()
    profile = build_profile("Demo", Environment.DEMO, LoginMethod.OAUTH, instance_url=emulator.instance_url)
    orgs.upsert(profile)
    service = LoginService(orgs, CredentialStore(fail.Keyring()), open_browser=ScriptedBrowser())
    result = service.login_oauth(profile, port=0)
    assert "session only" in result.notice and "No secure credential store" in result.notice
    emulator.expire_tokens()
    with SalesforceConnection(result.instance_url, result.provider, "66.0") as conn:
        assert conn.get_json("sobjects/")["sobjects"]  # refreshed from the refresh token held in memory
    assert not service.has_saved_login(profile)
