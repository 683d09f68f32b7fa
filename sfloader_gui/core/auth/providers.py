"""Token providers for each login method, all single-flight (they build on ``RefreshingToken``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests

from sfloader_gui.core.auth.oauth import TokenResponse, password_grant, refresh_grant
from sfloader_gui.core.auth.sfcli import CliError, SalesforceCli
from sfloader_gui.core.credentials import CredentialStore, SecretKind
from sfloader_gui.core.salesforce.errors import AuthError
from sfloader_gui.core.salesforce.tokens import RefreshingToken

log = logging.getLogger(__name__)


class SecretSource:
    """Where a provider reads an org's secrets: the keyring, or (when given) secrets held in memory only.

    Memory is used when the user chose not to save, or when no secure keyring exists; then the keyring is
    never touched, so a missing keyring cannot break a login that works.
    """

    def __init__(self, org_id: str, store: CredentialStore, memory: dict[SecretKind, str] | None = None):
        self.org_id = org_id
        self.store = store
        self.memory = dict(memory) if memory else None

    def get(self, kind: SecretKind) -> str | None:
        if self.memory is not None:
            return self.memory.get(kind)
        return self.store.get(self.org_id, kind)

    def set(self, kind: SecretKind, value: str) -> None:
        if self.memory is not None:
            self.memory[kind] = value
        else:
            self.store.set(self.org_id, kind, value)


@dataclass(frozen=True)
class TokenEndpoint:
    """Where a provider asks Salesforce for tokens: the org's login URL, the connected app, the session."""

    login_url: str
    client_id: str
    session: requests.Session
    allow_loopback_http: bool = False


class OAuthRefreshProvider(RefreshingToken):
    """Access tokens from the refresh token in the keyring.

    When Salesforce rotates the refresh token, the new one is saved to the keyring *before* the new access
    token is handed out: if saving fails, nothing uses a grant whose refresh token would be lost.
    """

    def __init__(self, endpoint: TokenEndpoint, secrets: SecretSource, *, initial_access_token: str = ""):
        super().__init__(initial_access_token, self._fetch)
        self.endpoint = endpoint
        self.secrets = secrets
        self.last_response: TokenResponse | None = None

    def _fetch(self) -> str:
        refresh_token = self.secrets.get(SecretKind.REFRESH_TOKEN)
        if not refresh_token:
            raise AuthError("There is no saved login for this org. Log in again with the browser.")
        e = self.endpoint
        resp = refresh_grant(
            e.login_url,
            e.client_id,
            refresh_token,
            client_secret=self.secrets.get(SecretKind.CLIENT_SECRET),
            session=e.session,
            allow_loopback_http=e.allow_loopback_http,
        )
        if resp.refresh_token and resp.refresh_token != refresh_token:
            self.secrets.set(SecretKind.REFRESH_TOKEN, resp.refresh_token)
            log.info("Salesforce rotated the refresh token; the new one is saved before it is used")
        self.last_response = resp
        log.info("access token refreshed for org profile %s", self.secrets.org_id)
        return resp.access_token

    def ensure_token(self) -> str:
        """Return a usable access token, refreshing first when the provider starts without one."""
        current = self.access_token()
        return current or self.refresh(current)

    def __repr__(self) -> str:
        return f"OAuthRefreshProvider({self.secrets.org_id!r}, <hidden>, refreshes={self.refresh_count})"


class CliProvider(RefreshingToken):
    """Access tokens from ``sf org display``; asking again renews an expired one (the CLI refreshes it)."""

    def __init__(self, cli: SalesforceCli, target: str, initial: str, *, allow_loopback_http: bool = False):
        self.cli = cli
        self.target = target
        self.allow_loopback_http = allow_loopback_http
        self._last = initial
        super().__init__(initial, self._fetch)

    def _fetch(self) -> str:
        token = self.cli.display(self.target, allow_loopback_http=self.allow_loopback_http).access_token
        if token == self._last:
            # The CLI could not renew it either (its own refresh token expired or was revoked).
            raise CliError(
                f"The Salesforce CLI's login for {self.target!r} has expired. Run `sf org login web "
                f"--alias {self.target}` in a terminal, then connect again."
            )
        self._last = token
        return token

    def __repr__(self) -> str:
        return f"CliProvider({self.target!r}, <hidden>)"


class PasswordProvider(RefreshingToken):
    """Legacy: logs in again with the saved password + security token (there is no refresh token)."""

    def __init__(self, endpoint: TokenEndpoint, secrets: SecretSource, username: str, *, initial: str = ""):
        # Secrets the user chose not to save are in ``secrets``' memory, for re-logins in this session.
        self.endpoint = endpoint
        self.secrets = secrets
        self.username = username
        super().__init__(initial, self._fetch)

    def _fetch(self) -> str:
        password = self.secrets.get(SecretKind.PASSWORD)
        if password is None:
            raise AuthError("The password for this org is not saved. Log in again and enter it.")
        e = self.endpoint
        resp = password_grant(
            e.login_url,
            e.client_id,
            self.secrets.get(SecretKind.CLIENT_SECRET) or "",
            self.username,
            password,
            self.secrets.get(SecretKind.SECURITY_TOKEN) or "",
            session=e.session,
            allow_loopback_http=e.allow_loopback_http,
        )
        return resp.access_token

    def __repr__(self) -> str:
        return f"PasswordProvider({self.username!r}, <hidden>)"
