"""OAuth 2.0 with Salesforce: web server flow + PKCE in the user's browser, refresh and password grants."""

from __future__ import annotations

import logging
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from sfloader_gui.core.auth.loopback import LoopbackListener
from sfloader_gui.core.auth.network import TIMEOUT, network_failure, new_session
from sfloader_gui.core.auth.pkce import Pkce, new_state
from sfloader_gui.core.auth.urls import validate_instance_url
from sfloader_gui.core.logs import register_secret
from sfloader_gui.core.salesforce.errors import AuthError

log = logging.getLogger(__name__)

DEFAULT_SCOPES = "api refresh_token"
LOGIN_TIMEOUT_S = 300.0


@dataclass(frozen=True, repr=False)
class TokenResponse:
    """What ``/services/oauth2/token`` answered. ``repr`` hides the tokens."""

    access_token: str
    instance_url: str
    refresh_token: str | None = None
    identity_url: str = ""  # https://login.salesforce.com/id/<orgId>/<userId>
    issued_at: str = ""
    scope: str = ""

    def __repr__(self) -> str:
        return f"TokenResponse(instance_url={self.instance_url!r}, <tokens hidden>)"

    @property
    def org_id(self) -> str:
        parts = self.identity_url.rstrip("/").split("/")
        return parts[-2] if len(parts) >= 2 and "/id/" in self.identity_url else ""


def _friendly(error: str, description: str, redirect_uri: str | None) -> str:
    text = f"{error}: {description}" if description else error
    low = f"{error} {description}".lower()
    if "redirect_uri" in low:
        return (
            f"Salesforce refused the callback URL ({text}). Add {redirect_uri} to the callback URLs of the "
            "External Client App (or Connected App), or change the callback port to one listed there."
        )
    if error == "invalid_client_id" or "client identifier" in low:
        return (
            f"Salesforce does not know this consumer key ({text}). Check the consumer key in the org "
            "settings; a new External Client App can take up to 10 minutes before it works."
        )
    if "admin approved" in low or error == "invalid_app_access":
        return f"Your Salesforce admin has to approve this app for your user first ({text})."
    if error == "invalid_grant":
        return (
            f"Salesforce refused the login ({text}). The saved login expired or was revoked, or the "
            "user name, password or security token is wrong: log in again."
        )
    return f"Salesforce refused the login ({text})."


def token_request(
    login_url: str,
    form: dict[str, str],
    *,
    session: requests.Session,
    redirect_uri: str | None = None,
    allow_loopback_http: bool = False,
) -> TokenResponse:
    """POST a grant to ``{login_url}/services/oauth2/token`` and parse the answer (or raise ``AuthError``)."""
    url = validate_instance_url(login_url, allow_loopback_http=allow_loopback_http, what="Login URL")
    for key in ("code", "refresh_token", "password", "client_secret", "code_verifier"):
        register_secret(form.get(key))
    try:
        resp = session.post(f"{url}/services/oauth2/token", data=form, timeout=TIMEOUT, verify=session.verify)
    except requests.RequestException as exc:
        raise network_failure(url, exc) from None
    try:
        body: Any = resp.json()
    except ValueError:
        body = {}
    if resp.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        error = str(body.get("error", f"HTTP {resp.status_code}")) if isinstance(body, dict) else "error"
        description = str(body.get("error_description", "")) if isinstance(body, dict) else ""
        log.info("token endpoint refused a %s grant: %s", form.get("grant_type"), error)
        raise AuthError(
            _friendly(error, description, redirect_uri), status=resp.status_code, error_code=error
        )
    register_secret(body.get("access_token"))
    register_secret(body.get("refresh_token"))
    register_secret(body.get("id_token"))
    instance = validate_instance_url(
        str(body.get("instance_url") or url), allow_loopback_http=allow_loopback_http, what="Instance URL"
    )
    return TokenResponse(
        access_token=str(body["access_token"]),
        instance_url=instance,
        refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        identity_url=str(body.get("id", "")),
        issued_at=str(body.get("issued_at", "")),
        scope=str(body.get("scope", "")),
    )


