"""Log in to an org profile by any method, save what may be saved, and hand back a token provider."""

from __future__ import annotations

import logging
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass

import requests

from sfloader_gui.core.auth.network import TIMEOUT, network_failure, new_session
from sfloader_gui.core.auth.oauth import (
    LOGIN_TIMEOUT_S,
    TokenResponse,
    WebServerLogin,
    password_grant,
    revoke,
)
from sfloader_gui.core.auth.providers import (
    CliProvider,
    OAuthRefreshProvider,
    PasswordProvider,
    SecretSource,
    TokenEndpoint,
)
from sfloader_gui.core.auth.sfcli import SalesforceCli
from sfloader_gui.core.auth.urls import validate_instance_url
from sfloader_gui.core.credentials import CredentialError, CredentialStore, SecretKind
from sfloader_gui.core.logs import register_secret
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgProfile, OrgStore, ProfileFields
from sfloader_gui.core.salesforce.errors import AuthError
from sfloader_gui.core.salesforce.tokens import StaticToken, TokenProvider, checked_token

log = logging.getLogger(__name__)

# Used for the local demo org, which accepts any client id (a real org needs the admin's consumer key).
DEMO_CLIENT_ID = "sfloader-demo"


@dataclass(frozen=True)
class LoginResult:
    """A working login: where the org is and how to get (and renew) its access token."""

    profile: OrgProfile
    instance_url: str
    provider: TokenProvider
    notice: str = ""  # e.g. "logged in for this session only": the keyring could not save the login

    @property
    def label(self) -> str:
        return self.profile.label


