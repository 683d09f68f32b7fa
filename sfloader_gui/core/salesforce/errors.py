"""Typed Salesforce errors: each carries the server's errorCode/message and a sentence for the user."""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import requests


class SalesforceError(Exception):
    """A call to Salesforce failed. ``str(exc)`` is the user-facing sentence."""

    def __init__(
        self,
        user_message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        sf_message: str | None = None,
        method: str | None = None,
        path: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(user_message)
        self.retry_after = retry_after  # seconds the server asked to wait (Retry-After), if it did
        self.user_message = user_message
        self.status = status
        self.error_code = error_code
        self.sf_message = sf_message
        self.method = method
        self.path = path


class AuthError(SalesforceError):
    """The session is invalid or expired and cannot be renewed here: the user must log in again."""


class ApiLimitError(SalesforceError):
    """Salesforce refused the call because an org limit is used up (403 REQUEST_LIMIT_EXCEEDED)."""


class ConcurrencyLimitError(SalesforceError):
    """403 REQUEST_LIMIT_EXCEEDED for too many long requests at once: it passes; the call may be repeated."""


class NotFoundError(SalesforceError):
    """The job, object or resource does not exist (404)."""


class GzipRefusedError(SalesforceError):
    """The org refused a gzip-compressed request body."""


class TransportError(SalesforceError):
    """The network failed (connection refused or dropped, timeout); the server's answer is unknown."""


class ForeignUrlError(SalesforceError):
    """The server named a URL on another scheme, host or port: the session token is never sent there."""


class InvalidStateError(SalesforceError):
    """The job is not in a state that allows the call (for example aborting a completed job)."""


def is_transient(exc: SalesforceError) -> bool:
    """A failure that may pass by itself (network, throttling, server trouble), as opposed to a refusal."""
    if isinstance(exc, TransportError | ConcurrencyLimitError):
        return True
    return (exc.status or 0) in (429, 500, 502, 503, 504)


def is_concurrency_refusal(message: str | None) -> bool:
    """REQUEST_LIMIT_EXCEEDED is sent for the daily total and for concurrent requests; the latter passes."""
    return "concurrent" in (message or "").lower()


def parse_error_body(text: str) -> tuple[str | None, str | None]:
    """Return (errorCode, message) from Salesforce's error body (usually a JSON array of one object)."""
    try:
        data: Any = json.loads(text)
    except ValueError:
        return None, text.strip()[:500] or None
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, dict):
        code = data.get("errorCode") or data.get("error")
        message = data.get("message") or data.get("error_description")
        return (str(code) if code else None), (str(message) if message else None)
    return None, None


def _is_gzip_refusal(status: int, code: str | None, message: str | None) -> bool:
    if status == 415:
        return True
    text = f"{code or ''} {message or ''}".lower()
    return status == 400 and ("encoding" in text or "gzip" in text)


def retry_after_seconds(resp: requests.Response) -> float | None:
    """The ``Retry-After`` header in seconds (number or HTTP date), or None."""
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


def error_from_response(resp: requests.Response, method: str, path: str) -> SalesforceError:
    """Turn a non-2xx response into the matching typed error with a plain-language sentence."""
    status = resp.status_code
    code, message = parse_error_body(resp.text)
    detail = f"{code}: {message}" if code and message else (message or code or f"HTTP {status}")
    kwargs: dict[str, Any] = {
        "retry_after": retry_after_seconds(resp),
        "status": status,
        "error_code": code,
        "sf_message": message,
        "method": method,
        "path": path,
    }
    if status == 401:
        return AuthError(
            f"Salesforce says the session is no longer valid ({detail}). Log in to the org again.", **kwargs
        )
    if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        if is_concurrency_refusal(message):
            return ConcurrencyLimitError(
                f"Salesforce refused the call: too many long-running requests at once ({message}). "
                "If this keeps happening, run fewer parallel jobs.",
                **kwargs,
            )
        return ApiLimitError(
            f"Salesforce refused the call: the org's daily API request limit is used up ({detail}). "
            "Try again after the limit resets (a rolling 24 hours), or ask your admin for more.",
            **kwargs,
        )
    if _is_gzip_refusal(status, code, message):
        return GzipRefusedError(f"The org refused a gzip-compressed upload ({detail}).", **kwargs)
    if status == 404:
        return NotFoundError(f"Salesforce could not find {path} ({detail}).", **kwargs)
    if code in {"INVALIDJOBSTATE", "INVALID_JOB_STATE"}:
        return InvalidStateError(f"The job is not in a state that allows this ({detail}).", **kwargs)
    return SalesforceError(f"Salesforce refused {method} {path} (HTTP {status}, {detail}).", **kwargs)
