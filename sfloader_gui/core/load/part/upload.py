"""A part's bytes on the wire: read as they go (stopping at a cancel), gzip-compressed ahead when asked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from sfloader_gui.core.csvio.pgzip import LADDER, GzipTuner, segmented_gzip
from sfloader_gui.core.load.links import remembered_level, remembered_link
from sfloader_gui.core.load.part.state import PartRun
from sfloader_gui.core.models import EventKind
from sfloader_gui.core.salesforce import bulk

_PROGRESS_STEP = 1 << 20  # upload progress events at most once per MiB (or 1% of the part)


class UploadCancelled(Exception):
    """Raised inside the upload body so the PUT stops at once when the user cancels."""


class SourceChanged(Exception):
    """The file changed or became unreadable after it was planned: the part must not be sent."""


def upload(part: PartRun, info: bulk.JobInfo, use_gzip: bool) -> None:
    """PUT the part's records to the job, once; the outcome notes the gzip levels used."""
    total = part.plan.size
    last = [0]
    step = max(_PROGRESS_STEP, total // 100)

    def progress(sent: int) -> None:
        if sent - last[0] >= step or sent >= total:
            last[0] = sent
            part.emit(EventKind.UPLOAD_PROGRESS, bytes_sent=sent, bytes_total=total)

    def note_level(level: int, raw: int) -> None:
        levels = part.outcome.gzip_levels
        levels[level] = levels.get(level, 0) + raw

    body = raw_body(part, progress)
    part.outcome.gzip_levels = {}
    if not use_gzip:
        bulk.upload_job_data(part.conn, info, body, gzip=False)
        return
    tuner = tuner_for(part.conn.instance_url)
    written = [0.0]

    def wire() -> Iterator[bytes]:
        yield from segmented_gzip(body, tuner, note_level)
        written[0] = time.monotonic()  # the last byte is in the socket; the answer comes once it is sent

    bulk.upload_job_data(part.conn, info, wire(), gzip=True)
    if written[0]:
        tuner.drained(time.monotonic() - written[0])


def raw_body(part: PartRun, progress: Callable[[int], None]) -> Iterator[bytes]:
    sent = 0
    chunks = part.plan.chunks()
    while True:
        if part.cancel.cancelled:
            raise UploadCancelled
        try:
            chunk = next(chunks, None)
        except OSError as exc:  # raised as-is so requests does not mistake it for a network error
            raise SourceChanged(str(exc)) from exc
        if chunk is None:
            return
        yield chunk
        sent += len(chunk)
        progress(sent)


_tuners: dict[str, GzipTuner] = {}
_tuners_lock = threading.Lock()


def tuner_for(instance_url: str) -> GzipTuner:
    """The gzip level chooser of one org's link, for every upload to it from this process; a new one
    starts at the level the last run to that org ended at (``links.py``), else at level 1."""
    with _tuners_lock:
        tuner = _tuners.get(instance_url)
        if tuner is None:
            start = remembered_level(instance_url) or LADDER[0]
            tuner = _tuners[instance_url] = GzipTuner(start, link=remembered_link(instance_url))
        return tuner
