"""Bulk API 2.0 ingest jobs: the JobInfo record, the state machine and the registry."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sfloader_gui.emulator import ids
from sfloader_gui.emulator.auth import USER_ID
from sfloader_gui.emulator.errors import ApiError
from sfloader_gui.emulator.schema import find_object
from sfloader_gui.emulator.stats import Stats
from sfloader_gui.emulator.store import Store

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
ACTIVE = ("Open", "UploadComplete", "InProgress")
PROCESSING = ("UploadComplete", "InProgress")
TERMINAL = ("JobComplete", "Failed", "Aborted")
OPEN_LIMIT = 24 * 3600  # an Open job is closed by the org after 24 hours
KEEP_TERMINAL = 7 * 24 * 3600  # finished jobs disappear after 7 days


def sf_time(epoch: float) -> str:
    """Salesforce's timestamp shape: 2026-11-26T10:15:00.000+0000."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}+0000"


@dataclass
class Job:
    id: str
    operation: str
    object: str
    external_id_field: str | None
    line_ending: str
    delimiter: str
    api_version: str
    assignment_rule_id: str | None
    created: float
    modstamp: float
    state: str = "Open"
    processed: int = 0
    failed: int = 0
    error_message: str | None = None
    uploaded: bool = False
    upload_bytes: int = 0
    cursor: int = 0  # records processed so far (for unprocessedrecords)
    header: list[str] = field(default_factory=list)
    processing_ms: int = 0
    counted: int | None = None  # bench mode: records counted while the upload streamed in
    created_by: str = USER_ID  # the user whose token created the job
    upload_error: str | None = None  # the upload was refused as a whole: the job fails with this at close
    extra_puts: int = 0  # PUTs after the first, accepted under the `second_put="at_close"` option

    def info(self, short: bool = False) -> dict[str, Any]:
        """JobInfo with Salesforce's key order; `short` is the create/PATCH shape."""
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": sf_time(self.created),
            "systemModstamp": sf_time(self.modstamp),
            "state": self.state,
        }
        if self.external_id_field is not None:
            out["externalIdFieldName"] = self.external_id_field
        if self.assignment_rule_id is not None:
            out["assignmentRuleId"] = self.assignment_rule_id
        out.update(
            {"concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": float(self.api_version)}
        )
        if short and self.state != "Open":
            return out
        if not short:
            out["jobType"] = "V2Ingest"
        if self.state == "Open":
            out["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        out["lineEnding"] = self.line_ending
        out["columnDelimiter"] = self.delimiter
        if short:
            return out
        if self.state != "Open":
            out["numberRecordsProcessed"] = self.processed
            out["numberRecordsFailed"] = self.failed
        out["retries"] = 0
        out["totalProcessingTime"] = self.processing_ms
        out["apiActiveProcessingTime"] = self.processing_ms * 9 // 10
        out["apexProcessingTime"] = 0
        if self.error_message is not None:
            out["errorMessage"] = self.error_message
        return out


def _enum(value: Any, allowed: tuple[str, ...], prop: str, default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    if value not in allowed:
        raise ApiError(
            400,
            "API_ERROR",
            f"Invalid value: '{value if value is not None else ''}' supplied for property: '{prop}'",
        )
    return str(value)


class JobRegistry:
    """All jobs of the org; persistent in the store, with their data and results in a folder each."""

    def __init__(self, store: Store, root: Path, stats: Stats) -> None:
        self.store, self.root, self.stats = store, root, stats
        self.lock = threading.RLock()
        self.clock_offset = 0.0
        self.jobs: dict[str, Job] = {}
        self.changed = threading.Condition(self.lock)
        seq_start = 0
        for info in store.load_jobs():
            job = Job(**info)
            self.jobs[job.id] = job
            seq_start = max(seq_start, _serial(job.id))
        self.seq = ids.IdSequence("750", max(seq_start, store.last_serial("750")))

    def now(self) -> float:
        return time.time() + self.clock_offset

    def folder(self, job: Job) -> Path:
        return self.root / job.id

    def create(self, spec: dict[str, Any], api_version: str, user_id: str = USER_ID) -> Job:
        obj_name = spec.get("object")
        operation = _enum(spec.get("operation"), OPERATIONS, "operation")
        line_ending = _enum(spec.get("lineEnding"), ("LF", "CRLF"), "lineEnding", "LF")
        delimiter = _enum(
            spec.get("columnDelimiter"),
            ("BACKQUOTE", "CARET", "COMMA", "PIPE", "SEMICOLON", "TAB"),
            "columnDelimiter",
            "COMMA",
        )
        _enum(spec.get("contentType"), ("CSV",), "contentType", "CSV")
        obj = find_object(str(obj_name or ""))
        if obj is None:
            raise ApiError(400, "INVALIDJOB", f"InvalidJob : Unable to find object: {obj_name or ''}")
        ext = spec.get("externalIdFieldName")
        if operation == "upsert":
            if not ext:
                raise ApiError(
                    400,
                    "INVALIDJOB",
                    f"InvalidJob : External ID was blank for {obj.name}. "
                    "An External ID must be specified for upsert.",
                )
            f = obj.field(str(ext))
            if f is None or not (f.external_id or f.name == "Id"):
                # the long wording is a real answer for an existing field; the short one was seen for others
                kinds = (
                    "an External ID, Salesforce Id, or indexed field" if f is not None else "an External ID"
                )
                raise ApiError(
                    400,
                    "INVALIDJOB",
                    f"InvalidJob : Field name provided, {ext} does not match {kinds} for {obj.name}",
                )
            ext = f.name
        else:
            ext = None
        now = self.now()
        job = Job(
            id=self.seq.next(), operation=operation, object=obj.name, external_id_field=ext,
            line_ending=line_ending, delimiter=delimiter, api_version=api_version,
            assignment_rule_id=spec.get("assignmentRuleId"), created=now, modstamp=now, created_by=user_id,
        )  # fmt: skip
        self.root.mkdir(mode=0o700, exist_ok=True)  # uploaded data and results: this user only
        self.folder(job).mkdir(mode=0o700, exist_ok=True)
        with self.lock:
            self.jobs[job.id] = job
            self.save(job)
            self.store.save_serial("750", self.seq.last)  # ids of deleted jobs are never reused
            self.stats.count("jobs_created")
            self._observe()
        return job

    def save(self, job: Job) -> None:
        with self.lock:
            if self.jobs.get(job.id) is job:  # a deleted job's worker must not bring it back
                self.store.save_job(job.id, asdict(job))

    def get(self, job_id: str) -> Job:
        self.sweep()
        with self.lock:
            job = self.jobs.get(job_id) or self.jobs.get(ids.normalize(job_id) if len(job_id) == 15 else "")
        if job is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def set_state(self, job: Job, state: str, error: str | None = None) -> None:
        with self.lock:
            job.state = state
            job.modstamp = self.now()
            if error is not None:
                job.error_message = error
            self.save(job)
            self._observe()
            self.changed.notify_all()

    def transition(
        self, job: Job, from_states: tuple[str, ...], state: str, error: str | None = None
    ) -> bool:
        """Move the job only if it is still in one of `from_states` (an abort may have won the race)."""
        with self.lock:
            if job.state not in from_states:
                return False
            self.set_state(job, state, error)
            return True

    def wait(self, job_id: str, states: tuple[str, ...] = TERMINAL, timeout: float = 30.0) -> Job:
        """Block until the job is in one of `states` (for tests and tools; no polling)."""
        job = self.get(job_id)
        with self.changed:
            if not self.changed.wait_for(lambda: job.state in states, timeout=timeout):
                raise TimeoutError(f"job {job_id} stayed {job.state}, expected one of {states}")
        return job

    def _observe(self) -> None:
        states = [j.state for j in self.jobs.values()]
        self.stats.observe_jobs(sum(s in ACTIVE for s in states), sum(s in PROCESSING for s in states))

    def delete(self, job: Job) -> None:
        with self.lock:
            job.state = "Deleted"  # internal: any worker still holding the job stops at its next step
            self.jobs.pop(job.id, None)
            self.store.drop_job(job.id)
            self.changed.notify_all()
        shutil.rmtree(self.folder(job), ignore_errors=True)

    def sweep(self) -> None:
        """Apply the org's clean-up rules (open > 24 h: closed as Failed; terminal > 7 days: gone)."""
        now = self.now()
        with self.lock:
            for job in list(self.jobs.values()):
                if job.state == "Open" and now - job.created > OPEN_LIMIT:
                    self.set_state(job, "Failed", "InvalidJob : Job was open for more than 24 hours")
                elif job.state in TERMINAL and now - job.modstamp > KEEP_TERMINAL:
                    self.delete(job)

    def listing(self) -> list[Job]:
        self.sweep()
        with self.lock:
            return sorted(self.jobs.values(), key=lambda j: (j.created, j.id))


def _serial(job_id: str) -> int:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    n = 0
    for ch in job_id[9:15]:
        n = n * 62 + alphabet.index(ch)
    return n
