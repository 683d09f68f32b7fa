"""The org's state behind the HTTP layer: config, data store, jobs, workers, auth, faults, stats, limits."""

from __future__ import annotations

import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfloader_gui.emulator.auth import Auth, new_access_token
from sfloader_gui.emulator.concurrency import LongRequests, profile_limit
from sfloader_gui.emulator.faults import Faults
from sfloader_gui.emulator.jobs import JobRegistry
from sfloader_gui.emulator.stats import Stats
from sfloader_gui.emulator.store import Store
from sfloader_gui.emulator.worker import Pace, Processor

DEFAULT_UPLOAD_LIMIT = 150_000_000  # bytes after base64 encoding, as Salesforce counts them


@dataclass
class EmulatorConfig:
    """How to run the org. Only `db_path` persists anything; everything else is per run."""

    db_path: Path | None = None  # None: a private temporary SQLite file, removed on stop
    host: str = "127.0.0.1"
    port: int = 0
    access_token: str | None = None  # None: a random token in Salesforce's 00D...!... shape
    rows_per_second: float | None = None  # None/0: jobs finish as fast as they can
    count_only: bool = False  # bench mode: complete jobs at UploadComplete, only count records
    batch_size: int = 10_000  # records per processing batch (counts grow in these steps)
    start_delay: float = 0.0  # seconds a closed job stays UploadComplete before InProgress
    upload_limit: int = DEFAULT_UPLOAD_LIMIT  # base64 bytes
    api_limit: int = 15_000  # daily API requests reported in Sforce-Limit-Info
    list_page_size: int = 1000  # jobs per page of GET /jobs/ingest
    client_ids: tuple[str, ...] | None = None  # OAuth client ids accepted; None: any non-empty id
    username: str = "demo@sfloader.example"
    password: str = "demo"
    oauth_auto_approve: bool = False  # authorize redirects at once instead of showing the consent page
    faults: dict[str, Any] = field(default_factory=dict)  # initial faults (see faults.py)
    # "production" (also sandboxes): 25 concurrent long-running calls; "developer" (also trials): 5
    profile: str = "production"
    long_request_seconds: float = 20.0  # a call running this long counts against the concurrent limit
    # A second PUT on one job: "refuse" (400 at the PUT) or "at_close" (accepted; the close answers 400
    # INVALIDJOB, as seen on API v43)
    second_put: str = "refuse"


class Org:
    """Everything the HTTP handlers work on; thread-safe."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if config.db_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="sfloader-emulator-")
            db_path = Path(self._tmp.name) / "org.sqlite3"
        else:
            db_path = Path(config.db_path)
        self.access_token = config.access_token or new_access_token()
        self.faults = Faults()
        self.faults.update(config.faults)
        self.stats = Stats()
        if config.second_put not in ("refuse", "at_close"):
            raise ValueError(f"second_put must be 'refuse' or 'at_close', not {config.second_put!r}")
        self.long_requests = LongRequests(
            profile_limit(config.profile), config.long_request_seconds, self.stats
        )
        self.store = Store(db_path)
        self.jobs = JobRegistry(self.store, db_path.with_name(db_path.name + ".jobs"), self.stats)
        pace = Pace(
            config.rows_per_second or None, max(1, config.batch_size), config.start_delay, config.count_only
        )
        self.processor = Processor(self.jobs, self.store, self.faults, pace)
        self.auth = Auth(self.access_token, config.client_ids, config.username, config.password)
        self.instance_url = ""
        self._usage_lock = threading.Lock()
        self._usage: deque[list[int]] = deque()  # [minute, calls] buckets of the last 24 hours

    @property
    def api_usage(self) -> int:
        """API calls in the rolling 24 hours before now (the org clock), as Salesforce counts them."""
        with self._usage_lock:
            self._expire_usage()
            return sum(n for _, n in self._usage)

    def _expire_usage(self) -> None:
        oldest = int(self.jobs.now() // 60) - 24 * 60
        while self._usage and self._usage[0][0] <= oldest:
            self._usage.popleft()

    def count_api_call(self) -> int:
        minute = int(self.jobs.now() // 60)
        with self._usage_lock:
            if self._usage and self._usage[-1][0] == minute:
                self._usage[-1][1] += 1
            else:
                self._usage.append([minute, 1])
        return self.api_usage

    def limit_info(self) -> str:
        return f"api-usage={self.api_usage}/{self.config.api_limit}"

    def close(self) -> None:
        self.processor.stop.set()
        for t in self.processor.threads:
            if t.ident is not None:  # a close still starting its worker: nothing to wait for
                t.join(timeout=5)
        self.store.close()
        if self._tmp is not None:
            self._tmp.cleanup()
