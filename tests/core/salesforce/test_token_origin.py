"""The bearer token goes only to the instance's own origin: URLs a (hostile) server names are refused."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import ForeignUrlError
from sfloader_gui.core.salesforce.tokens import StaticToken
from tests.token_trap import token_trap

CSV = b"External_Id__c,Name\nA1,Acme\n"


def test_a_foreign_content_url_never_gets_the_upload_or_the_token(
    emulator: Any, conn: SalesforceConnection
) -> None:
    with token_trap() as trap:
        emulator.faults.foreign_urls = trap.origin
        job = bulk.create_upsert_job(conn, "Account", "External_Id__c")
        assert job.content_url and job.content_url.startswith(trap.origin)
        with pytest.raises(ForeignUrlError) as caught:
            bulk.upload_job_data(conn, job, iter([gzip.compress(CSV)]), gzip=True)
        assert job.content_url in str(caught.value)  # the message names the URL that was refused
        emulator.faults.foreign_urls = None
        assert bulk.get_job(conn, job.id).state == "Open"  # nothing was uploaded anywhere
        assert trap.seen == []


def test_a_foreign_next_records_url_stops_the_listing(emulator: Any, conn: SalesforceConnection) -> None:
    emulator.org.config.list_page_size = 1
    for _ in range(3):
        bulk.create_upsert_job(conn, "Account", "External_Id__c")
    with token_trap() as trap:
        emulator.faults.foreign_urls = trap.origin
        pages = bulk.list_jobs(conn)
        next(pages)  # the first page comes from the org itself
        with pytest.raises(ForeignUrlError, match=trap.origin):
            next(pages)
        assert trap.seen == []


@pytest.mark.parametrize(
    "named",
    [
        "http://127.0.0.1:{other}/services/data/v66.0/jobs/ingest",  # same host, another port
        "https://127.0.0.1:{port}/services/data/v66.0/jobs/ingest",  # another scheme
        "http://localhost:{port}/services/data/v66.0/jobs/ingest",  # another host name
        "http://user@127.0.0.1:{port}/services/data/v66.0/jobs/ingest",  # user info
    ],
)
def test_only_the_exact_instance_origin_is_accepted(emulator: Any, named: str) -> None:
    with (
        token_trap() as trap,
        SalesforceConnection(emulator.instance_url, StaticToken(emulator.access_token)) as conn,
    ):
        url = named.format(port=emulator.port, other=trap.server_address[1])
        with pytest.raises(ForeignUrlError, match="outside the org"):
            conn.request("GET", url)
        same = f"{emulator.instance_url}/services/data/v66.0/jobs/ingest"
        assert conn.request("GET", same).status_code == 200
        assert trap.seen == []


def test_a_load_against_a_hostile_org_fails_the_part_and_leaks_nothing(
    emulator: Any, samples_dir: Path, tmp_path: Path
) -> None:
    from sfloader_gui.core.load.engine import run_load
    from sfloader_gui.core.load.plan import plan_load
    from sfloader_gui.core.models import CancelToken, JobState, LoadOptions

    options = LoadOptions("Account", "External_Id__c", poll_interval_s=0.1, max_concurrent_jobs=2)
    plan = plan_load([samples_dir / "accounts.csv"], options)
    with (
        token_trap() as trap,
        SalesforceConnection(emulator.instance_url, StaticToken(emulator.access_token)) as conn,
    ):
        emulator.faults.foreign_urls = trap.origin
        run = run_load(conn, plan, options, tmp_path, lambda e: None, CancelToken())
        assert trap.seen == []
    assert run.outcomes
    for outcome in run.outcomes:
        assert outcome.state == JobState.ERROR
        assert trap.origin in (outcome.error_message or "")
    assert emulator.stats.find("PUT", "/batches") == []
    assert all(j.state == "Aborted" for j in emulator.org.jobs.listing())  # no job left Open
    assert emulator.stats.jobs_created == len(run.outcomes)  # no pointless second job per part
