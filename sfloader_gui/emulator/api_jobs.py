"""Bulk API 2.0 ingest endpoints: create, upload, close/abort, info, delete, list, results."""

from __future__ import annotations

import email.parser
import email.policy
import gzip
import json
import re
import shutil
import threading
from pathlib import Path
from typing import Any

from sfloader_gui.emulator.auth import USER_ID
from sfloader_gui.emulator.csvdata import RecordCounter
from sfloader_gui.emulator.errors import ApiError
from sfloader_gui.emulator.http import Request, Response, Route, json_response
from sfloader_gui.emulator.jobs import TERMINAL, Job
from sfloader_gui.emulator.org import Org
from sfloader_gui.emulator.private import opener

_V = r"/services/data/v(?P<v>\d+\.\d)"
_JOBS = _V + r"/jobs/ingest"
_JOB = _JOBS + r"/(?P<id>[A-Za-z0-9]+)"
CSV_TYPE = "text/csv; charset=UTF-8"
MULTIPART_LIMIT = 100_000  # characters of CSV a create-with-data request may carry


def _multiple_contents(job: Job, code: str = "BULK_API_ERROR") -> ApiError:
    return ApiError(
        400,
        code,
        f"Found multipe contents for job: <{job.id}>, please 'Close' / 'Abort' / 'Delete' the current Job "
        "then create a new Job and make sure you only do 'PUT' once on a given Job.",
    )


def _hostile(org: Org, out: dict[str, Any], key: str) -> dict[str, Any]:
    """The `foreign_urls` fault: a URL the client is told to follow points at another origin."""
    origin = org.faults.foreign_urls
    if origin and out.get(key):
        out[key] = origin.rstrip("/") + "/" + str(out[key]).lstrip("/")
    return out