class LoginService:
    """Runs the login methods for profiles in an ``OrgStore``, with secrets in a ``CredentialStore``."""

    def __init__(
        self,
        orgs: OrgStore,
        store: CredentialStore,
        *,
        cli: SalesforceCli | None = None,
        open_browser: Callable[[str], object] = webbrowser.open,
    ) -> None:
        self.orgs = orgs
        self.store = store
        self.cli = cli or SalesforceCli()
        self.open_browser = open_browser

    def _session(self) -> requests.Session:
        return new_session(self.orgs.ca_bundle)

    @staticmethod
    def _loopback_ok(profile: OrgProfile) -> bool:
        return profile.environment is Environment.DEMO

    def _remember(self, profile: OrgProfile, instance_url: str, username: str = "") -> OrgProfile:
        """Save the instance URL (and user name) learnt at login; make the org the active one."""
        changes: ProfileFields = {"instance_url": instance_url}
        if username:
            changes["username"] = username
        updated = profile.with_changes(**changes)
        self.orgs.upsert(updated)
        self.orgs.set_active(updated.id)
        return updated

    def _save(self, org_id: str, secrets: dict[SecretKind, str]) -> str:
        """Save non-empty secrets; return "" or, when the keyring refuses, a notice for the user."""
        try:
            for kind, value in secrets.items():
                if value:
                    self.store.set(org_id, kind, value)
        except CredentialError as exc:
            return f"Logged in for this session only; the login was not saved. {exc}"
        return ""

    def _forget(self, org_id: str, kinds: list[SecretKind]) -> None:
        try:
            for kind in kinds:
                self.store.delete(org_id, kind)
        except CredentialError:
            log.info("no usable keyring: nothing was saved there to forget")

    # -- the four methods -----------------------------------------------------------------------------

    def login_oauth(
        self,
        profile: OrgProfile,
        *,
        client_secret: str = "",
        cancel: threading.Event | None = None,
        timeout: float = LOGIN_TIMEOUT_S,
        port: int | None = None,
    ) -> LoginResult:
        """Browser login (web server flow + PKCE). The refresh token goes to the keyring."""
        session = self._session()
        client_id = profile.consumer_key or DEMO_CLIENT_ID
        flow = WebServerLogin(
            profile.login_url,
            client_id,
            port=profile.callback_port if port is None else port,
            client_secret=client_secret or None,
            session=session,
            allow_loopback_http=self._loopback_ok(profile),
        )
        tokens = flow.run(self.open_browser, timeout, cancel)
        if not tokens.refresh_token:
            log.warning("Salesforce gave no refresh token: the app's OAuth scopes lack refresh_token")
        secrets = {
            SecretKind.CLIENT_SECRET: client_secret,
            SecretKind.REFRESH_TOKEN: tokens.refresh_token or "",
        }
        notice = self._save(profile.id, secrets)
        profile = self._remember(profile, tokens.instance_url)
        memory = {k: v for k, v in secrets.items() if v} if notice else None
        provider = self._oauth_provider(profile, tokens, memory)
        return LoginResult(profile, tokens.instance_url, provider, notice)

    def _oauth_provider(
        self, profile: OrgProfile, tokens: TokenResponse | None, memory: dict[SecretKind, str] | None = None
    ) -> TokenProvider:
        if tokens is not None and not tokens.refresh_token:
            return StaticToken(tokens.access_token)
        return OAuthRefreshProvider(
            self._endpoint(profile, self._session()),
            SecretSource(profile.id, self.store, memory),
            initial_access_token=tokens.access_token if tokens else "",
        )

    def _endpoint(self, profile: OrgProfile, session: requests.Session) -> TokenEndpoint:
        client_id = profile.consumer_key or DEMO_CLIENT_ID
        return TokenEndpoint(profile.login_url, client_id, session, self._loopback_ok(profile))

    def login_cli(self, profile: OrgProfile) -> LoginResult:
        """Take the access token and instance URL of a Salesforce CLI login; nothing is saved here."""
        allow = self._loopback_ok(profile)
        found = self.cli.display(profile.cli_target, allow_loopback_http=allow)
        profile = self._remember(profile, found.instance_url, found.username)
        provider = CliProvider(self.cli, profile.cli_target, found.access_token, allow_loopback_http=allow)
        return LoginResult(profile, found.instance_url, provider)

    def login_password(
        self,
        profile: OrgProfile,
        password: str,
        security_token: str = "",
        client_secret: str = "",
        *,
        save: bool | None = False,
    ) -> LoginResult:
        """Legacy username + password + security token.

        ``save``: True keeps them in the keyring, False deletes saved ones, None leaves the keyring as is.
        """
        allow = self._loopback_ok(profile)
        session = self._session()
        tokens = password_grant(
            profile.login_url,
            profile.consumer_key or DEMO_CLIENT_ID,
            client_secret,
            profile.username,
            password,
            security_token,
            session=session,
            allow_loopback_http=allow,
        )
        secrets = {
            SecretKind.PASSWORD: password,
            SecretKind.SECURITY_TOKEN: security_token,
            SecretKind.CLIENT_SECRET: client_secret,
        }
        notice = ""
        if save:
            notice = self._save(profile.id, secrets)
        elif save is False:
            self._forget(profile.id, list(secrets))
        profile = self._remember(profile, tokens.instance_url)
        provider = PasswordProvider(
            self._endpoint(profile, session),
            SecretSource(profile.id, self.store, secrets),
            profile.username,
            initial=tokens.access_token,
        )
        return LoginResult(profile, tokens.instance_url, provider, notice)

    def login_token(
        self, profile: OrgProfile, instance_url: str, access_token: str, *, save: bool
    ) -> LoginResult:
        """A pasted instance URL + access token: in memory only, unless the user asked to save it."""
        instance = validate_instance_url(instance_url, allow_loopback_http=self._loopback_ok(profile))
        token = access_token.strip()  # a paste's surrounding spaces and line break are not part of it
        register_secret(token)
        provider = StaticToken(checked_token(token))
        self.check_token(instance, token, profile.api_version)
        notice = ""
        if save:
            notice = self._save(profile.id, {SecretKind.ACCESS_TOKEN: token})
        else:
            # A token saved earlier must not outlive the user's choice to stop saving it.
            self._forget(profile.id, [SecretKind.ACCESS_TOKEN])
        profile = self._remember(profile, instance)
        if profile.save_token != (save and not notice):
            profile = profile.with_changes(save_token=save and not notice)
            self.orgs.upsert(profile)
        return LoginResult(profile, instance, provider, notice)

    def check_token(self, instance_url: str, token: str, api_version: str) -> None:
        """One cheap authenticated call, so a wrong or expired token is reported now, not mid-load."""
        url = f"{instance_url}/services/data/v{api_version}/"
        session = self._session()
        try:
            resp = session.get(
                url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT, verify=session.verify
            )
        except requests.RequestException as exc:
            raise network_failure(instance_url, exc) from None
        if resp.status_code == 401:
            raise AuthError(
                "Salesforce refused this access token (expired, revoked or for another org). "
                "Get a new one, e.g. with `sf org display`, and paste it again."
            )
        if resp.status_code >= 400:
            raise AuthError(f"{instance_url} answered HTTP {resp.status_code}: is it the instance URL?")

    # -- without asking the user ---------------------------------------------------------------------

    def resume(self, profile: OrgProfile) -> LoginResult:
        """Log in from what is saved (refresh token, CLI, password, token); else ``AuthError``."""
        method = profile.login_method
        if method is LoginMethod.CLI:
            return self.login_cli(profile)
        if not profile.instance_url:
            raise AuthError(f"{profile.name} has not been logged in yet. Log in first.")
        if method is LoginMethod.OAUTH:
            provider = self._oauth_provider(profile, None)
            assert isinstance(provider, OAuthRefreshProvider)
            provider.ensure_token()
            instance = provider.last_response.instance_url if provider.last_response else profile.instance_url
            return LoginResult(self._remember(profile, instance), instance, provider)
        if method is LoginMethod.PASSWORD:
            password = self.store.get(profile.id, SecretKind.PASSWORD)
            if password is None:
                raise AuthError(f"The password for {profile.name} is not saved. Log in and enter it.")
            return self.login_password(
                profile,
                password,
                self.store.get(profile.id, SecretKind.SECURITY_TOKEN) or "",
                self.store.get(profile.id, SecretKind.CLIENT_SECRET) or "",
                save=None,
            )
        token = self.store.get(profile.id, SecretKind.ACCESS_TOKEN) if profile.save_token else None
        if not token:
            raise AuthError(f"No access token is saved for {profile.name}. Paste one to log in.")
        saved = checked_token(token, f"The access token saved for {profile.name}")
        return LoginResult(profile, profile.instance_url, StaticToken(saved))

    def has_saved_login(self, profile: OrgProfile) -> bool:
        kind = {
            LoginMethod.OAUTH: SecretKind.REFRESH_TOKEN,
            LoginMethod.PASSWORD: SecretKind.PASSWORD,
            LoginMethod.TOKEN: SecretKind.ACCESS_TOKEN,
        }.get(profile.login_method)
        try:
            return kind is None or self.store.get(profile.id, kind) is not None
        except CredentialError:
            return False

    def remove(self, profile: OrgProfile) -> None:
        """Forget the profile and every secret saved for it (revoking a saved refresh token first)."""
        if profile.login_method is LoginMethod.OAUTH:
            refresh_token = self.store.get(profile.id, SecretKind.REFRESH_TOKEN)
            if refresh_token:
                revoke(
                    profile.login_url,
                    refresh_token,
                    session=self._session(),
                    allow_loopback_http=self._loopback_ok(profile),
                )
        self.store.delete_org(profile.id)
        self.orgs.remove(profile.id)
        log.info("org profile %s removed with its secrets", profile.id)
