"""Emulator faults for issue 10: answers lost or held after the org acted, outages, other users' jobs."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests

from sfloader_gui.emulator.auth import USER_ID
from sfloader_gui.emulator.server import EmulatorServer
from tests.emulator.client import Bulk, control


def test_lost_answer_after_the_org_acted(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    emulator.faults.lose_answer("POST", r"/jobs/ingest/?$")
    before = len(emulator.org.jobs.listing()) if emulator.org else 0
    with pytest.raises(requests.ConnectionError):
        bulk.create()
    assert emulator.org is not None
    jobs = emulator.org.jobs.listing()
    assert len(jobs) == before + 1 and jobs[-1].state == "Open"  # the job exists though no answer came
    assert bulk.create().status_code == 200  # one use only


def test_lost_close_answer_leaves_the_job_processing(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    job = bulk.new_job()
    assert bulk.put(job, "External_Id__c,Name\nx1,A\n").status_code == 201
    emulator.faults.lose_answer("PATCH", job["id"])
    with pytest.raises(requests.ConnectionError):
        bulk.state(job["id"], "UploadComplete")
    assert emulator.wait_job(job["id"]).state == "JobComplete"


def test_held_answer_times_a_client_out_while_the_org_acts(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    emulator.faults.hold_answer(1.0, "POST", r"/jobs/ingest/?$")
    with pytest.raises(requests.Timeout):
        bulk.s.post(bulk.jobs, json={"object": "Account", "operation": "insert"}, timeout=0.2)
    assert emulator.org is not None and emulator.org.jobs.listing()[-1].operation == "insert"


def test_outage_drops_every_call_unperformed_until_it_ends(emulator: EmulatorServer) -> None:
    bulk = Bulk(emulator)
    url = f"{emulator.instance_url}/__emulator__/faults"
    ctl = control(emulator)
    assert ctl.post(url, json={"outage": 30}).json()["outage"] > 29
    with pytest.raises(requests.ConnectionError):
        bulk.create()
    assert emulator.stats.to_dict()["jobs_created"] == 0
    assert ctl.post(url, json={"outage": 0}).status_code == 200  # control still answers
    assert bulk.create().status_code == 200


def test_jobs_of_another_user_say_so(emulator: EmulatorServer) -> None:
    other = control(emulator).post(f"{emulator.instance_url}/__emulator__/users", json={}).json()
    assert other["user_id"] != USER_ID
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + other["access_token"]
    bulk = Bulk(emulator)
    theirs = s.post(bulk.jobs, json={"object": "Account", "operation": "upsert",
                                     "externalIdFieldName": "External_Id__c"}).json()  # fmt: skip
    assert theirs["createdById"] == other["user_id"]
    assert bulk.new_job()["createdById"] == USER_ID
    me = s.get(f"{emulator.instance_url}/services/oauth2/userinfo").json()
    assert me["user_id"] == other["user_id"]


def test_date_header_tells_the_org_clock(emulator: EmulatorServer) -> None:
    emulator.advance_clock(3600)
    r = Bulk(emulator).s.get(f"{emulator.instance_url}/services/data/")
    told = email.utils.parsedate_to_datetime(r.headers["Date"]).timestamp()
    assert abs(told - (time.time() + 3600)) < 5