def create_job(org: Org, req: Request, m: re.Match[str]) -> Response:
    ctype = (req.headers.get("Content-Type") or "").lower()
    if ctype.startswith("multipart/form-data"):
        return _create_multipart(org, req, m)
    spec = req.json()
    if not isinstance(spec, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    job = org.jobs.create(spec, m["v"], req.user_id or USER_ID)
    return json_response(200, _hostile(org, job.info(short=True), "contentUrl"))


def _create_multipart(org: Org, req: Request, m: re.Match[str]) -> Response:
    raw = b"Content-Type: " + req.headers["Content-Type"].encode() + b"\r\n\r\n" + req.body()
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    parts: dict[str, bytes] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            parts[name] = payload
    if "job" not in parts or "content" not in parts:
        raise ApiError(
            400, "INVALIDJOB", "InvalidJob : A multipart request needs a 'job' and a 'content' part"
        )
    if len(parts["content"].decode("utf-8", "replace")) > MULTIPART_LIMIT:
        raise ApiError(
            400, "INVALIDJOB",
            f"InvalidJob : Multipart uploads are limited to {MULTIPART_LIMIT} characters of CSV; "
            "create the job and PUT the data instead",
        )  # fmt: skip
    try:
        spec = json.loads(parts["job"])
    except ValueError:
        raise ApiError(400, "JSON_PARSER_ERROR", "The 'job' part is not valid JSON") from None
    job = org.jobs.create(spec, m["v"], req.user_id or USER_ID)
    _store_upload(org, job, [parts["content"]])
    org.processor.close_job(job)
    info = job.info(short=True)
    info["state"] = "UploadComplete"  # the answer describes the job as it was closed, not as it is now
    return json_response(200, info)


def oversize_message(limit: int) -> str:
    return (
        "InvalidJob : Error encountered while processing job: Uploaded batch file size greater than max "
        f"size. Org max upload file size is {limit} bytes"
    )


def _store_upload(org: Org, job: Job, chunks: Any) -> None:
    path = org.processor.data_path(job)
    size = 0
    limit = org.config.upload_limit
    counter = RecordCounter() if org.config.count_only else None
    with open(path, "wb", opener=opener) as f:
        for data in chunks:
            size += len(data)
            if (size + 2) // 3 * 4 > limit:
                # accepted on the wire, but the job fails when it is processed (a real capture's wording)
                job.upload_error = oversize_message(limit)
                continue
            if counter is not None:
                counter.feed(data)
            f.write(data)
    if job.upload_error is not None:
        path.unlink(missing_ok=True)
    with org.jobs.lock:
        if counter is not None:
            job.counted = counter.finish()
            job.header = counter.header(job.delimiter)
        job.uploaded = True
        job.upload_bytes = size
        org.jobs.save(job)
    org.stats.count("uploads")
    org.stats.count("upload_bytes", size)


def upload(org: Org, req: Request, m: re.Match[str]) -> Response:
    job = org.jobs.get(m["id"])
    with org.jobs.lock:
        if job.state != "Open":
            raise ApiError(400, "INVALIDJOBSTATE", f"Job is not in Open state: {job.state}")
        if job.uploaded and org.config.second_put == "at_close":
            job.extra_puts += 1  # API v43 behaviour: accepted here, the close fails instead
            org.jobs.save(job)
            return Response(201, content_type=None)
        if job.uploaded:
            raise _multiple_contents(job)
        job.uploaded = True  # claim the job so a concurrent second PUT is refused
    req.drop_after = org.faults.take_drop()
    # An org that ignored Content-Encoding would keep the compressed bytes as they came (a fault)
    body = req.raw_stream() if org.faults.ignore_content_encoding else req.stream()
    try:
        _store_upload(org, job, body)
    except BaseException:
        with org.jobs.lock:
            job.uploaded = False
        raise
    return Response(201, content_type=None)


def patch_job(org: Org, req: Request, m: re.Match[str]) -> Response:
    job = org.jobs.get(m["id"])
    body = req.json()
    state = body.get("state") if isinstance(body, dict) else None
    if state == "UploadComplete":
        with org.jobs.lock:
            if job.state != "Open":
                raise ApiError(400, "INVALIDJOBSTATE", f"Job is not in Open state: {job.state}")
            if job.extra_puts:
                raise _multiple_contents(job, "INVALIDJOB")
        org.processor.close_job(job)
        info = job.info(short=True)
        info["state"] = "UploadComplete"  # bench mode may already have finished it
        return json_response(200, info)
    if state == "Aborted":
        with org.jobs.lock:
            if job.state in TERMINAL:
                text = "Completed" if job.state == "JobComplete" else job.state
                raise ApiError(400, "INVALIDJOBSTATE", f"Aborting already {text} Job not allowed")
            was = job.state
            org.jobs.set_state(job, "Aborted")
        if was == "InProgress":
            org.processor.settle(job.id)  # the worker writes the unprocessed rows when it stops
        else:
            org.processor.write_unprocessed(job)
        return json_response(200, job.info(short=True))
    raise ApiError(400, "INVALIDJOBSTATE", f"Invalid state: {state}")


def get_job(org: Org, req: Request, m: re.Match[str]) -> Response:
    return json_response(200, _hostile(org, org.jobs.get(m["id"]).info(), "contentUrl"))


def delete_job(org: Org, req: Request, m: re.Match[str]) -> Response:
    job = org.jobs.get(m["id"])
    if job.state in ("Open", "InProgress"):
        raise ApiError(400, "INVALIDJOBSTATE", f"Cannot delete a job in state {job.state}")
    org.jobs.delete(job)
    return Response(204, content_type=None)


def list_jobs(org: Org, req: Request, m: re.Match[str]) -> Response:
    jobs = org.jobs.listing()
    job_type = req.query.get("jobType")
    if job_type and job_type != "V2Ingest":
        jobs = []
    if req.query.get("concurrencyMode") not in (None, "Parallel"):
        jobs = []
    locator = req.query.get("queryLocator") or ""
    start = int(locator.rpartition("-")[2]) if locator else 0
    size = org.config.list_page_size
    page = jobs[start : start + size]
    done = start + size >= len(jobs)
    out: dict[str, Any] = {"done": done, "records": [j.info() for j in page], "nextRecordsUrl": None}
    if not done:
        out["nextRecordsUrl"] = (
            f"/services/data/v{m['v']}/jobs/ingest?queryLocator=01gEMU0000000000AA-{start + size}"
        )
    return json_response(200, _hostile(org, out, "nextRecordsUrl"))


def results(org: Org, req: Request, m: re.Match[str]) -> Response:
    job = org.jobs.get(m["id"])
    kind = {"successfulresults": "success", "failedresults": "failed", "unprocessedrecords": "unprocessed"}[
        m["kind"].lower()
    ]
    if job.state == "Open":
        raise ApiError(400, "INVALIDJOBSTATE", "Job is still Open: results are available once it is closed")
    path = org.processor.result_path(job, kind)
    with org.jobs.lock:
        size = path.stat().st_size if path.exists() else 0
    if size > _GZIP_CACHE_MIN and job.state in TERMINAL and req.wants_gzip():
        packed = _gzip_cached(path)
        return Response(
            200, content_type=CSV_TYPE, file=packed, file_size=packed.stat().st_size, compressible=False,
            headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )  # fmt: skip
    return Response(200, content_type=CSV_TYPE, file=path if size else None, file_size=size)


_GZIP_CACHE_MIN = 4_000_000  # bigger finished result files are compressed once to disk, not per request
_gzip_lock = threading.Lock()


def _gzip_cached(path: Path) -> Path:
    packed = path.with_name(path.name + ".gz")
    with _gzip_lock:
        if not packed.exists():
            tmp = packed.with_name(packed.name + ".tmp")
            with (
                open(path, "rb") as src,
                open(tmp, "wb", opener=opener) as raw,
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as dst,
            ):
                shutil.copyfileobj(src, dst, 1 << 20)
            tmp.replace(packed)
    return packed


ROUTES = [
    Route("POST", re.compile(_JOBS + "/?"), create_job, "api"),
    Route("GET", re.compile(_JOBS + "/?"), list_jobs, "api"),
    Route("PUT", re.compile(_JOB + "/batches/?"), upload, "api"),
    Route("PATCH", re.compile(_JOB + "/?"), patch_job, "api"),
    Route("GET", re.compile(_JOB + "/?"), get_job, "api"),
    Route("DELETE", re.compile(_JOB + "/?"), delete_job, "api"),
    Route(
        "GET",
        re.compile(_JOB + r"/(?P<kind>(?i:successfulResults|failedResults|unprocessedRecords))/?"),
        results,
        "api",
    ),
]
