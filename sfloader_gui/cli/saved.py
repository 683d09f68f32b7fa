"""Logins saved in the desktop app, for scripts: `--org NAME` resumes one, `sfloader orgs` lists them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypedDict

from sfloader_gui.cli.parser import EXIT_OK, UsageError
from sfloader_gui.core.auth.login import LoginResult, LoginService
from sfloader_gui.core.credentials import CredentialError, CredentialStore
from sfloader_gui.core.orgs import OrgProfile, OrgStore
from sfloader_gui.core.salesforce.errors import AuthError


class OrgRow(TypedDict):
    """One saved org as `sfloader orgs --json` lists it (never a secret)."""

    name: str
    id: str
    environment: str
    login_method: str
    username: str
    instance_url: str
    saved_login: bool
    active_in_app: bool


@dataclass(frozen=True)
class SavedOrgs:
    """The app's org list and keyring, read the same way the app reads them."""

    orgs: OrgStore
    store: CredentialStore

    @classmethod
    def open(cls) -> SavedOrgs:
        return cls(OrgStore(), CredentialStore())

    def find(self, name: str) -> OrgProfile:
        """The profile named ``name`` (any case) or with that id; a usage error says which exist."""
        wanted = name.strip().casefold()
        profiles = self.orgs.list()
        hits = [p for p in profiles if p.id == name.strip()] or [
            p for p in profiles if p.name.strip().casefold() == wanted
        ]
        if len(hits) == 1:
            return hits[0]
        if hits:
            ids = ", ".join(p.id for p in hits)
            raise UsageError(f"{len(hits)} saved orgs are named {name!r}: pass one of their ids ({ids}).")
        known = ", ".join(repr(p.name) for p in profiles) or "none yet"
        raise UsageError(
            f"No saved org named {name!r} (saved orgs: {known}). Add and log in to it in the app "
            "(Switch org…), or list them with `sfloader orgs`."
        )

    def resume(self, name: str) -> LoginResult:
        """Log in from the keyring (refreshing the token as needed) without touching the app's choice."""
        profile = self.find(name)
        active = self.orgs.active()
        service = LoginService(self.orgs, self.store, open_browser=_no_browser)
        try:
            return service.resume(profile)
        except CredentialError as exc:
            raise UsageError(f"{profile.name}: the keyring could not be read: {exc}") from None
        except AuthError as exc:
            raise AuthError(
                f"{profile.label}: the saved login no longer works ({exc}). Log in again in the app "
                "(Switch org…), then run this again."
            ) from None
        finally:
            # resume() makes the org the app's active one; a script must not change what the app opens.
            self.orgs.set_active(active.id if active else None)

    def rows(self) -> list[OrgRow]:
        """What `sfloader orgs` shows: names, environments, methods, whether a login is saved; no secret."""
        service = LoginService(self.orgs, self.store, open_browser=_no_browser)
        active = self.orgs.active()
        return [
            {
                "name": p.name,
                "id": p.id,
                "environment": p.environment.value,
                "login_method": p.login_method.value,
                "username": p.username,
                "instance_url": p.instance_url,
                "saved_login": service.has_saved_login(p),
                "active_in_app": active is not None and active.id == p.id,
            }
            for p in self.orgs.list()
        ]


def _no_browser(url: str) -> bool:
    raise AuthError("This login needs a browser: log in once in the app (Switch org…).")


def cmd_orgs(as_json: bool) -> int:
    rows = SavedOrgs.open().rows()
    if as_json:
        print(json.dumps({"orgs": rows}, indent=2))
        return EXIT_OK
    if not rows:
        print("No saved orgs. Add one in the app (Switch org…); scripts then use it with --org NAME.")
        return EXIT_OK
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        saved = "login saved" if r["saved_login"] else "not logged in (log in in the app)"
        mark = "*" if r["active_in_app"] else " "
        print(f"{mark} {r['name']:<{width}}  {r['environment']:<10} {r['login_method']:<8} {saved}"
              f"  {r['username'] or r['instance_url']}".rstrip())  # fmt: skip
    print("Use one with: sfloader upsert FILE... --org NAME   (* = the org the app opens with)")
    return EXIT_OK
