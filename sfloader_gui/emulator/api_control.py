"""Out-of-process control of the emulator: faults, stats, token expiry, the org clock, other users."""

from __future__ import annotations

import re

from sfloader_gui.emulator.errors import ApiError
from sfloader_gui.emulator.http import Request, Response, Route, json_response
from sfloader_gui.emulator.org import Org


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
