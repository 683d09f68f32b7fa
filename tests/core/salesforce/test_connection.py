"""The HTTP session: bearer auth that netrc cannot replace, pool size, timeouts, safe retries, refresh."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.connection import RetryPolicy, SalesforceConnection, Timeouts
from sfloader_gui.core.salesforce.errors import ApiLimitError, AuthError, SalesforceError, TransportError
from sfloader_gui.core.salesforce.tokens import StaticToken
from tests.core.salesforce.conftest import FAST_RETRY, oauth_refreshing_token

JOBS = "/jobs/ingest$"


def test_a_netrc_entry_cannot_replace_the_bearer_token(
    emulator: Any, conn: SalesforceConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    url = f"{emulator.instance_url}/services/data/v66.0/sobjects/"
    # Plain requests with a header lets netrc win: Basic auth goes out and the org says 401.
    plain = requests.get(url, headers={"Authorization": f"Bearer {emulator.access_token}"}, timeout=10)
    assert plain.status_code == 401
    # Our AuthBase keeps the bearer token.
    assert conn.get_json("sobjects/")["sobjects"]


def test_fifteen_workers_share_the_pool_without_discarding_connections(
    emulator: Any, conn: SalesforceConnection, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.faults.latency = 0.05  # keep all 15 requests in flight at once
    caplog.set_level(logging.WARNING, logger="urllib3")
    with ThreadPoolExecutor(15) as pool:
        results = list(pool.map(lambda _: conn.get_json("sobjects/"), range(45)))
    assert len(results) == 45
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_a_slow_answer_times_out_with_a_clear_error(emulator: Any) -> None:
    emulator.faults.latency = 1.0
    quick = Timeouts(connect_s=2, read_s=0.2)
    with (
        SalesforceConnection(
            emulator.instance_url,
            StaticToken(emulator.access_token),
            retry=RetryPolicy(attempts=1),
            timeouts=quick,
        ) as c,
        pytest.raises(TransportError, match="connection to Salesforce failed"),
    ):
        c.get_json("sobjects/")


def test_reads_are_retried_on_429_honouring_retry_after(emulator: Any, conn: SalesforceConnection) -> None:
    emulator.faults.add_status(429, method="GET", path="/sobjects/$", times=3, retry_after=0.05)
    assert conn.get_json("sobjects/")["sobjects"]
    assert len(emulator.stats.find("GET", "/sobjects/")) == 4


def test_a_create_job_post_is_not_repeated_after_a_server_error(
    emulator: Any, conn: SalesforceConnection
) -> None:
    emulator.faults.add_status(503, method="POST", path=JOBS, times=1)
    with pytest.raises(SalesforceError) as info:
        bulk.create_upsert_job(conn, "Account", "External_Id__c")
    assert info.value.status == 503
    assert len(emulator.stats.find("POST", "/jobs/ingest")) == 1
    assert emulator.stats.jobs_created == 0


def test_an_explicit_429_on_create_is_retried(emulator: Any, conn: SalesforceConnection) -> None:
    emulator.faults.add_status(429, method="POST", path=JOBS, times=2)
    job = bulk.create_upsert_job(conn, "Account", "External_Id__c")
    assert job.state == "Open"
    assert emulator.stats.jobs_created == 1


def test_daily_limit_stops_at_once_with_a_plain_message(emulator: Any, conn: SalesforceConnection) -> None:
    emulator.faults.request_limit = True
    with pytest.raises(ApiLimitError, match="daily API request limit"):
        conn.get_json("sobjects/")
    assert len(emulator.stats.find("GET", "/sobjects/")) == 1  # no retry storm
    assert isinstance(conn.fatal_error, ApiLimitError)


def test_an_expired_static_token_asks_to_log_in_again(emulator: Any, conn: SalesforceConnection) -> None:
    emulator.expire_tokens()
    with pytest.raises(AuthError, match="Log in to the org again"):
        conn.get_json("sobjects/")
    assert len(emulator.stats.find("GET", "/sobjects/")) == 1


def test_concurrent_401s_cost_one_refresh_and_every_call_succeeds(
    emulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = oauth_refreshing_token(emulator.instance_url)
    first = token.access_token()
    with SalesforceConnection(emulator.instance_url, token, retry=FAST_RETRY) as c:
        c.get_json("sobjects/")
        emulator.expire_tokens()
        barrier = threading.Barrier(15)

        def call(_: int) -> Any:
            barrier.wait()
            return c.get_json("sobjects/")

        with ThreadPoolExecutor(15) as pool:
            assert all(r["sobjects"] for r in pool.map(call, range(15)))
    assert token.refresh_count == 1
    assert token.access_token() != first
    text = caplog.text
    assert first not in text and token.access_token() not in text  # never log a token
    assert "Bearer" not in text


def test_a_401_that_is_not_a_session_error_is_not_refreshed(emulator: Any) -> None:
    token = oauth_refreshing_token(emulator.instance_url)
    emulator.faults.add_status(401, method="GET", path="/sobjects/$", error_code="OAUTH_APP_BLOCKED",
                               message="this app is blocked by admin")  # fmt: skip
    with (
        SalesforceConnection(emulator.instance_url, token, retry=FAST_RETRY) as c,
        pytest.raises(AuthError, match="blocked"),
    ):
        c.get_json("sobjects/")
    assert token.refresh_count == 0


def test_too_many_concurrent_requests_is_waited_out_not_fatal(
    emulator: Any, conn: SalesforceConnection
) -> None:
    busy = "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
    emulator.faults.add_status(403, method="POST", path=JOBS, times=2, message=busy)
    job = bulk.create_upsert_job(conn, "Account", "External_Id__c")
    assert job.state == "Open" and emulator.stats.jobs_created == 1
    assert conn.fatal_error is None


def test_the_app_ca_bundle_wins_over_requests_ca_bundle(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests lets REQUESTS_CA_BUNDLE override Session.verify; the bundle the user chose must win."""
    from sfloader_gui.core.auth.network import apply_ca_bundle

    corp = tmp_path / "corp.pem"
    corp.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "other.pem"))
    seen: list[object] = []
    real_send = requests.adapters.HTTPAdapter.send

    def spy(self: requests.adapters.HTTPAdapter, request: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("verify"))
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", spy)
    with SalesforceConnection(emulator.instance_url, StaticToken(emulator.access_token), "66.0") as conn:
        apply_ca_bundle(conn.session, str(corp))
        conn.request("GET", "sobjects/")
    assert seen == [str(corp)]
