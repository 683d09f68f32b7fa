"""Helpers for client tests: a connection to the emulator and an OAuth-refreshing token double."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sfloader_gui.core.salesforce.connection import RetryPolicy, SalesforceConnection
from sfloader_gui.core.salesforce.tokens import RefreshingToken, StaticToken

FAST_RETRY = RetryPolicy(attempts=5, base_s=0.01, cap_s=0.05, max_retry_after_s=0.2)
CLIENT_ID = "sfloader-test"
REDIRECT = "http://127.0.0.1:1/callback"


def oauth_refreshing_token(instance_url: str) -> RefreshingToken:
    """A token provider that renews itself with the emulator's OAuth refresh_token grant."""
    page = requests.post(
        f"{instance_url}/services/oauth2/authorize",
        data={"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code", "decision": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    code = parse_qs(urlsplit(page.headers["Location"]).query)["code"][0]
    grant = requests.post(
        f"{instance_url}/services/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
        },
        timeout=10,
    ).json()
    refresh_token = grant["refresh_token"]

    def fetch_new() -> str:
        resp = requests.post(
            f"{instance_url}/services/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT_ID},
            timeout=10,
        )
        resp.raise_for_status()
        return str(resp.json()["access_token"])

    return RefreshingToken(grant["access_token"], fetch_new)


@pytest.fixture
def conn(emulator: Any) -> Iterator[SalesforceConnection]:
    with SalesforceConnection(
        emulator.instance_url, StaticToken(emulator.access_token), retry=FAST_RETRY
    ) as c:
        yield c
