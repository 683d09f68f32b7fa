"""Org profiles (name, environment, URLs, API version, login method): JSON in the config dir, no secret."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, TypedDict, Unpack

from sfloader_gui.core import paths
from sfloader_gui.core.auth.urls import (
    PRODUCTION_LOGIN_URL,
    SANDBOX_LOGIN_URL,
    UrlError,
    my_domain_url,
    validate_instance_url,
)
from sfloader_gui.core.load.results import write_atomic
from sfloader_gui.core.models import DEFAULT_API_VERSION, ConfigError
from sfloader_gui.core.private import private_dir

log = logging.getLogger(__name__)

ORGS_FILE = "orgs.json"
SCHEMA = 1
DEFAULT_CALLBACK_PORT = 1717


class Environment(StrEnum):
    """Where the org lives; decides the login host and how loudly the app warns before writing."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"
    MYDOMAIN = "mydomain"  # a My Domain URL: could be either, so treated as production for safety
    DEMO = "demo"  # the built-in local org

    @property
    def label(self) -> str:
        return {
            "production": "Production",
            "sandbox": "Sandbox",
            "mydomain": "My Domain",
            "demo": "Demo (local)",
        }[self.value]

    @property
    def is_live(self) -> bool:
        """True when writes may touch real business data: confirm before the first load of a session."""
        return self in (Environment.PRODUCTION, Environment.MYDOMAIN)


class LoginMethod(StrEnum):
    OAUTH = "oauth"  # web server flow + PKCE in the user's browser (recommended)
    CLI = "cli"  # reuse a Salesforce CLI login
    PASSWORD = "password"  # legacy: username + password + security token
    TOKEN = "token"  # instance URL + access token pasted by an admin

    @property
    def label(self) -> str:
        return {
            "oauth": "Browser login (OAuth, recommended)",
            "cli": "Salesforce CLI login",
            "password": "Username and password (legacy)",
            "token": "Access token",
        }[self.value]


def default_login_url(environment: Environment) -> str:
    return SANDBOX_LOGIN_URL if environment is Environment.SANDBOX else PRODUCTION_LOGIN_URL


_API_VERSION = re.compile(r"^\d{2,3}\.0$")


class ProfileFields(TypedDict, total=False):
    """``OrgProfile`` values besides its name, environment and login method (what a login form fills)."""

    login_url: str
    instance_url: str
    api_version: str
    username: str
    consumer_key: str
    callback_port: int
    cli_target: str
    save_token: bool
    id: str


class ProfileChanges(ProfileFields, total=False):
    """Any ``OrgProfile`` value by name, for ``with_changes`` (a test keeps the two in step)."""

    name: str
    environment: Environment
    login_method: LoginMethod


@dataclass(frozen=True)
class OrgProfile:
    """One org the user works with. Holds no secret: those are in the keyring under ``id``."""

    name: str
    environment: Environment
    login_method: LoginMethod
    login_url: str = PRODUCTION_LOGIN_URL  # where OAuth / password logins go
    instance_url: str = ""  # known after the first login, or typed (token method, demo)
    api_version: str = DEFAULT_API_VERSION
    username: str = ""
    consumer_key: str = ""  # OAuth client id of the External Client App / Connected App (public)
    callback_port: int = DEFAULT_CALLBACK_PORT
    cli_target: str = ""  # alias or username of the Salesforce CLI org
    save_token: bool = False  # token method: keep the pasted token in the keyring
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError("Give the org a name, for example 'Acme production'.")
        if not _API_VERSION.match(self.api_version):
            raise ConfigError(f"API version must look like 66.0, not {self.api_version!r}.")
        if not 1024 <= self.callback_port <= 65535:
            raise ConfigError(f"Callback port must be between 1024 and 65535, not {self.callback_port}.")
        demo = self.environment is Environment.DEMO
        try:
            if self.login_url:
                validate_instance_url(self.login_url, allow_loopback_http=demo, what="Login URL")
            if self.instance_url:
                validate_instance_url(self.instance_url, allow_loopback_http=demo)
        except UrlError as exc:
            raise ConfigError(str(exc)) from None
        if self.login_method is LoginMethod.OAUTH and not demo and not self.consumer_key.strip():
            raise ConfigError(
                "Browser login needs the consumer key of your org's External Client App (or Connected App); "
                "ask your Salesforce admin for it."
            )
        if self.login_method is LoginMethod.CLI and not self.cli_target.strip():
            raise ConfigError("Choose which Salesforce CLI org to use (its alias or username).")
        if self.login_method is LoginMethod.PASSWORD and not self.username.strip():
            raise ConfigError("Enter the Salesforce username for the password login.")

    @property
    def label(self) -> str:
        """What the connection bar shows: the name and the environment, never ambiguous."""
        return f"{self.name} ({self.environment.label})"

    def with_changes(self, **changes: Unpack[ProfileChanges]) -> OrgProfile:
        return replace(self, **changes)