class WebServerLogin:
    """One browser login: open the authorize page, catch the redirect on loopback, swap the code for tokens.

    PKCE S256 protects the code; ``state`` ties the redirect to this attempt; the listener is bound to
    127.0.0.1 only and takes exactly one redirect.
    """

    def __init__(
        self,
        login_url: str,
        client_id: str,
        *,
        port: int,
        client_secret: str | None = None,
        scopes: str = DEFAULT_SCOPES,
        session: requests.Session | None = None,
        allow_loopback_http: bool = False,
    ) -> None:
        self.login_url = validate_instance_url(
            login_url, allow_loopback_http=allow_loopback_http, what="Login URL"
        )
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.session = session or new_session()
        self.allow_loopback_http = allow_loopback_http
        self._pkce = Pkce.new()
        self._state = new_state()
        self._listener = LoopbackListener(port, self._state)

    @property
    def redirect_uri(self) -> str:
        return self._listener.redirect_uri

    def authorize_url(self) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "code_challenge": self._pkce.challenge,
            "code_challenge_method": "S256",
            "scope": self.scopes,
            "state": self._state,
        }
        return f"{self.login_url}/services/oauth2/authorize?{urlencode(query)}"

    def finish(
        self, timeout: float = LOGIN_TIMEOUT_S, cancel: threading.Event | None = None
    ) -> TokenResponse:
        """Wait for the browser's redirect, then exchange the code (with the PKCE verifier) for tokens."""
        code = self._listener.wait(timeout, cancel)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self._pkce.verifier,
        }
        if self.client_secret:
            form["client_secret"] = self.client_secret
        return token_request(
            self.login_url,
            form,
            session=self.session,
            redirect_uri=self.redirect_uri,
            allow_loopback_http=self.allow_loopback_http,
        )

    def run(
        self,
        open_browser: Callable[[str], object] = webbrowser.open,
        timeout: float = LOGIN_TIMEOUT_S,
        cancel: threading.Event | None = None,
    ) -> TokenResponse:
        """Open the user's browser on the authorize page and wait for the login to come back."""
        try:
            open_browser(self.authorize_url())
        except Exception:
            self._listener.close()
            raise
        return self.finish(timeout, cancel)

    def close(self) -> None:
        self._listener.close()


def refresh_grant(
    login_url: str,
    client_id: str,
    refresh_token: str,
    *,
    client_secret: str | None = None,
    session: requests.Session,
    allow_loopback_http: bool = False,
) -> TokenResponse:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    if client_secret:
        form["client_secret"] = client_secret
    return token_request(login_url, form, session=session, allow_loopback_http=allow_loopback_http)


def password_grant(
    login_url: str,
    client_id: str,
    client_secret: str,
    username: str,
    password: str,
    security_token: str,
    *,
    session: requests.Session,
    allow_loopback_http: bool = False,
) -> TokenResponse:
    """Legacy username + password (+ security token appended) login; Salesforce is retiring it."""
    form = {
        "grant_type": "password",
        "client_id": client_id,
        "username": username,
        "password": password + security_token,
    }
    if client_secret:
        form["client_secret"] = client_secret
    register_secret(password + security_token)
    return token_request(login_url, form, session=session, allow_loopback_http=allow_loopback_http)


def revoke(
    login_url: str, token: str, *, session: requests.Session, allow_loopback_http: bool = False
) -> bool:
    """Ask Salesforce to revoke a refresh token (and its access tokens). Best effort: False if it failed.

    Removing an org must not depend on the network, so failures are logged, never raised.
    """
    url = validate_instance_url(login_url, allow_loopback_http=allow_loopback_http, what="Login URL")
    register_secret(token)
    try:
        resp = session.post(
            f"{url}/services/oauth2/revoke", data={"token": token}, timeout=TIMEOUT, verify=session.verify
        )
    except requests.RequestException as exc:
        log.warning("could not revoke the saved login at %s (%s)", url, type(exc).__name__)
        return False
    if resp.status_code != 200:
        log.warning("Salesforce did not revoke the saved login (HTTP %s)", resp.status_code)
    return resp.status_code == 200
