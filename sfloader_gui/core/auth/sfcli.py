"""Reuse a Salesforce CLI login: ``sf org list --json`` and ``sf org display --json --target-org X``."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from sfloader_gui.core.auth.urls import UrlError, validate_instance_url
from sfloader_gui.core.logs import register_secret
from sfloader_gui.core.salesforce.errors import AuthError

log = logging.getLogger(__name__)

CLI_TIMEOUT_S = 90.0
INSTALL_HINT = (
    "The Salesforce CLI (sf) is not installed, or it is not on the PATH this app sees. Install it from "
    "https://developer.salesforce.com/tools/salesforcecli, log in with `sf org login web`, then try again "
    "(or choose another login method)."
)


class CliError(AuthError):
    """The Salesforce CLI is missing or could not give a login; the message says what to do."""


@dataclass(frozen=True)
class CliOrg:
    """One org the CLI knows (from ``sf org list``)."""

    username: str
    alias: str
    instance_url: str
    org_id: str
    connected: str  # "Connected", "RefreshTokenAuthError", ... as the CLI reports it
    is_default: bool = False

    @property
    def target(self) -> str:
        return self.alias or self.username

    @property
    def label(self) -> str:
        name = f"{self.alias} ({self.username})" if self.alias else self.username
        return f"{name} - {self.instance_url}"


@dataclass(frozen=True, repr=False)
class CliLogin:
    access_token: str
    instance_url: str
    username: str
    org_id: str

    def __repr__(self) -> str:
        return f"CliLogin({self.username!r}, {self.instance_url!r}, <token hidden>)"


class SalesforceCli:
    """Runs ``sf`` with ``--json``. Output is never logged: ``org display`` prints an access token."""

    def __init__(self, executable: str | None = None, timeout: float = CLI_TIMEOUT_S) -> None:
        self._executable = executable
        self.timeout = timeout

    def executable(self) -> str:
        found = self._executable or shutil.which("sf")
        if not found:
            raise CliError(INSTALL_HINT)
        return found

    def available(self) -> bool:
        return bool(self._executable or shutil.which("sf"))

    def _run(self, *args: str) -> Any:
        env = dict(os.environ)
        # No update checks or colours: they slow the call down or spoil the JSON.
        env.update({"SF_AUTOUPDATE_DISABLE": "true", "SF_SKIP_NEW_VERSION_CHECK": "true", "NO_COLOR": "1"})
        env["SF_JSON_TO_STDOUT"] = "true"  # errors as JSON on stdout too (newer CLIs use stderr by default)
        cmd = [self.executable(), *args, "--json"]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=self.timeout, env=env, check=False
            )
        except FileNotFoundError:
            raise CliError(INSTALL_HINT) from None
        except subprocess.TimeoutExpired:
            raise CliError(f"The Salesforce CLI did not answer within {int(self.timeout)} seconds.") from None
        except OSError as exc:
            raise CliError(f"The Salesforce CLI could not be started ({exc}).") from None
        data = _parse_json(proc.stdout) or _parse_json(proc.stderr)
        if not isinstance(data, dict):
            log.warning("sf %s exited %s without JSON output", args[:2], proc.returncode)
            raise CliError(
                f"The Salesforce CLI gave no usable answer to `sf {' '.join(args)}` "
                f"(exit code {proc.returncode}). Run it in a terminal to see why."
            )
        if proc.returncode != 0 or data.get("status", 0) != 0:
            message = str(data.get("message") or data.get("name") or "unknown error")
            raise CliError(f"The Salesforce CLI refused `sf {' '.join(args)}`: {message}")
        return data.get("result")

    def list_orgs(self) -> list[CliOrg]:
        result = self._run("org", "list")
        if not isinstance(result, dict):
            return []
        seen: dict[str, CliOrg] = {}
        for group in ("nonScratchOrgs", "scratchOrgs", "sandboxes", "devHubs", "other"):
            for item in result.get(group) or []:
                if not isinstance(item, dict) or not item.get("username"):
                    continue
                org = CliOrg(
                    username=str(item["username"]),
                    alias=str(item.get("alias") or ""),
                    instance_url=str(item.get("instanceUrl") or ""),
                    org_id=str(item.get("orgId") or ""),
                    connected=str(item.get("connectedStatus") or item.get("status") or ""),
                    is_default=bool(item.get("isDefaultUsername")),
                )
                seen.setdefault(org.username, org)
        return sorted(seen.values(), key=lambda o: (not o.is_default, o.target.lower()))

    def display(self, target: str, *, allow_loopback_http: bool = False) -> CliLogin:
        result = self._run("org", "display", "--target-org", target)
        if not isinstance(result, dict) or not result.get("accessToken"):
            raise CliError(
                f"The Salesforce CLI has no usable login for {target!r}. Run `sf org login web --alias "
                f"{target}` in a terminal, then try again."
            )
        token = str(result["accessToken"])
        register_secret(token)
        try:
            instance = validate_instance_url(
                str(result.get("instanceUrl") or ""), allow_loopback_http=allow_loopback_http
            )
        except UrlError as exc:
            raise CliError(
                f"The Salesforce CLI reported an unusable instance URL for {target!r}: {exc}"
            ) from None
        return CliLogin(
            access_token=token,
            instance_url=instance,
            username=str(result.get("username") or ""),
            org_id=str(result.get("id") or ""),
        )


def _parse_json(text: str) -> Any:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        # Some CLI versions print a warning line before the JSON document.
        start = text.find("{")
        if start > 0:
            try:
                return json.loads(text[start:])
            except ValueError:
                return None
        return None
