"""What the emulator observed: requests, jobs created, peak concurrency — for tests and benchmarks."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

MAX_LOGGED = 200_000  # request records kept (the oldest half is dropped beyond this)


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    status: int
    content_encoding: str | None  # of the request body
    response_encoding: str | None
    bytes_in: int


@dataclass
class Stats:
    jobs_created: int = 0
    max_open_jobs: int = 0  # jobs at the same time in Open, UploadComplete or InProgress
    max_processing_jobs: int = 0  # jobs at the same time in UploadComplete or InProgress
    uploads: int = 0
    upload_bytes: int = 0  # decoded CSV bytes accepted
    api_calls: int = 0
    max_long_requests: int = 0  # API calls at the same time running past the org's long-request threshold
    concurrent_refusals: int = 0  # calls refused with REQUEST_LIMIT_EXCEEDED ConcurrentRequests
    requests: list[RequestRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def log(self, rec: RequestRecord) -> None:
        with self._lock:
            self.requests.append(rec)
            if len(self.requests) > MAX_LOGGED:  # a long-running demo org must not grow without bound
                del self.requests[: MAX_LOGGED // 2]

    def observe_jobs(self, open_now: int, processing_now: int) -> None:
        with self._lock:
            self.max_open_jobs = max(self.max_open_jobs, open_now)
            self.max_processing_jobs = max(self.max_processing_jobs, processing_now)

    def observe_long_requests(self, long_now: int) -> None:
        with self._lock:
            self.max_long_requests = max(self.max_long_requests, long_now)

    def count(self, what: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + n)

    def find(self, method: str | None = None, path_contains: str = "") -> list[RequestRecord]:
        with self._lock:
            return [
                r for r in self.requests if (method is None or r.method == method) and path_contains in r.path
            ]

    def reset(self) -> None:
        with self._lock:
            self.jobs_created = self.max_open_jobs = self.max_processing_jobs = 0
            self.uploads = self.upload_bytes = self.api_calls = 0
            self.max_long_requests = self.concurrent_refusals = 0
            self.requests.clear()

    def to_dict(self) -> dict[str, object]:
        with self._lock:
            return {
                "jobs_created": self.jobs_created,
                "max_open_jobs": self.max_open_jobs,
                "max_processing_jobs": self.max_processing_jobs,
                "uploads": self.uploads,
                "upload_bytes": self.upload_bytes,
                "api_calls": self.api_calls,
                "max_long_requests": self.max_long_requests,
                "concurrent_refusals": self.concurrent_refusals,
                "requests": [r.__dict__ for r in self.requests[-1000:]],
            }
