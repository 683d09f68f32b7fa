"""Case 2: the refresh answers invalid_grant: no new jobs, ask to log in, the running jobs stay findable."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.resume import resume_run
from sfloader_gui.core.models import EventKind, JobEvent
from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.errors import AuthError
from tests.core.load.loadkit import Recorder, connect, options, plan, write_accounts
from tests.faults.kit import nothing_lost


class RefusedRefresh:
    """A token the org stops accepting, whose refresh the org refuses (invalid_grant)."""

    can_refresh = True

    def __init__(self, token: str) -> None:
        self.token = token

    def access_token(self) -> str:
        return self.token

    def refresh(self, stale: str) -> str:
        raise AuthError("Salesforce refused to renew the session (invalid_grant). Log in to the org again.")


def test_jobs_stop_and_every_id_is_kept_for_later(emulator: Any, tmp_path: Path) -> None:
    from sfloader_gui.core.load.engine import run_load
    from sfloader_gui.core.models import CancelToken
    from sfloader_gui.core.salesforce.connection import SalesforceConnection
    from tests.core.load.loadkit import FAST_RETRY

    emulator.faults.stall_jobs = -1  # jobs run on while the login is gone
    expired = threading.Event()

    def expire_once_running(event: JobEvent) -> bool:
        if event.kind is EventKind.PROCESSING and not expired.is_set():
            expired.set()
            emulator.expire_tokens()
        return False

    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 5) for n in range(4)]
    opts = options(max_concurrent_jobs=2)
    with contextlib.closing(Journal(tmp_path / "journal.sqlite3")) as journal:
        provider = RefusedRefresh(emulator.access_token)
        with SalesforceConnection(emulator.instance_url, provider, retry=FAST_RETRY) as conn:
            trigger = Recorder(trigger=expire_once_running)
            result = run_load(conn, plan(files, opts), opts, tmp_path / "out", trigger, CancelToken(),
                              journal=journal)  # fmt: skip
        assert isinstance(conn.fatal_error, AuthError) and "Log in" in str(conn.fatal_error)
        started = [o for o in result.outcomes if o.job_id]
        assert len(started) == 2 and emulator.stats.jobs_created == 2  # no new job after the refusal
        assert {e.job_id for e in journal.unsettled()} == {o.job_id for o in started}  # all ids kept
        emulator.org.auth.add_access_token(emulator.access_token)  # the user logs in again
        with connect(emulator) as c:
            assert {bulk.get_job(c, o.job_id).state for o in started if o.job_id} == {"InProgress"}
            emulator.faults.release_stalled()
            resumed = resume_run(c, result.run_dir, journal, poll_interval_s=0.05)  # the same ids, reattached
        assert [j["job_id"] for j in resumed.manifest["jobs"][:2]] == [o.job_id for o in started]
        assert journal.unsettled() == [] and emulator.stats.jobs_created == 2
        nothing_lost(result.run_dir, emulator, records=20)  # 10 loaded, 10 not sent: retry sends them
