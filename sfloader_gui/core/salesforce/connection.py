"""One HTTP session to one org: bearer auth per request, pool, timeouts, safe retries, token refresh."""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from sfloader_gui import __version__
from sfloader_gui.core.models import DEFAULT_API_VERSION, MAX_CONCURRENT_JOBS
from sfloader_gui.core.salesforce import tls
from sfloader_gui.core.salesforce.backoff import FailureStreak, worth_logging
from sfloader_gui.core.salesforce.errors import (
    ApiLimitError,
    AuthError,
    ForeignUrlError,
    SalesforceError,
    TransportError,
    error_from_response,
    is_concurrency_refusal,
    parse_error_body,
    retry_after_seconds,
)
from sfloader_gui.core.salesforce.meter import count_answer
from sfloader_gui.core.salesforce.tokens import TokenProvider, checked_token
from sfloader_gui.core.salesforce.wire import WireGate

log = logging.getLogger(__name__)

# Statuses that say "not now" without the server having acted on the request.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Methods whose repetition cannot do harm; others are repeated only on an explicit 429 refusal.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter; ``Retry-After`` from the server wins when it is longer."""

    attempts: int = 5
    base_s: float = 0.5
    cap_s: float = 30.0
    max_retry_after_s: float = 120.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        jitter = random.uniform(0.0, min(self.cap_s, self.base_s * (2**attempt)))
        if retry_after is None:
            return jitter
        return max(jitter, min(retry_after, self.max_retry_after_s))


@dataclass(frozen=True)
class Timeouts:
    """Seconds. Uploads get a long read timeout: Salesforce answers only after reading a 100 MB body."""

    connect_s: float = 15.0
    read_s: float = 120.0
    upload_read_s: float = 900.0


class BearerAuth(AuthBase):
    """Adds ``Authorization: Bearer`` with the provider's CURRENT token to every request.

    Being ``Session.auth`` also stops requests from replacing it with credentials from ``~/.netrc``.
    """

    def __init__(self, provider: TokenProvider) -> None:
        self.provider = provider

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        # Every provider's token passes the same check: a line break would make requests raise an error
        # that prints the header, token included.
        r.headers["Authorization"] = f"Bearer {checked_token(self.provider.access_token())}"
        return r


class CertificateError(TransportError):
    """The org's TLS certificate could not be verified (self-signed proxy root, wrong host, expired)."""


class SessionRenewedError(TransportError):
    """The session expired during a request that cannot be replayed (a streamed upload); it was renewed."""


def _concurrency_refusal(resp: requests.Response) -> bool:
    code, message = parse_error_body(resp.text)
    return code == "REQUEST_LIMIT_EXCEEDED" and is_concurrency_refusal(message)


