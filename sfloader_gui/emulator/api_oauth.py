"""OAuth endpoints: a consent page that redirects to a loopback URI, the token endpoint, revoke, userinfo."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from sfloader_gui.emulator.auth import ORG_ID, USER_ID, OAuthError
from sfloader_gui.emulator.errors import ApiError
from sfloader_gui.emulator.http import Request, Response, Route, json_response
from sfloader_gui.emulator.org import Org

_LOOPBACK = ("localhost", "127.0.0.1", "::1")
_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Allow Access? | Demo org</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">
<h1>Allow Access?</h1>
<p><b>{client}</b> is asking to access the demo org (sfloader emulator) as <b>{user}</b>.</p>
<form method="post" action="/services/oauth2/authorize">{hidden}
<button type="submit" name="decision" value="allow" id="oaapprove">Allow</button>
<button type="submit" name="decision" value="deny" id="oadeny">Deny</button>
</form></body></html>
"""


def _redirect(location: str) -> Response:
    return Response(
        302,
        content_type="text/html;charset=UTF-8",
        headers={"Location": location},
        body=b"",
        compressible=False,
    )


def _with_params(uri: str, params: dict[str, str]) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


def _check_redirect(uri: str) -> None:
    parts = urlsplit(uri)
    if parts.scheme != "http" or parts.hostname not in _LOOPBACK:
        raise ApiError(400, "redirect_uri_mismatch", "redirect_uri must be a loopback http:// address")


def _approve(org: Org, params: dict[str, str]) -> Response:
    uri = params.get("redirect_uri", "")
    state = {"state": params["state"]} if "state" in params else {}
    if params.get("decision", "allow") != "allow":
        return _redirect(
            _with_params(
                uri, {"error": "access_denied", "error_description": "end-user denied authorization", **state}
            )
        )
    challenge = params.get("code_challenge") or None
    code = org.auth.new_code(params.get("client_id", ""), uri, challenge)
    return _redirect(_with_params(uri, {"code": code, **state}))


def authorize_page(org: Org, req: Request, m: re.Match[str]) -> Response:
    params = dict(req.query)
    uri = params.get("redirect_uri", "")
    _check_redirect(uri)
    if params.get("response_type") != "code":
        return _redirect(
            _with_params(
                uri,
                {"error": "unsupported_response_type", "error_description": "response type not supported"},
            )
        )
    try:
        org.auth.check_client(params.get("client_id", ""))
    except OAuthError as e:
        return _redirect(_with_params(uri, {"error": e.error, "error_description": e.description}))
    if org.config.oauth_auto_approve:
        return _approve(org, params)
    hidden = "".join(
        f'\n<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in params.items()
    )
    page = _PAGE.format(
        client=html.escape(params.get("client_id", "")), user=html.escape(org.config.username), hidden=hidden
    )
    return Response(200, page.encode("utf-8"), content_type="text/html;charset=UTF-8")


def _form(req: Request) -> dict[str, str]:
    return {
        k: v[-1] for k, v in parse_qs(req.body().decode("utf-8", "replace"), keep_blank_values=True).items()
    }


def authorize_submit(org: Org, req: Request, m: re.Match[str]) -> Response:
    params = _form(req)
    _check_redirect(params.get("redirect_uri", ""))
    return _approve(org, params)


def token(org: Org, req: Request, m: re.Match[str]) -> Response:
    form = _form(req)
    form.update({k: v for k, v in req.query.items() if k not in form})
    try:
        return json_response(200, org.auth.grant(form, org.instance_url))
    except OAuthError as e:
        return json_response(e.status, {"error": e.error, "error_description": e.description})


def revoke(org: Org, req: Request, m: re.Match[str]) -> Response:
    form = _form(req)
    org.auth.revoke(form.get("token") or req.query.get("token", ""))
    return Response(200, content_type=None)


def userinfo(org: Org, req: Request, m: re.Match[str]) -> Response:
    user = req.user_id or USER_ID
    return json_response(
        200,
        {
            "sub": f"https://login.salesforce.com/id/{ORG_ID}/{user}",
            "user_id": user,
            "organization_id": ORG_ID,
            "preferred_username": org.config.username,
            "name": "Demo User",
            "email": org.config.username,
        },
    )


ROUTES = [
    Route("GET", re.compile(r"/services/oauth2/authorize/?"), authorize_page, "oauth"),
    Route("POST", re.compile(r"/services/oauth2/authorize/?"), authorize_submit, "oauth"),
    Route("POST", re.compile(r"/services/oauth2/token/?"), token, "oauth"),
    Route("POST", re.compile(r"/services/oauth2/revoke/?"), revoke, "oauth"),
    Route("GET", re.compile(r"/services/oauth2/userinfo/?"), userinfo, "api"),
]
