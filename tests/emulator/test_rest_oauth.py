"""Checklist items 33 and 34: versions, sobjects, describe, query; the OAuth stub and token expiry."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from tests.emulator.client import Bulk

REDIRECT = "http://localhost:1717/OauthRedirect"


def test_33_versions_sobjects_and_describe(emulator: EmulatorServer) -> None:
    versions = requests.get(f"{emulator.instance_url}/services/data/").json()
    assert "66.0" in [v["version"] for v in versions]
    bulk = Bulk(emulator)
    objs = {o["name"]: o for o in bulk.s.get(f"{bulk.base}/sobjects/").json()["sobjects"]}
    assert {"Account", "Contact", "Shipment__c"} <= set(objs)
    assert (objs["Account"]["keyPrefix"], objs["Shipment__c"]["custom"]) == ("001", True)
    acc = bulk.s.get(f"{bulk.base}/sobjects/Account/describe/").json()
    fields = {f["name"]: f for f in acc["fields"]}
    assert fields["External_Id__c"]["externalId"] is True and fields["External_Id__c"]["unique"] is True
    assert fields["Name"]["nillable"] is False and fields["Name"]["idLookup"] is True
    assert fields["Description"]["length"] == 32000 and fields["Description"]["type"] == "textarea"
    assert fields["Industry"]["type"] == "picklist" and fields["Industry"]["restrictedPicklist"] is False
    assert fields["Id"]["createable"] is False
    con = {f["name"]: f for f in bulk.s.get(f"{bulk.base}/sobjects/Contact/describe").json()["fields"]}
    assert (con["AccountId"]["referenceTo"], con["AccountId"]["relationshipName"]) == (["Account"], "Account")
    shp = {f["name"]: f for f in bulk.s.get(f"{bulk.base}/sobjects/Shipment__c/describe").json()["fields"]}
    assert shp["Status__c"]["restrictedPicklist"] is True
    assert shp["Status__c"]["picklistValues"][0]["value"] == "Planned"
    assert shp["Weight_Kg__c"]["nillable"] is False and shp["Weight_Kg__c"]["type"] == "double"
    assert bulk.s.get(f"{bulk.base}/sobjects/Nope__c/describe").status_code == 404


def test_query_subset(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    bulk.load("External_Id__c,Name,NumberOfEmployees\nE-1,A,5\nE-2,B,50\nE-3,C,500\n")
    assert bulk.count("Account") == 3
    assert bulk.count("Account", "WHERE NumberOfEmployees > 10") == 2
    got = bulk.query("SELECT Id, Name FROM Account WHERE Name IN ('A', 'C') ORDER BY Name DESC LIMIT 1")
    assert got["totalSize"] == 1 and got["records"][0]["Name"] == "C"
    assert got["records"][0]["attributes"]["type"] == "Account"
    r = bulk.s.get(f"{bulk.base}/query", params={"q": "SELECT Nope FROM Account"})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_FIELD"


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _authorize(org: EmulatorServer, challenge: str | None, state: str = "s1") -> str:
    params = {"response_type": "code", "client_id": "PlatformCLI", "redirect_uri": REDIRECT, "state": state}
    if challenge:
        params["code_challenge"] = challenge
    page = requests.get(f"{org.instance_url}/services/oauth2/authorize", params=params)
    assert page.status_code == 200 and "Allow" in page.text
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    form["decision"] = "allow"
    r = requests.post(f"{org.instance_url}/services/oauth2/authorize", data=form, allow_redirects=False)
    assert r.status_code == 302
    loc = urlsplit(r.headers["Location"])
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == REDIRECT
    q = parse_qs(loc.query)
    assert q["state"] == [state]
    return q["code"][0]


def _token(org: EmulatorServer, **form: str) -> requests.Response:
    return requests.post(f"{org.instance_url}/services/oauth2/token", data=form)


def test_34_oauth_pkce_refresh_and_expiry(emulator: EmulatorServer) -> None:
    verifier = base64.urlsafe_b64encode(b"v" * 64).rstrip(b"=").decode()
    code = _authorize(emulator, _challenge(verifier))
    base = {"grant_type": "authorization_code", "client_id": "PlatformCLI", "redirect_uri": REDIRECT}
    tok = _token(emulator, code=code, code_verifier=verifier, **base).json()
    assert {
        "access_token",
        "refresh_token",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
        "signature",
    } <= set(tok)
    assert tok["instance_url"] == emulator.instance_url and tok["token_type"] == "Bearer"
    api = f"{emulator.instance_url}/services/data/v66.0/sobjects/"
    assert requests.get(api, headers={"Authorization": "Bearer " + tok["access_token"]}).status_code == 200

    bad = _token(emulator, code=_authorize(emulator, _challenge(verifier)), code_verifier="wrong", **base)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    missing = _token(emulator, code=_authorize(emulator, _challenge(verifier)), **base)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"

    emulator.expire_tokens()
    r = requests.get(api, headers={"Authorization": "Bearer " + tok["access_token"]})
    assert r.status_code == 401
    assert r.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    fresh = _token(
        emulator, grant_type="refresh_token", refresh_token=tok["refresh_token"], client_id="PlatformCLI"
    )
    assert fresh.status_code == 200 and "refresh_token" not in fresh.json()
    assert (
        requests.get(api, headers={"Authorization": "Bearer " + fresh.json()["access_token"]}).status_code
        == 200
    )


def test_oauth_password_grant_and_client_ids(tmp_path: Path) -> None:
    cfg = EmulatorConfig(db_path=tmp_path / "o.db", client_ids=("MyApp",))
    with EmulatorServer(cfg) as org:
        ok = _token(
            org, grant_type="password", client_id="MyApp", username=cfg.username, password=cfg.password
        )
        assert ok.status_code == 200 and "refresh_token" not in ok.json()
        wrong = _token(org, grant_type="password", client_id="MyApp", username=cfg.username, password="x")
        assert wrong.json() == {"error": "invalid_grant", "error_description": "authentication failure"}
        other = _token(
            org, grant_type="password", client_id="Else", username=cfg.username, password=cfg.password
        )
        assert other.json()["error"] == "invalid_client_id"


def test_oauth_deny_and_non_loopback_redirect(emulator: EmulatorServer) -> None:
    url = f"{emulator.instance_url}/services/oauth2/authorize"
    r = requests.post(
        url, data={"redirect_uri": REDIRECT, "state": "z", "decision": "deny"}, allow_redirects=False
    )
    assert parse_qs(urlsplit(r.headers["Location"]).query)["error"] == ["access_denied"]
    r = requests.get(
        url, params={"response_type": "code", "client_id": "x", "redirect_uri": "https://evil.example/"}
    )
    assert r.status_code == 400


def test_auto_approve_userinfo_revoke_and_records(tmp_path: Path) -> None:
    with EmulatorServer(EmulatorConfig(db_path=tmp_path / "o.db", oauth_auto_approve=True)) as org:
        params = {"response_type": "code", "client_id": "App", "redirect_uri": REDIRECT, "state": "q"}
        r = requests.get(
            f"{org.instance_url}/services/oauth2/authorize", params=params, allow_redirects=False
        )
        assert r.status_code == 302
        code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
        base = {"grant_type": "authorization_code", "client_id": "App", "redirect_uri": REDIRECT}
        tok = _token(org, code=code, **base).json()  # no challenge was sent, so no verifier is needed
        auth = {"Authorization": "Bearer " + tok["access_token"]}
        me = requests.get(f"{org.instance_url}/services/oauth2/userinfo", headers=auth).json()
        assert me["preferred_username"] == "demo@sfloader.example"
        assert _token(org, code=code, **base).json()["error"] == "invalid_grant"  # codes are one-use
        bulk = Bulk(org)
        info = bulk.load("External_Id__c,Name\nE-1,Acme\n")
        rec_id = bulk.results(info["id"], "successfulResults").text.splitlines()[1].split(",")[0].strip('"')
        rec = bulk.s.get(f"{bulk.base}/sobjects/Account/{rec_id[:15]}").json()
        assert (rec["Id"], rec["Name"]) == (rec_id, "Acme")
        limits = bulk.s.get(f"{bulk.base}/limits").json()
        assert limits["DailyApiRequests"]["Max"] == 15000
        requests.post(f"{org.instance_url}/services/oauth2/revoke", data={"token": tok["access_token"]})
        assert requests.get(f"{org.instance_url}/services/oauth2/userinfo", headers=auth).status_code == 401
