"""Shared helpers for load tests: write CSV files, plan them, run them against the emulator."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.engine import RunResult, run_load
from sfloader_gui.core.load.plan import LoadPlan, plan_load
from sfloader_gui.core.models import CancelToken, EventKind, JobEvent, JobState, LoadOptions
from sfloader_gui.core.salesforce.connection import RetryPolicy, SalesforceConnection
from sfloader_gui.core.salesforce.tokens import StaticToken, TokenProvider

FAST_RETRY = RetryPolicy(attempts=6, base_s=0.01, cap_s=0.05, max_retry_after_s=0.2)
HEADER = "External_Id__c,Name,Phone\n"


def write_accounts(path: Path, start: int, count: int, *, name: str = "Acme") -> Path:
    """``count`` Account rows with keys E<start>.., some with quoted commas and newlines."""
    lines = [HEADER]
    for i in range(start, start + count):
        shown = f'"{name} {i}, ""Ltd""\nline two"' if i % 7 == 0 else f"{name} {i}"
        lines.append(f"E{i:07d},{shown},555-{i % 10000:04d}\n")
    path.write_text("".join(lines), encoding="utf-8", newline="")
    return path


def options(**overrides: Any) -> LoadOptions:
    values: dict[str, Any] = {
        "object_name": "Account",
        "external_id_field": "External_Id__c",
        "poll_interval_s": 0.05,
        "timeout_s": 30.0,
    }
    values.update(overrides)
    return LoadOptions(**values)


def connect(org: Any, token: TokenProvider | None = None) -> SalesforceConnection:
    return SalesforceConnection(org.instance_url, token or StaticToken(org.access_token), retry=FAST_RETRY)


@dataclass
class Recorder:
    """Collects the engine's events (thread-safe) and can fire a callback on a chosen event."""

    events: list[JobEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: threading.Event = field(default_factory=threading.Event)
    trigger: Any = None  # callable(JobEvent) -> bool: sets ``seen`` when True

    def __call__(self, event: JobEvent) -> None:
        with self.lock:
            self.events.append(event)
        if self.trigger is not None and self.trigger(event):
            self.seen.set()

    def states(self, kind: EventKind = EventKind.STATE) -> list[JobState]:
        with self.lock:
            return [e.state for e in self.events if e.kind is kind]

    def messages(self) -> list[str]:
        with self.lock:
            return [e.message for e in self.events if e.message]


def plan(files: Sequence[Path], opts: LoadOptions) -> LoadPlan:
    result = plan_load(files, opts)
    assert not [f for f in result.findings if f.blocking], result.findings
    return result


def load(
    org: Any,
    files: Sequence[Path],
    out: Path,
    opts: LoadOptions | None = None,
    *,
    conn: SalesforceConnection | None = None,
    recorder: Recorder | None = None,
    cancel: CancelToken | None = None,
) -> RunResult:
    opts = opts or options()
    own = conn is None
    conn = conn or connect(org)
    try:
        return run_load(conn, plan(files, opts), opts, out, recorder or Recorder(), cancel or CancelToken())
    finally:
        if own:
            conn.close()


def count(org: Any, soql: str = "SELECT COUNT() FROM Account", token: TokenProvider | None = None) -> int:
    """Records in the org, by the REST query endpoint."""
    with connect(org, token) as conn:
        return int(conn.get_json("query", params={"q": soql})["totalSize"])


def write_big_accounts(path: Path, rows: int) -> Path:
    """About 250 bytes a row: quoted commas, doubled quotes, LF and CRLF inside quoted fields."""
    filler = "renewal pipeline strategic partner regional office expansion contract signed quarterly " * 2
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("External_Id__c,Name,Phone,Description\n")
        block: list[str] = []
        for i in range(1, rows + 1):
            if i % 5 == 0:
                desc = f'"Note {i}, ""quoted""\r\nsecond line {filler}"'
            elif i % 3 == 0:
                desc = f'"Line one\nline two, {filler}"'
            else:
                desc = f"{filler}{i}"
            block.append(f"B{i:08d},Company {i} Ltd,555-{i % 10000:04d},{desc}\n")
            if len(block) == 10_000:
                out.write("".join(block))
                block.clear()
        out.write("".join(block))
    return path
