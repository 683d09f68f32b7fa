"""Every login method against the emulator: CLI (fake `sf` on PATH), password, pasted token; removal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from sfloader_gui.core.auth.login import DEMO_CLIENT_ID, LoginService
from sfloader_gui.core.auth.network import new_session
from sfloader_gui.core.auth.oauth import refresh_grant
from sfloader_gui.core.credentials import CredentialStore, SecretKind
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import AuthError
from tests.core.auth.browser import ScriptedBrowser
from tests.core.auth.test_sfcli import install_fake_sf
from tests.memory_keyring import MemoryKeyring


def _works(instance_url: str, token: str) -> bool:
    resp = requests.get(
        f"{instance_url}/services/data/v66.0/", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return resp.status_code == 200


def _service() -> LoginService:
    return LoginService(OrgStore(), CredentialStore(), open_browser=ScriptedBrowser())


def _demo(service: LoginService, emulator: Any, method: LoginMethod, **kw: Any) -> Any:
    profile = build_profile("Demo", Environment.DEMO, method, instance_url=emulator.instance_url, **kw)
    service.orgs.upsert(profile)
    return profile


def test_cli_login_uses_the_cli_token(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    display = {
        "status": 0,
        "result": {
            "accessToken": emulator.access_token,
            "instanceUrl": emulator.instance_url,
            "username": "demo@sfloader.example",
            "id": "00D8d0000001EmuEAE",
        },
    }
    folder = install_fake_sf(tmp_path / "bin", {"org display": display}, monkeypatch)
    service = _service()
    profile = _demo(service, emulator, LoginMethod.CLI, cli_target="demo")
    result = service.login_cli(profile)
    assert result.profile.username == "demo@sfloader.example"
    assert _works(result.instance_url, result.provider.access_token())
    # The session expires; the CLI renews its own token: the provider asks it again, once.
    emulator.expire_tokens()
    pw = build_profile(
        "pw",
        Environment.DEMO,
        LoginMethod.PASSWORD,
        instance_url=emulator.instance_url,
        username="demo@sfloader.example",
    )
    service.orgs.upsert(pw)
    renewed = service.login_password(pw, "demo").provider.access_token()
    display["result"]["accessToken"] = renewed  # type: ignore[index]
    install_fake_sf(folder, {"org display": display}, monkeypatch)
    with SalesforceConnection(result.instance_url, result.provider, "66.0") as conn:
        assert conn.get_json("sobjects/")["sobjects"]
    assert result.provider.access_token() == renewed
    calls = (folder / "calls.log").read_text().splitlines()
    assert calls == ["org display --target-org demo --json"] * 2
    assert not _keyring_has(profile.id)  # nothing of the CLI's is copied into our keyring


def test_cli_login_that_expired_says_to_log_in_again(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    display = {
        "status": 0,
        "result": {"accessToken": emulator.access_token, "instanceUrl": emulator.instance_url},
    }
    install_fake_sf(tmp_path / "bin", {"org display": display}, monkeypatch)
    service = _service()
    result = service.login_cli(_demo(service, emulator, LoginMethod.CLI, cli_target="demo"))
    emulator.expire_tokens()  # the CLI keeps answering with the dead token
    conn = SalesforceConnection(result.instance_url, result.provider, "66.0")
    with conn, pytest.raises(AuthError, match="sf org login web --alias demo"):
        conn.get_json("sobjects/")


def test_cli_missing_is_explained(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    service = _service()
    profile = _demo(service, emulator, LoginMethod.CLI, cli_target="demo")
    with pytest.raises(AuthError, match="not installed"):
        service.login_cli(profile)


def test_legacy_password_login_and_relogin(emulator: Any) -> None:
    service = _service()
    profile = _demo(service, emulator, LoginMethod.PASSWORD, username="demo@sfloader.example")
    with pytest.raises(AuthError, match="password or security token is wrong"):
        service.login_password(profile, "wrong", save=True)
    assert not _keyring_has(profile.id)
    result = service.login_password(profile, "de", "mo", save=True)  # password + security token appended
    token = result.provider.access_token()
    assert _works(result.instance_url, token)
    emulator.expire_tokens()
    with SalesforceConnection(result.instance_url, result.provider, "66.0") as conn:
        assert conn.get_json("sobjects/")["sobjects"]  # re-logged in with the saved password
    assert CredentialStore().get(profile.id, SecretKind.PASSWORD) == "de"
    # Unticking "save" deletes what was saved.
    service.login_password(profile, "de", "mo", save=False)
    assert not _keyring_has(profile.id)


def test_pasted_token_stays_in_memory_unless_saved(emulator: Any) -> None:
    service = _service()
    profile = _demo(service, emulator, LoginMethod.TOKEN)
    result = service.login_token(profile, emulator.instance_url, emulator.access_token, save=False)
    assert result.provider.access_token() == emulator.access_token
    assert not _keyring_has(profile.id)
    assert emulator.access_token not in service.orgs.path.read_text()
    with pytest.raises(AuthError, match="Paste one"):
        service.resume(service.orgs.get(profile.id))  # type: ignore[arg-type]
    service.login_token(profile, emulator.instance_url, emulator.access_token, save=True)
    saved = OrgStore().get(profile.id)
    assert saved is not None and saved.save_token
    assert (
        LoginService(OrgStore(), CredentialStore()).resume(saved).provider.access_token()
        == emulator.access_token
    )


def test_pasted_token_is_checked_and_http_refused_outside_demo(emulator: Any) -> None:
    service = _service()
    profile = _demo(service, emulator, LoginMethod.TOKEN)
    with pytest.raises(AuthError, match="refused this access token"):
        service.login_token(profile, emulator.instance_url, "00D000000000000!wrong", save=False)
    prod = build_profile("Prod", Environment.PRODUCTION, LoginMethod.TOKEN)
    with pytest.raises(ValueError, match="https"):
        service.login_token(prod, emulator.instance_url, emulator.access_token, save=False)


def test_removing_an_org_deletes_all_its_secrets(emulator: Any) -> None:
    service = _service()
    oauth = _demo(service, emulator, LoginMethod.OAUTH)
    service.login_oauth(oauth, port=0, client_secret="cs-secret-123")
    other = build_profile(
        "Other",
        Environment.DEMO,
        LoginMethod.PASSWORD,
        instance_url=emulator.instance_url,
        username="demo@sfloader.example",
    )
    service.orgs.upsert(other)
    service.login_password(other, "demo", save=True)
    assert _keyring_has(oauth.id) and _keyring_has(other.id)
    refresh_token = CredentialStore().get(oauth.id, SecretKind.REFRESH_TOKEN)
    assert refresh_token
    service.remove(oauth)
    assert not _keyring_has(oauth.id) and _keyring_has(other.id)
    with pytest.raises(AuthError, match="invalid_grant"):  # revoked at the org too, not just forgotten
        refresh_grant(
            emulator.instance_url,
            DEMO_CLIENT_ID,
            refresh_token,
            session=new_session(),
            allow_loopback_http=True,
        )
    assert OrgStore().get(oauth.id) is None


def _keyring_has(org_id: str) -> bool:
    import keyring

    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    return any(user.startswith(f"{org_id}:") for _, user in backend.secrets)
