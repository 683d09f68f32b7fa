"""Out-of-process control of the emulator: faults, stats, token expiry, the org clock, other users.

Every control call needs the emulator's own token (`Authorization: Bearer <org.access_token>`, the one it
prints at start; it stays a control key after `expire-tokens`), a loopback `Host` and, for POST,
`Content-Type: application/json`: a web page that finds the port can neither send such a request without
a CORS preflight (which the emulator never grants) nor pass a DNS-rebinding host name.
"""

from __future__ import annotations

import re
import secrets

from sfloader_gui.emulator.errors import ApiError
from sfloader_gui.emulator.http import Request, Response, Route, json_response
from sfloader_gui.emulator.org import Org

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _host_name(value: str) -> str:
    if value.startswith("["):  # [::1]:port
        return value[1:].partition("]")[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def guard(org: Org, req: Request) -> None:
    """Refuse a control call that is not from a local tool holding the emulator's token."""
    host = _host_name((req.headers.get("Host") or "").strip()).lower()
    if host not in _LOOPBACK_HOSTS:
        raise ApiError(403, "FORBIDDEN", "Control endpoints answer only to a loopback Host header")
    scheme, _, token = (req.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        token.strip().encode(), org.access_token.encode()
    ):
        raise ApiError(401, "INVALID_SESSION_ID", "Control endpoints need the emulator's access token")
    ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if req.method == "POST" and ctype != "application/json":
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Control endpoints take Content-Type: application/json")


def get_faults(org: Org, req: Request, m: re.Match[str]) -> Response:
    return json_response(200, org.faults.to_dict())


def set_faults(org: Org, req: Request, m: re.Match[str]) -> Response:
    data = req.json()
    if not isinstance(data, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Send a JSON object of fault fields")
    try:
        org.faults.update(data)
    except (TypeError, ValueError) as e:
        raise ApiError(400, "INVALID_FAULT", str(e)) from None
    return json_response(200, org.faults.to_dict())


def get_stats(org: Org, req: Request, m: re.Match[str]) -> Response:
    return json_response(200, org.stats.to_dict())


def expire_tokens(org: Org, req: Request, m: re.Match[str]) -> Response:
    org.auth.expire_tokens()
    return json_response(200, {"expired": True})


def clock(org: Org, req: Request, m: re.Match[str]) -> Response:
    data = req.json()
    org.jobs.clock_offset += float(data.get("advance", 0)) if isinstance(data, dict) else 0.0
    return json_response(200, {"offset": org.jobs.clock_offset})


def add_user(org: Org, req: Request, m: re.Match[str]) -> Response:
    """A token for another user of the org, so a test can make jobs that are not the app's user's."""
    data = req.json()
    user = data.get("user_id") if isinstance(data, dict) else None
    token, user_id = org.auth.token_for_user(str(user) if user else None)
    return json_response(200, {"access_token": token, "user_id": user_id})


ROUTES = [
    Route("GET", re.compile(r"/__emulator__/faults/?"), get_faults, "control"),
    Route("POST", re.compile(r"/__emulator__/faults/?"), set_faults, "control"),
    Route("GET", re.compile(r"/__emulator__/stats/?"), get_stats, "control"),
    Route("POST", re.compile(r"/__emulator__/expire-tokens/?"), expire_tokens, "control"),
    Route("POST", re.compile(r"/__emulator__/clock/?"), clock, "control"),
    Route("POST", re.compile(r"/__emulator__/users/?"), add_user, "control"),
]