def _origin(url: str) -> tuple[str, str, int | None, bool]:
    """(scheme, host, port, has user info) with the scheme's default port filled in."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number can never match the instance's
        port = -1
    scheme = parts.scheme.lower()
    default = {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port or default, "@" in parts.netloc


def _sent_token(resp: requests.Response) -> str:
    header = resp.request.headers.get("Authorization", "") if resp.request else ""
    return str(header).removeprefix("Bearer ")


def _level(failures: int) -> int:
    return logging.INFO if worth_logging(failures) else logging.DEBUG


class SalesforceConnection:
    """The client's only ``requests.Session`` to one org, safe to share between worker threads."""

    def __init__(
        self,
        instance_url: str,
        token_provider: TokenProvider,
        api_version: str = DEFAULT_API_VERSION,
        *,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        pool_size: int = MAX_CONCURRENT_JOBS + 5,
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.api_version = api_version.removeprefix("v")
        self.token_provider = token_provider
        self.retry = retry or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self.api_usage: tuple[int, int] | None = None  # (used, max) from Sforce-Limit-Info
        # Set when the org stops accepting this client (login needed, API limit used up): no new jobs.
        self.fatal_error: AuthError | ApiLimitError | None = None
        # How often the org said "too many concurrent requests": the engine runs fewer jobs when it grows.
        self.wire = WireGate()  # big transfers on the wire at once, across every load on this connection
        self.concurrency_refusals = 0
        # Failed tries in a row across all calls and threads: pauses grow through an outage, logs stay few.
        self.streak = FailureStreak()
        # Server clock minus ours, from the last answer's Date header (1 s resolution); None until one came.
        self.clock_offset_s: float | None = None
        self._refresh_lock = threading.Lock()
        self._closed = threading.Event()
        self.session = self._make_session(pool_size)

    def _make_session(self, pool_size: int) -> requests.Session:
        session = requests.Session()
        # trust_env stays on so HTTPS_PROXY/NO_PROXY and CA bundles work; auth is ours, never netrc's.
        session.auth = BearerAuth(self.token_provider)
        # Pool >= parallel jobs (+ spare for results downloads), so 15 workers never discard connections.
        # https verifies with the OS trust store unless a CA bundle is set (see tls.py).
        tls.mount(session, pool_size)
        session.headers["User-Agent"] = f"sfloader-gui/{__version__}"
        session.headers["Accept"] = "application/json"
        return session

    @property
    def api_base(self) -> str:
        return f"/services/data/v{self.api_version}"

    def url(self, path: str) -> str:
        """``/services/...`` paths are taken as they are; others are relative to the versioned API root.

        The bearer token goes with every request, so a URL the server names (``contentUrl``,
        ``nextRecordsUrl``) must be on the instance's own scheme, host and port; any other raises
        ``ForeignUrlError`` naming it.
        """
        if path.startswith(("http://", "https://")):
            url = path
        elif path.startswith("/"):
            url = self.instance_url + path
        elif path.startswith("services/"):  # contentUrl and nextRecordsUrl come without a leading slash
            url = f"{self.instance_url}/{path}"
        else:
            url = f"{self.instance_url}{self.api_base}/{path}"
        if _origin(url) != _origin(self.instance_url):
            raise ForeignUrlError(
                f"Salesforce named a URL outside the org ({path}); the session is only ever sent to "
                f"{self.instance_url}, so the call was not made."
            )
        return url

    def close(self) -> None:
        self._closed.set()
        self.session.close()

    def __enter__(self) -> SalesforceConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | str | Iterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        stream: bool = False,
        upload: bool = False,
        ok: Iterable[int] = (200, 201, 204),
    ) -> requests.Response:
        """Send one call; retry what is safe to repeat; refresh the token once on INVALID_SESSION_ID.

        Raises a ``SalesforceError`` subclass for any answer not in ``ok``.
        """
        method = method.upper()
        url = self.url(path)
        shown = urlsplit(url).path  # logs get method + path + status only: never headers or query
        replayable = data is None or isinstance(data, bytes | str)
        timeout = (self.timeouts.connect_s, self.timeouts.upload_read_s if upload else self.timeouts.read_s)
        # A CA bundle the app set wins over REQUESTS_CA_BUNDLE, which requests would otherwise let
        # override Session.verify; with no app setting the environment's bundle still applies.
        verify = self.session.verify if isinstance(self.session.verify, str) else None
        refreshed = False
        attempt = 0
        while True:
            try:
                resp = self.session.request(
                    method, url, json=json, data=data, headers=headers, params=params,
                    stream=stream, timeout=timeout, verify=verify,
                )  # fmt: skip
            except requests.exceptions.SSLError as exc:  # not transient: say which host, why, what to do
                log.info("%s %s -> SSLError", method, shown)
                raise CertificateError(tls.certificate_problem(url, exc), method=method, path=shown) from exc
            except requests.RequestException as exc:
                if self._may_retry_transport(method, exc, replayable, attempt):
                    self._backoff(None, method, shown, type(exc).__name__)
                    attempt += 1
                    continue
                failures = self.streak.fail()
                log.log(_level(failures), "%s %s -> %s (failure %d in a row)", method, shown,
                        type(exc).__name__, failures)  # fmt: skip
                raise TransportError(
                    f"The connection to Salesforce failed during {method} {shown}: {type(exc).__name__}.",
                    method=method,
                    path=shown,
                ) from exc
            log.debug("%s %s -> %s", method, shown, resp.status_code)
            count_answer()
            self._note_limits(resp)
            self._note_clock(resp)
            if resp.status_code == 403 and _concurrency_refusal(resp):
                self.concurrency_refusals += 1  # a plain counter: an occasional lost update does not matter
            if resp.status_code in ok:
                self._answered()
                return resp
            if resp.status_code == 401 and not refreshed and self._is_session_error(resp):
                resp.close()  # return the connection to the pool before the next attempt
                self._refresh(resp, method, shown)
                refreshed = True
                if not replayable:
                    raise SessionRenewedError(
                        f"The session expired during {method} {shown}; it was renewed.",
                        status=401, error_code="INVALID_SESSION_ID", method=method, path=shown,
                    )  # fmt: skip
                continue
            if self._may_retry_status(method, resp, replayable, attempt):
                resp.close()
                self._backoff(retry_after_seconds(resp), method, shown, str(resp.status_code))
                attempt += 1
                continue
            self._answered()
            error = error_from_response(resp, method, shown)
            resp.close()
            log.info("%s %s -> %s %s", method, shown, resp.status_code, error.error_code or "")
            raise self._remember_fatal(error)

    def _remember_fatal(self, error: SalesforceError) -> SalesforceError:
        if isinstance(error, AuthError | ApiLimitError) and self.fatal_error is None:
            self.fatal_error = error
        return error

    def _may_retry_transport(
        self, method: str, exc: requests.RequestException, replayable: bool, attempt: int
    ) -> bool:
        if not replayable or attempt + 1 >= self.retry.attempts or self._closed.is_set():
            return False
        # A connect timeout means nothing reached the server, so even a create-job POST may be repeated.
        return method in _SAFE_METHODS or isinstance(exc, requests.ConnectTimeout)

    def _may_retry_status(self, method: str, resp: requests.Response, replayable: bool, attempt: int) -> bool:
        if not replayable or attempt + 1 >= self.retry.attempts or self._closed.is_set():
            return False
        # 429, and 403 for too many concurrent requests, say "not processed, slow down": safe for any method.
        if resp.status_code == 429 or (resp.status_code == 403 and _concurrency_refusal(resp)):
            return True
        return resp.status_code in _RETRY_STATUSES and method in _SAFE_METHODS

    def _backoff(self, retry_after: float | None, method: str, path: str, why: str) -> None:
        """Pause before repeating a call; the pause grows with the failures in a row on this connection."""
        failures = self.streak.fail()
        delay = self.retry.delay(min(failures - 1, 30), retry_after)
        log.log(_level(failures), "%s %s -> %s; retrying in %.1f s (failure %d in a row)",
                method, path, why, delay, failures)  # fmt: skip
        self._closed.wait(delay)

    def _answered(self) -> None:
        ended = self.streak.end()
        if ended is not None:
            log.info("Salesforce answers again, after %d failed tries over %.0f s", *ended)

    def _is_session_error(self, resp: requests.Response) -> bool:
        return "INVALID_SESSION_ID" in resp.text

    def _refresh(self, resp: requests.Response, method: str, path: str) -> None:
        """Single-flight: the first thread with a stale token refreshes, the others reuse its result."""
        stale = _sent_token(resp)
        if not self.token_provider.can_refresh:
            raise self._remember_fatal(error_from_response(resp, method, path))
        with self._refresh_lock:
            if self.token_provider.access_token() != stale:
                return  # another worker already renewed it
            log.info("Session expired (%s %s); renewing the access token", method, path)
            try:
                self.token_provider.refresh(stale)
            except AuthError as exc:
                raise self._remember_fatal(exc) from None
            except Exception as exc:  # a provider's own failure must reach the user as a login problem
                error = AuthError(
                    f"The session expired and renewing it failed ({type(exc).__name__}: {exc}). "
                    "Log in to the org again."
                )
                raise self._remember_fatal(error) from exc

    def _note_clock(self, resp: requests.Response) -> None:
        value = resp.headers.get("Date")
        if not value:
            return
        try:
            told = email.utils.parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError):
            return
        self.clock_offset_s = told + 0.5 - time.time()  # the header drops the fraction: take its middle

    def server_time(self, local: datetime) -> datetime:
        """A moment of this machine's clock on the org's clock (unchanged before any Date header)."""
        return local + timedelta(seconds=self.clock_offset_s or 0.0)

    def _note_limits(self, resp: requests.Response) -> None:
        info = resp.headers.get("Sforce-Limit-Info", "")
        if "api-usage=" in info:
            try:
                used, limit = info.split("api-usage=")[1].split(";")[0].split("/")
                self.api_usage = (int(used), int(limit))
            except ValueError:
                pass

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self.request("GET", path, params=params).json()


__all__ = [
    "ApiLimitError",
    "AuthError",
    "BearerAuth",
    "CertificateError",
    "ForeignUrlError",
    "RetryPolicy",
    "SalesforceConnection",
    "SalesforceError",
    "SessionRenewedError",
    "Timeouts",
    "TransportError",
]