def build_profile(
    name: str,
    environment: Environment,
    login_method: LoginMethod,
    *,
    my_domain: str = "",
    **other: Unpack[ProfileFields],
) -> OrgProfile:
    """Make a profile, deriving the login URL from the environment or from the My Domain URL typed.

    Production and sandbox orgs may log in through their My Domain too (SSO orgs need it); a My Domain
    org of unknown kind must give one.
    """
    try:
        if environment is Environment.DEMO:
            login_url = validate_instance_url(
                other.get("instance_url", ""), allow_loopback_http=True, what="Demo org URL"
            )
        elif my_domain.strip() or environment is Environment.MYDOMAIN:
            login_url = my_domain_url(my_domain)
        else:
            login_url = default_login_url(environment)
    except UrlError as exc:
        raise ConfigError(str(exc)) from None
    if environment is Environment.PRODUCTION and ".sandbox.my.salesforce.com" in login_url:
        raise ConfigError(f"{login_url} is a sandbox address: choose Sandbox as the environment.")
    other.setdefault("login_url", login_url)
    return OrgProfile(name=name.strip(), environment=environment, login_method=login_method, **other)


_FIELDS = {f.name for f in fields(OrgProfile)}


def _profile_from_json(raw: dict[str, Any]) -> OrgProfile:
    data = {k: v for k, v in raw.items() if k in _FIELDS}
    data["environment"] = Environment(data["environment"])
    data["login_method"] = LoginMethod(data["login_method"])
    return OrgProfile(**data)


def orgs_path() -> Path:
    return paths.config_dir() / ORGS_FILE


class OrgStore:
    """The list of org profiles, the active one and the network settings, saved as ``orgs.json``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or orgs_path()
        self._lock = threading.Lock()
        self._orgs: dict[str, OrgProfile] = {}
        self.active_id: str | None = None
        self.ca_bundle: str = ""  # corporate CA bundle (PEM) for TLS-inspecting proxies; "" = certifi
        self.load_problem: str | None = None  # a sentence for the user when the file could not be read
        self._load()

    # -- reading -------------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            self._set_aside(f"could not be read ({exc})")
            return
        if not isinstance(raw, dict) or not isinstance(raw.get("orgs"), list):
            self._set_aside("does not hold an org list")
            return
        for item in raw["orgs"]:
            try:
                profile = _profile_from_json(item)
            except (KeyError, TypeError, ValueError) as exc:
                log.error("%s: skipping an org entry that is not valid (%s)", self.path, exc)
                continue
            self._orgs[profile.id] = profile
        active = raw.get("active")
        self.active_id = active if active in self._orgs else None
        network = raw.get("network")
        if isinstance(network, dict) and isinstance(network.get("ca_bundle"), str):
            self.ca_bundle = network["ca_bundle"]

    def _set_aside(self, why: str) -> None:
        """Keep a damaged file under another name (nothing is lost) and start with an empty list."""
        backup = self.path.with_name(f"{self.path.stem}.damaged-{uuid.uuid4().hex[:6]}{self.path.suffix}")
        try:
            os.replace(self.path, backup)
        except OSError:
            backup = self.path
        self.load_problem = (
            f"The org list {self.path} {why}. It was kept as {backup.name}; add your orgs again, "
            "or fix that file and rename it back to orgs.json."
        )
        log.error("%s", self.load_problem)

    def list(self) -> list[OrgProfile]:
        with self._lock:
            return sorted(self._orgs.values(), key=lambda p: p.name.lower())

    def get(self, org_id: str) -> OrgProfile | None:
        with self._lock:
            return self._orgs.get(org_id)

    def active(self) -> OrgProfile | None:
        with self._lock:
            return self._orgs.get(self.active_id) if self.active_id else None

    # -- writing -------------------------------------------------------------------------------------

    def upsert(self, profile: OrgProfile) -> None:
        """Add a profile or replace the one with the same id; names must stay unique."""
        with self._lock:
            for other in self._orgs.values():
                if other.id != profile.id and other.name.strip().lower() == profile.name.strip().lower():
                    raise ConfigError(f"An org named {profile.name!r} already exists; choose another name.")
            self._orgs[profile.id] = profile
            self._save()

    def remove(self, org_id: str) -> OrgProfile | None:
        """Forget a profile. The caller deletes its secrets (``CredentialStore.delete_org``)."""
        with self._lock:
            profile = self._orgs.pop(org_id, None)
            if self.active_id == org_id:
                self.active_id = None
            self._save()
            return profile

    def set_active(self, org_id: str | None) -> None:
        with self._lock:
            if org_id is not None and org_id not in self._orgs:
                raise ConfigError("That org is no longer in the list.")
            self.active_id = org_id
            self._save()

    def set_ca_bundle(self, path: str) -> None:
        text = path.strip()
        if text and not Path(text).is_file():
            raise ConfigError(
                f"CA bundle {text} does not exist. Choose the PEM file your IT department gave you, "
                "or leave the field empty to use the standard certificates."
            )
        with self._lock:
            self.ca_bundle = text
            self._save()

    def _save(self) -> None:
        data = {
            "schema": SCHEMA,
            "active": self.active_id,
            "network": {"ca_bundle": self.ca_bundle},
            "orgs": [asdict(p) for p in sorted(self._orgs.values(), key=lambda p: p.id)],
        }
        private_dir(self.path.parent)
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        write_atomic(self.path, text.encode("utf-8"), replace=True)  # a crash never leaves half a file
