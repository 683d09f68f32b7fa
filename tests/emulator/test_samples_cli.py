"""The sample files load as their README says; `python -m sfloader_gui.emulator` starts and stops cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests

from sfloader_gui.emulator.server import EmulatorServer
from tests.emulator.client import Bulk

SAMPLES = [
    ("accounts.csv", "Account", "External_Id__c", 25, 0),
    ("contacts.csv", "Contact", "External_Id__c", 40, 0),
    ("shipments.csv", "Shipment__c", "Shipment_Number__c", 30, 0),
    ("bad_accounts.csv", "Account", "External_Id__c", 10, 6),
    ("bad_contacts.csv", "Contact", "External_Id__c", 8, 4),
    ("bad_shipments.csv", "Shipment__c", "Shipment_Number__c", 8, 5),
]


def test_samples_load_as_documented(emulator: EmulatorServer, samples_dir: Path) -> None:
    bulk = Bulk(emulator)
    for name, obj, ext, processed, failed in SAMPLES:
        info = bulk.load((samples_dir / name).read_text(encoding="utf-8"), obj=obj, ext=ext)
        assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
            "JobComplete",
            processed,
            failed,
        ), name
    assert bulk.count("Contact", "WHERE AccountId != null") == 44
    readme = (samples_dir / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name, *_ in SAMPLES)


def test_module_prints_json_line_and_exits_zero_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sfloader_gui.emulator",
            "--db",
            str(tmp_path / "org.db"),
            "--access-token",
            "T0K",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        assert first["access_token"] == "T0K" and first["instance_url"].startswith("http://127.0.0.1:")
        r = requests.get(
            f"{first['instance_url']}/services/data/v66.0/sobjects", headers={"Authorization": "Bearer T0K"}
        )
        assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        if proc.stdout is not None:
            proc.stdout.close()
