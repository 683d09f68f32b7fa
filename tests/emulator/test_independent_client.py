"""An independent client (simple-salesforce's bulk2) loads a sample file into the emulator unchanged."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from simple_salesforce import Salesforce

from sfloader_gui.emulator.server import EmulatorServer
from tests.emulator.client import Bulk


def test_simple_salesforce_bulk2_upsert(emulator: EmulatorServer, samples_dir: Path) -> None:
    sf = Salesforce(instance_url=emulator.instance_url, session_id=emulator.access_token)
    # simple-salesforce builds https URLs; this is the one thing pointed at the emulator's http address
    sf.bulk2_url = f"{emulator.instance_url}/services/data/v{sf.sf_version}/jobs/"
    source = samples_dir / "bad_accounts.csv"
    account: Any = sf.bulk2.Account  # type: ignore[union-attr]  # the library's own hints are too narrow

    first = account.upsert(csv_file=str(source), external_id_field="External_Id__c", wait=0.05)
    assert len(first) == 1
    assert (first[0]["numberRecordsProcessed"], first[0]["numberRecordsFailed"]) == (10, 6)
    job_id = first[0]["job_id"]
    ok = list(csv.DictReader(io.StringIO(account.get_successful_records(job_id))))
    bad = list(csv.DictReader(io.StringIO(account.get_failed_records(job_id))))
    assert len(ok) == 4 and all(r["sf__Created"] == "true" for r in ok)
    assert len(bad) == 6 and all(r["sf__Error"] for r in bad)
    header = source.read_text(encoding="utf-8").splitlines()[0]
    assert account.get_unprocessed_records(job_id).strip() == header

    again = account.upsert(csv_file=str(source), external_id_field="External_Id__c", wait=0.05)
    ok2 = list(csv.DictReader(io.StringIO(account.get_successful_records(again[0]["job_id"]))))
    assert {r["sf__Id"] for r in ok2} == {r["sf__Id"] for r in ok}
    assert all(r["sf__Created"] == "false" for r in ok2)
    bulk = Bulk(emulator)
    assert bulk.count("Account") == 4
    names = {r["Name"] for r in bulk.query("SELECT Name FROM Account")["records"]}
    assert names == {r["Name"] for r in ok}
