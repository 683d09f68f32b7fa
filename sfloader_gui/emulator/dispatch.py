"""Request dispatch: latency and status faults, bearer auth, API limits, then the matching route."""

from __future__ import annotations

import time

from sfloader_gui.emulator import api_control
from sfloader_gui.emulator.concurrency import CONCURRENT_MESSAGE
from sfloader_gui.emulator.errors import ApiError
from sfloader_gui.emulator.http import Request, Response, Route, error_response, json_response
from sfloader_gui.emulator.org import Org


def _bearer(req: Request) -> str | None:
    value = req.headers.get("Authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None


def _find(routes: list[Route], req: Request) -> tuple[Route, object] | None:
    path_matched = False
    for route in routes:
        m = route.pattern.fullmatch(req.path)
        if m is None:
            continue
        path_matched = True
        if route.method == req.method:
            return route, m
    if path_matched:
        raise ApiError(
            405, "METHOD_NOT_ALLOWED", f"HTTP Method '{req.method}' not allowed. Allowed are GET,POST"
        )
    return None


def dispatch(org: Org, routes: list[Route], req: Request) -> Response:
    faults = org.faults
    found = _find(routes, req)
    if found is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    route, match = found
    if route.kind == "control":
        api_control.guard(org, req)
        return route.fn(org, req, match)  # type: ignore[arg-type]
    if faults.latency:
        time.sleep(faults.latency)  # injected server latency
    rule = faults.take_status(req.method, req.path)
    if rule is not None:
        headers = {}
        if rule.retry_after is not None:
            headers["Retry-After"] = str(
                int(rule.retry_after) if rule.retry_after == int(rule.retry_after) else rule.retry_after
            )
        return json_response(rule.status, rule.body(), headers)
    if route.kind != "api":
        return route.fn(org, req, match)  # type: ignore[arg-type]
    token = _bearer(req)
    if token is None or not org.auth.is_valid(token):
        raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
    req.user_id = org.auth.user_of(token)
    usage = org.count_api_call()
    org.stats.count("api_calls")
    limit = {"Sforce-Limit-Info": org.limit_info()}
    if faults.request_limit or usage > org.config.api_limit:
        raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", limit)
    ticket = org.long_requests.enter()
    if ticket is None:
        raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", CONCURRENT_MESSAGE, limit)
    # the call counts until its answer has gone out (a slow download is a long call too)
    req.on_finish.append(lambda: org.long_requests.leave(ticket))
    if req.content_encoding not in (None, "identity") and faults.refuse_gzip:
        raise ApiError(
            415, "UNSUPPORTED_MEDIA_TYPE", f"Content-Encoding {req.content_encoding} is not supported"
        )
    try:
        resp = route.fn(org, req, match)  # type: ignore[arg-type]
    except ApiError as err:
        err.headers.update(limit)
        return error_response(err)
    resp.headers.update(limit)
    return resp
