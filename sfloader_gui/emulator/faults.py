"""Fault injection: latency, bandwidth caps, forced HTTP errors, dropped uploads, failing or stuck jobs.

Everything here can be set per run (`EmulatorConfig(faults={...})`, CLI flags), at runtime
(`org.faults.latency = 0.2`, `org.faults.add_status(503, path="/batches$", times=2)`) or out of process
(`POST /__emulator__/faults` with the same fields as JSON and the emulator's token, see api_control;
`{"clear": true}` resets everything).

Fields:
- `latency` (seconds added before each response), `bandwidth` (bytes/s cap on request and response bodies)
- `status_rules`: list of {status, method (regex), path (regex), times (-1 = forever), skip, retry_after,
  error_code, message}; a matching request gets that status and a Salesforce-shaped JSON error body
- `drop_upload_after` (bytes; the connection is closed mid-upload) and `drop_upload_times`
- `fail_jobs` (the next N jobs go Failed after `fail_after_records` records; rest unprocessed)
- `stall_jobs` (the next N jobs stay InProgress until aborted or released; -1 = every job);
  `release_stalled: true` (or `org.faults.release_stalled()`) lets the stalled jobs go on and finish
- `miscount_jobs` (the next N jobs that complete report one record fewer processed than they processed:
  a count off by one, so a client that checks its accounting finds a record unaccounted for)
- `refuse_gzip` (415 on gzip/deflate request bodies), `ignore_content_encoding` (an upload is stored as
  the compressed bytes it came as, so its job fails on a garbled header or line endings),
  `request_limit` (403 REQUEST_LIMIT_EXCEEDED on API calls)
- `answer_rules`: list of {method (regex), path (regex), times (-1 = forever), skip, hold, drop}: the org
  performs a matching call, then holds its answer `hold` seconds and, with `drop`, closes the connection
  without answering at all (a lost answer after the org acted; a held answer times a client out)
- `outage` (seconds from now): the network is down; every API call has its connection closed unanswered
  and unperformed until then (`to_dict` reports the seconds left)
- `foreign_urls` (a hostile server: an origin such as "http://127.0.0.1:9" put in front of every
  `contentUrl` and `nextRecordsUrl`, so a client that follows them would send its token elsewhere)
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TypeVar

_DEFAULT_BODIES = {
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    429: ("REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests (Concurrent API Requests) Limit exceeded."),
    500: (
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support.",
    ),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later."),
}


@dataclass
class StatusRule:
    status: int
    method: str = ".*"
    path: str = ".*"
    times: int = 1
    skip: int = 0
    retry_after: float | None = None
    error_code: str | None = None
    message: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return bool(re.fullmatch(self.method, method, re.I)) and re.search(self.path, path) is not None

    def body(self) -> list[dict[str, str]]:
        code, msg = _DEFAULT_BODIES.get(self.status, ("UNKNOWN_EXCEPTION", "Injected failure"))
        return [{"message": self.message or msg, "errorCode": self.error_code or code}]


@dataclass
class AnswerRule:
    """A call the org performs but answers late (``hold`` s) or never (``drop``: connection closed)."""

    method: str = ".*"
    path: str = ".*"
    times: int = 1
    skip: int = 0
    hold: float = 0.0
    drop: bool = True

    def matches(self, method: str, path: str) -> bool:
        return bool(re.fullmatch(self.method, method, re.I)) and re.search(self.path, path) is not None


class _Rule(Protocol):
    times: int
    skip: int

    def matches(self, method: str, path: str) -> bool: ...


_R = TypeVar("_R", bound=_Rule)


def _take(rules: list[_R], method: str, path: str) -> _R | None:
    """The first rule with uses left that matches (``skip`` lets that many matches pass first)."""
    for rule in rules:
        if rule.times == 0 or not rule.matches(method, path):
            continue
        if rule.skip > 0:
            rule.skip -= 1
            continue
        if rule.times > 0:
            rule.times -= 1
        return rule
    return None


@dataclass
class Faults:
    latency: float = 0.0
    bandwidth: int | None = None
    status_rules: list[StatusRule] = field(default_factory=list)
    drop_upload_after: int | None = None
    drop_upload_times: int = 1
    fail_jobs: int = 0
    fail_after_records: int = 0
    stall_jobs: int = 0
    miscount_jobs: int = 0
    refuse_gzip: bool = False
    ignore_content_encoding: bool = False
    request_limit: bool = False
    answer_rules: list[AnswerRule] = field(default_factory=list)
    outage_until: float = 0.0  # time.monotonic() until which the network is down
    releases: int = 0  # bumped by release_stalled(): stalled jobs then finish normally
    foreign_urls: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add_status(
        self,
        status: int,
        method: str = ".*",
        path: str = ".*",
        times: int = 1,
        skip: int = 0,
        retry_after: float | None = None,
        error_code: str | None = None,
        message: str | None = None,
    ) -> StatusRule:
        """Answer the next `times` requests matching method/path (regexes) with `status`."""
        rule = StatusRule(status, method, path, times, skip, retry_after, error_code, message)
        return self._add(self.status_rules, rule)

    def take_status(self, method: str, path: str) -> StatusRule | None:
        """The rule that fires for this request, consuming one of its uses."""
        with self._lock:
            return _take(self.status_rules, method, path)

    def lose_answer(
        self, method: str = ".*", path: str = ".*", times: int = 1, skip: int = 0, hold: float = 0.0
    ) -> AnswerRule:
        """The org performs the next `times` matching calls, then closes the connection unanswered."""
        return self._add(self.answer_rules, AnswerRule(method, path, times, skip, hold, drop=True))

    def hold_answer(
        self, seconds: float, method: str = ".*", path: str = ".*", times: int = 1, skip: int = 0
    ) -> AnswerRule:
        """The org performs the next `times` matching calls and answers them `seconds` late."""
        return self._add(self.answer_rules, AnswerRule(method, path, times, skip, seconds, drop=False))

    def _add(self, rules: list[_R], rule: _R) -> _R:
        with self._lock:
            rules.append(rule)
        return rule

    def take_answer(self, method: str, path: str) -> AnswerRule | None:
        """The answer rule that fires for this (already performed) call, consuming one of its uses."""
        with self._lock:
            return _take(self.answer_rules, method, path)

    def release_stalled(self) -> None:
        """Jobs stalled so far go on processing and finish (a long job that ends after all)."""
        with self._lock:
            self.stall_jobs = 0
            self.releases += 1

    def start_outage(self, seconds: float) -> None:
        """The network is down for `seconds` from now (0 ends an outage)."""
        with self._lock:
            self.outage_until = time.monotonic() + max(0.0, seconds)

    def network_down(self) -> bool:
        return time.monotonic() < self.outage_until

    def take_drop(self) -> int | None:
        """Bytes after which this upload's connection is dropped, or None."""
        with self._lock:
            if self.drop_upload_after is None or self.drop_upload_times == 0:
                return None
            if self.drop_upload_times > 0:
                self.drop_upload_times -= 1
            return self.drop_upload_after

    def take_job_fault(self) -> str | None:
        """'fail', 'stall' or None for a job that starts processing now."""
        with self._lock:
            if self.fail_jobs:
                self.fail_jobs -= 1 if self.fail_jobs > 0 else 0
                return "fail"
            if self.stall_jobs:
                self.stall_jobs -= 1 if self.stall_jobs > 0 else 0
                return "stall"
        return None

    def take_miscount(self) -> bool:
        """True for a job that completes now with its processed count one short."""
        with self._lock:
            if self.miscount_jobs:
                self.miscount_jobs -= 1 if self.miscount_jobs > 0 else 0
                return True
        return False

    def clear(self) -> None:
        with self._lock:
            self.latency, self.bandwidth = 0.0, None
            self.status_rules.clear()
            self.drop_upload_after, self.drop_upload_times = None, 1
            self.fail_jobs = self.fail_after_records = self.stall_jobs = self.miscount_jobs = 0
            self.refuse_gzip = self.request_limit = self.ignore_content_encoding = False
            self.answer_rules.clear()
            self.outage_until = 0.0
            self.foreign_urls = None

    def update(self, data: dict[str, Any]) -> None:
        """Apply a JSON/dict description (unknown keys are an error so typos do not pass silently)."""
        if data.get("clear"):
            self.clear()
        for key, value in data.items():
            if key == "clear":
                continue
            if key == "status_rules":
                for rule in value:
                    self.add_status(**rule)
            elif key == "answer_rules":
                for answer in value:
                    self._add(self.answer_rules, AnswerRule(**answer))
            elif key == "outage":
                self.start_outage(float(value))
            elif key == "release_stalled":
                if value:
                    self.release_stalled()
            elif key in _SIMPLE_FIELDS:
                setattr(self, key, value)
            else:
                raise ValueError(f"unknown fault field: {key}")

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            out = {k: getattr(self, k) for k in _SIMPLE_FIELDS}
            out["status_rules"] = [asdict(r) for r in self.status_rules]
            out["answer_rules"] = [asdict(r) for r in self.answer_rules]
            out["outage"] = round(max(0.0, self.outage_until - time.monotonic()), 3)
        return out


_SIMPLE_FIELDS = (
    "latency",
    "bandwidth",
    "drop_upload_after",
    "drop_upload_times",
    "fail_jobs",
    "fail_after_records",
    "stall_jobs",
    "miscount_jobs",
    "refuse_gzip",
    "ignore_content_encoding",
    "request_limit",
    "foreign_urls",
)
