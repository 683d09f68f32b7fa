"""Bulk API 2.0 ingest calls: create, upload (one streamed PUT), close, abort, info, delete, list, results."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import (
    InvalidStateError,
    SalesforceError,
    TransportError,
    is_transient,
)

log = logging.getLogger(__name__)

INGEST = "jobs/ingest"
# Result kinds as the API spells the path segments.
SUCCESS = "successfulResults"
FAILED = "failedResults"
UNPROCESSED = "unprocessedrecords"
_DOWNLOAD_ATTEMPTS = 3
_CHUNK = 1 << 20


@dataclass(frozen=True)
class JobInfo:
    """The fields of a JobInfo the client relies on; ``raw`` keeps everything the server sent."""

    id: str
    state: str
    object: str = ""
    operation: str = ""
    external_id_field: str | None = None
    records_processed: int = 0
    records_failed: int = 0
    error_message: str | None = None
    created_date: str = ""
    content_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobInfo:
        return cls(
            id=str(data["id"]),
            state=str(data.get("state", "")),
            object=str(data.get("object", "")),
            operation=str(data.get("operation", "")),
            external_id_field=data.get("externalIdFieldName"),
            records_processed=int(data.get("numberRecordsProcessed") or 0),
            records_failed=int(data.get("numberRecordsFailed") or 0),
            error_message=data.get("errorMessage") or None,
            created_date=str(data.get("createdDate", "")),
            content_url=data.get("contentUrl"),
            raw=data,
        )


def create_upsert_job(
    conn: SalesforceConnection,
    object_name: str,
    external_id_field: str,
    *,
    column_delimiter: str = "COMMA",
    line_ending: str = "LF",
) -> JobInfo:
    """POST a new upsert job. Never repeated blindly: a lost answer could leave a second job."""
    body = {
        "object": object_name,
        "operation": "upsert",
        "externalIdFieldName": external_id_field,
        "contentType": "CSV",
        "columnDelimiter": column_delimiter,
        "lineEnding": line_ending,
    }
    return JobInfo.from_json(conn.request("POST", INGEST, json=body, ok=(200, 201)).json())


class _Counted:
    """Yields the chunks and reports the running byte count after each one is handed to the socket."""

    def __init__(self, chunks: Iterable[bytes], on_bytes: Callable[[int], None] | None) -> None:
        self._chunks = chunks
        self._on_bytes = on_bytes
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            if not chunk:
                continue
            yield chunk
            self.sent += len(chunk)
            if self._on_bytes is not None:
                self._on_bytes(self.sent)


def upload_job_data(
    conn: SalesforceConnection,
    job: JobInfo,
    body: Iterable[bytes],
    *,
    gzip: bool,
    on_bytes: Callable[[int], None] | None = None,
) -> int:
    """The one PUT of a job's CSV, streamed (chunked). ``body`` is already gzip-compressed if ``gzip``.

    Returns the bytes sent on the wire. Any failure raises; the caller must not PUT again to this job.
    """
    counted = _Counted(body, on_bytes)
    headers = {"Content-Type": "text/csv"}
    if gzip:
        headers["Content-Encoding"] = "gzip"
    path = job.content_url or f"{INGEST}/{job.id}/batches"
    conn.request("PUT", path, data=iter(counted), headers=headers, upload=True, ok=(201, 200))
    return counted.sent


def get_job(conn: SalesforceConnection, job_id: str) -> JobInfo:
    return JobInfo.from_json(conn.get_json(f"{INGEST}/{job_id}"))


def close_job(conn: SalesforceConnection, job_id: str) -> JobInfo | None:
    """PATCH UploadComplete once. None: the answer was lost, so the job's state is unknown.

    The org may have closed the job and be processing it: the caller reads the job until its state is
    known and closes again only if it is still Open (see ``close_if_open``); it never aborts it.
    """
    try:
        return _patch_state(conn, job_id, "UploadComplete")
    except SalesforceError as exc:
        if not is_transient(exc):
            raise
        log.debug("Closing job %s: no answer (%s); its state is read before anything else", job_id, exc)
        return None


def close_if_open(conn: SalesforceConnection, info: JobInfo) -> JobInfo | None:
    """After a close whose answer was lost, the job reads Open: close it again (None: lost again)."""
    try:
        return close_job(conn, info.id)
    except InvalidStateError:  # closed meanwhile (our first PATCH arrived late): read it
        return get_job(conn, info.id)


def abort_job(conn: SalesforceConnection, job_id: str) -> JobInfo:
    """PATCH Aborted; a job that already ended is returned as it is (aborting it is not an error here)."""
    try:
        return _patch_state(conn, job_id, "Aborted")
    except InvalidStateError:
        return get_job(conn, job_id)
    except SalesforceError as exc:
        if exc.status == 400:
            return get_job(conn, job_id)
        raise


def _patch_state(conn: SalesforceConnection, job_id: str, state: str) -> JobInfo:
    resp = conn.request("PATCH", f"{INGEST}/{job_id}", json={"state": state})
    return JobInfo.from_json(resp.json())


def delete_job(conn: SalesforceConnection, job_id: str) -> None:
    conn.request("DELETE", f"{INGEST}/{job_id}")


def list_jobs(conn: SalesforceConnection, *, max_pages: int = 50) -> Iterator[JobInfo]:
    """All V2 ingest jobs the server lists, following ``nextRecordsUrl`` page by page."""
    path: str | None = INGEST
    params: dict[str, str] | None = {"jobType": "V2Ingest"}
    for _ in range(max_pages):
        if path is None:
            return
        page = conn.get_json(path, params=params)
        for record in page.get("records", []):
            yield JobInfo.from_json(record)
        path = None if page.get("done", True) else page.get("nextRecordsUrl")
        params = None  # the next-page URL carries its own query


def publish_new(tmp: Path, dest: Path) -> None:
    """Give a finished temp file its final name, refusing to replace an existing file.

    A hard link is atomic and never replaces; where links are unsupported (FAT, some network shares),
    rename after a check (Windows' rename refuses to replace by itself).
    """
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise
    except OSError:
        if dest.exists():
            raise FileExistsError(f"{dest} already exists; result files are never overwritten.") from None
        os.rename(tmp, dest)


def download_results(conn: SalesforceConnection, job_id: str, kind: str, dest: Path) -> int:
    """Stream one result CSV (gzip on the wire) to ``dest`` via a temp file + rename; return its size.

    A download cut off half-way is fetched again from the start (a GET is safe to repeat); ``dest``
    never holds a partial file, and an existing ``dest`` is never overwritten.
    """
    if dest.exists():
        raise FileExistsError(f"{dest} already exists; result files are never overwritten.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    headers = {"Accept": "text/csv", "Accept-Encoding": "gzip"}
    for attempt in range(_DOWNLOAD_ATTEMPTS):
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                resp = conn.request("GET", f"{INGEST}/{job_id}/{kind}/", headers=headers, stream=True)
                with resp:
                    for chunk in resp.iter_content(_CHUNK):
                        out.write(chunk)
            size = os.path.getsize(tmp)
            publish_new(Path(tmp), dest)
            return size
        except FileExistsError:
            raise
        except (TransportError, requests.RequestException) as exc:  # cut off while streaming the body
            if attempt + 1 == _DOWNLOAD_ATTEMPTS:
                raise TransportError(f"Downloading {kind} of job {job_id} failed: {exc}") from exc
            log.info("Results download of job %s cut off (%s); fetching again", job_id, type(exc).__name__)
        finally:
            Path(tmp).unlink(missing_ok=True)
    raise AssertionError("unreachable")


RESULT_FILES = ((SUCCESS, "success"), (FAILED, "failed"), (UNPROCESSED, "unprocessed"))


def download_all_results(
    conn: SalesforceConnection, job_id: str, folder: Path
) -> tuple[dict[str, Path], dict[str, SalesforceError]]:
    """``success.csv``, ``failed.csv`` and ``unprocessed.csv`` of a job into ``folder``.

    Returns the files saved and, by name, the downloads that failed (the others are still saved).
    Raises ``OSError`` when a file cannot be written (disk full, read-only folder).
    """
    saved: dict[str, Path] = {}
    failed: dict[str, SalesforceError] = {}
    for kind, name in RESULT_FILES:
        dest = folder / f"{name}.csv"
        try:
            download_results(conn, job_id, kind, dest)
        except SalesforceError as exc:
            failed[name] = exc
            continue
        saved[name] = dest
    return saved, failed
