"""Real run folders: the engine loads the emulator's sample files (some with deliberate bad rows)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.engine import RunResult, run_load
from sfloader_gui.core.load.plan import plan_load
from sfloader_gui.core.models import CancelToken, LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.tokens import StaticToken

SAMPLES = Path(__file__).resolve().parents[3] / "resources" / "samples"
KEYS = {"Account": "External_Id__c", "Contact": "External_Id__c", "Shipment__c": "Shipment_Number__c"}
FAST_POLL_S = 0.05  # the emulator finishes jobs at once: do not wait Salesforce's 5 s between polls


def connect(org: Any) -> SalesforceConnection:
    return SalesforceConnection(org.instance_url, StaticToken(org.access_token), "66.0")


def load(conn: SalesforceConnection, names: list[str], object_name: str, work: Path) -> RunResult:
    """Copy sample files into ``work`` (so tests may change them) and upsert them as one run."""
    work.mkdir(parents=True, exist_ok=True)
    files = []
    for name in names:
        files.append(work / name)
        shutil.copyfile(SAMPLES / name, files[-1])
    options = LoadOptions(object_name, KEYS[object_name], poll_interval_s=FAST_POLL_S)
    plan = plan_load(files, options)
    return run_load(conn, plan, options, work / "runs", lambda _e: None, CancelToken())


def query(conn: SalesforceConnection, soql: str) -> list[dict[str, Any]]:
    """Records through the org's REST query resource, as a user would check them."""
    data = conn.get_json("/services/data/v66.0/query", params={"q": soql})
    records: list[dict[str, Any]] = data["records"]
    return records


def load_mapped(
    conn: SalesforceConnection, path: Path, object_name: str, work: Path, *, ignore: tuple[str, ...] = ()
) -> RunResult:
    """Upsert a business file as the app does: auto-mapping by label with ``ignore`` left out by the
    user, values converted by pre-flight over the whole file, then the load."""
    from sfloader_gui.core.load.preflight import file_mapping, preflight
    from sfloader_gui.core.salesforce.describe import Describer

    options = LoadOptions(object_name, KEYS[object_name], poll_interval_s=FAST_POLL_S)
    plan = plan_load([path], options)
    describer = Describer(conn)
    mapping, _ = file_mapping(plan.files[0], describer(object_name), describer, options)
    for column in ignore:
        mapping = mapping.with_target(column, None)
    preflight(plan, describer(object_name), describer, mappings={path: mapping})
    assert not plan.files[0].blocked, plan.findings
    return run_load(conn, plan, options, work / "runs", lambda _e: None, CancelToken())
