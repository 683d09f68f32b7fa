"""Sending a part: one job, one upload, closed; a refused or broken upload goes to a new job."""

from __future__ import annotations

import os
import time

from sfloader_gui.core.load.part.close import abandon, close_uploaded
from sfloader_gui.core.load.part.create import create_job
from sfloader_gui.core.load.part.pauses import poll_backoff
from sfloader_gui.core.load.part.state import PartRun, PartStopped
from sfloader_gui.core.load.part.upload import SourceChanged, UploadCancelled, upload
from sfloader_gui.core.models import JobState
from sfloader_gui.core.salesforce import orgstate
from sfloader_gui.core.salesforce.errors import (
    ApiLimitError,
    AuthError,
    ConcurrencyLimitError,
    ForeignUrlError,
    GzipRefusedError,
    SalesforceError,
)
from sfloader_gui.core.salesforce.wire import WireCancelled

MAX_SUBMIT_ATTEMPTS = 3  # jobs per part: first try, a gzip fallback, one redo after a dropped upload
MAX_REFUSALS = 8  # uploads refused in a row as "too many requests at once" before the part gives up


def submit(part: PartRun) -> None:
    """Create a job and upload the part once; a refused or broken upload goes to a new job.

    An upload the org refused for too many requests at once (nothing of it was taken) goes to a new
    job after a pause that grows with each refusal in a row; those do not use up the attempts.
    """
    attempt = 0
    deadline = time.monotonic() + part.options.timeout_s
    while attempt < MAX_SUBMIT_ATTEMPTS:
        attempt += 1
        if part.cancel.cancelled:
            part.set_state(JobState.CANCELLED, "Cancelled before it was sent.")
            raise PartStopped
        check_unchanged(part)
        if try_submit(part, attempt):
            return
        if part.refusal is not None:
            attempt -= 1
            pause_after_refusal(part, part.refusal)
        elif part.unreachable is not None and time.monotonic() < deadline:
            # No answer to the create-job call (network down): wait for the org, growing the pauses;
            # that is no reason to give the part up while the run's timeout lasts.
            attempt -= 1
            part.create_failures += 1
            part.cancel.wait(poll_backoff(part.options.poll_interval_s, part.create_failures, None))
    part.fail(
        f"Gave up after {MAX_SUBMIT_ATTEMPTS} jobs: "
        + "; ".join(j["reason"] for j in part.outcome.abandoned_jobs)
    )
    raise PartStopped


def check_unchanged(part: PartRun) -> None:
    """The checks were made on the file as it was: refuse to send it if it changed since."""
    fp = part.plan.file
    try:
        st = os.stat(fp.path)
        same = (st.st_size, st.st_mtime) == (fp.size, fp.mtime)
    except OSError:
        same = False
    if not same:
        part.fail(f"{fp.path.name} changed or disappeared after it was checked: check it again, then load.")
        raise PartStopped


def pause_after_refusal(part: PartRun, exc: SalesforceError) -> None:
    part.refusals += 1
    if part.refusals > MAX_REFUSALS:
        part.fail(f"The org refused the upload {part.refusals} times in a row: {exc}")
        raise PartStopped
    delay = part.conn.retry.delay(part.refusals, exc.retry_after)
    part.say(
        f"The org refused the upload ({exc.error_code or exc.status}: too many requests at once); "
        f"sending to a new job in {delay:.1f} s."
    )
    part.cancel.wait(delay)  # a cancel ends the pause; the loop then stops the part


def try_submit(part: PartRun, attempt: int) -> bool:
    """One job for the part, once one of the load's upload slots on the wire is free."""
    try:
        with part.conn.wire.slot(part.options.max_concurrent_uploads, lambda: part.cancel.cancelled):
            return submit_once(part, attempt)
    except WireCancelled:
        part.set_state(JobState.CANCELLED, "Cancelled before it was sent.")
        raise PartStopped from None


def submit_once(part: PartRun, attempt: int) -> bool:
    """One job: created, uploaded and closed (True), or abandoned for a reason another job may not have."""
    part.refusal = part.unreachable = None
    use_gzip = part.options.use_gzip and not orgstate.gzip_refused_by(part.conn.instance_url)
    if use_gzip and attempt == MAX_SUBMIT_ATTEMPTS and part.gzip_breaks == attempt - 1:
        # A server that refuses gzip may just close the connection on a big body instead of
        # answering 415: the last chance goes uncompressed (for this part only).
        use_gzip = False
        part.say("Every gzip upload of this part broke off; the last try goes uncompressed.", note=True)
    part.outcome.gzip = use_gzip
    info = create_job(part)
    if info is None:
        return False
    part.outcome.job_id = info.id
    part.set_state(JobState.OPEN, f"Job {info.id} created" + (" (gzip)" if use_gzip else ""))
    try:
        upload(part, info, use_gzip)
    except UploadCancelled:
        abandon(part, info.id, "cancelled during upload", keep=False)
        part.set_state(JobState.CANCELLED, "Cancelled during the upload; the job was aborted.")
        raise PartStopped from None
    except SourceChanged as exc:
        abandon(part, info.id, "source file changed", keep=False)
        part.fail(f"{part.plan.file.path.name} could not be read for sending ({exc}); the job was aborted.")
        raise PartStopped from None
    except GzipRefusedError as exc:
        orgstate.remember_gzip_refused(part.conn.instance_url)
        abandon(part, info.id, f"org refused gzip ({exc.error_code or exc.status})")
        part.say(
            "The org refused a gzip-compressed upload; this part is sent again uncompressed, and "
            "every later job to this org goes uncompressed.",
            note=True,
        )
        return False
    except (AuthError, ApiLimitError) as exc:
        abandon(part, info.id, str(exc))
        raise
    except ForeignUrlError as exc:  # a new job would name the same URL: stop this part, say why
        abandon(part, info.id, "the org named an upload URL outside the org", keep=False)
        part.fail(str(exc))
        raise PartStopped from None
    except SalesforceError as exc:  # dropped connection, timeout, server error: never PUT again
        if refused(exc):
            abandon(part, info.id, f"upload refused: {exc.error_code or exc.status}")
            part.refusal = exc
            return False
        part.gzip_breaks += use_gzip
        abandon(part, info.id, f"upload failed: {exc}")
        if attempt < MAX_SUBMIT_ATTEMPTS:
            part.say(f"Upload to job {info.id} failed ({exc}); the job was aborted, sending to a new job.")
        return False
    part.refusals = 0
    close_uploaded(part, info)
    return True


def refused(exc: SalesforceError) -> bool:
    """The org refused the call unprocessed for load: too many concurrent requests, or 429."""
    return isinstance(exc, ConcurrencyLimitError) or exc.status == 429
