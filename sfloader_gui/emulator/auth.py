"""Access tokens, refresh tokens and OAuth codes (web server flow with PKCE S256, refresh, password)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

ORG_ID = "00D8d0000001EmuEAE"
USER_ID = "0058d0000001EmuAAE"
CODE_LIFETIME = 15 * 60  # seconds; Salesforce codes are short-lived


def new_access_token() -> str:
    """A token in Salesforce's shape: '<org id 15>!<opaque>'."""
    return ORG_ID[:15] + "!" + secrets.token_urlsafe(72).replace("-", "A").replace("_", "B")[:96]


class OAuthError(Exception):
    """An OAuth error answered as HTTP 400 `{"error": ..., "error_description": ...}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str | None
    expires: float


class Auth:
    """The org's token registry; thread-safe."""

    def __init__(
        self,
        access_token: str,
        client_ids: tuple[str, ...] | None,
        username: str,
        password: str,
    ) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, str] = {access_token: USER_ID}  # token -> the user it logs in
        self._refresh: dict[str, str] = {}
        self._codes: dict[str, _Code] = {}
        self.client_ids = client_ids
        self.username, self.password = username, password

    def is_valid(self, token: str) -> bool:
        with self._lock:
            return token in self._access

    def user_of(self, token: str | None) -> str:
        """The user a token logs in (the org's default user for unknown tokens)."""
        with self._lock:
            return self._access.get(token or "", USER_ID)

    def token_for_user(self, user_id: str | None = None) -> tuple[str, str]:
        """A new access token for another user of the org (a new id if none is given): (token, user id)."""
        with self._lock:
            user = user_id or "0058d" + secrets.token_hex(5).upper()[:8] + "2AAA"
            token = new_access_token()
            self._access[token] = user
        return token, user

    def expire_tokens(self) -> None:
        """Every access token issued so far becomes invalid; refresh tokens keep working."""
        with self._lock:
            self._access.clear()

    def add_access_token(self, token: str) -> None:
        with self._lock:
            self._access[token] = USER_ID

    def check_client(self, client_id: str) -> None:
        if not client_id or (self.client_ids is not None and client_id not in self.client_ids):
            raise OAuthError("invalid_client_id", "client identifier invalid")

    def new_code(self, client_id: str, redirect_uri: str, challenge: str | None) -> str:
        code = "aPrx" + secrets.token_urlsafe(48)
        with self._lock:
            self._codes[code] = _Code(client_id, redirect_uri, challenge, time.time() + CODE_LIFETIME)
        return code

    def _issue(self, instance_url: str, client_id: str, with_refresh: bool) -> dict[str, Any]:
        token = new_access_token()
        issued = str(int(time.time() * 1000))
        out: dict[str, Any] = {"access_token": token}
        with self._lock:
            self._access[token] = USER_ID
            if with_refresh:
                refresh = "5Aep" + secrets.token_urlsafe(64)
                self._refresh[refresh] = client_id
                out["refresh_token"] = refresh
        signature = base64.b64encode(hashlib.sha256((token + issued).encode()).digest()).decode()
        out.update(
            {
                "signature": signature,
                "scope": "refresh_token api web" if with_refresh else "api web",
                "instance_url": instance_url,
                "id": f"https://login.salesforce.com/id/{ORG_ID}/{USER_ID}",
                "token_type": "Bearer",
                "issued_at": issued,
            }
        )
        return out

    def grant(self, form: dict[str, str], instance_url: str) -> dict[str, Any]:
        """Answer a POST to /services/oauth2/token."""
        grant_type = form.get("grant_type", "")
        client_id = form.get("client_id", "")
        if grant_type == "authorization_code":
            self.check_client(client_id)
            return self._code_grant(form, client_id, instance_url)
        if grant_type == "refresh_token":
            with self._lock:
                owner = self._refresh.get(form.get("refresh_token", ""))
            if owner is None:
                raise OAuthError("invalid_grant", "expired access/refresh token")
            if client_id and client_id != owner:
                raise OAuthError("invalid_client_id", "client identifier invalid")
            out = self._issue(instance_url, owner, with_refresh=False)
            out.pop("refresh_token", None)
            return out
        if grant_type == "password":
            self.check_client(client_id)
            if form.get("username") != self.username or form.get("password") != self.password:
                raise OAuthError("invalid_grant", "authentication failure")
            return self._issue(instance_url, client_id, with_refresh=False)
        raise OAuthError("unsupported_grant_type", "grant type not supported")

    def _code_grant(self, form: dict[str, str], client_id: str, instance_url: str) -> dict[str, Any]:
        with self._lock:
            code = self._codes.pop(form.get("code", ""), None)
        if code is None or code.expires < time.time() or code.client_id != client_id:
            raise OAuthError("invalid_grant", "invalid authorization code")
        if form.get("redirect_uri", "") != code.redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                raise OAuthError("invalid_grant", "invalid code verifier")
            digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != code.challenge:
                raise OAuthError("invalid_request", "invalid code verifier")
        return self._issue(instance_url, client_id, with_refresh=True)

    def revoke(self, token: str) -> None:
        with self._lock:
            self._access.pop(token, None)
            self._refresh.pop(token, None)
