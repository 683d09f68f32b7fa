"""Rotating file log in the user log folder, with a filter that removes secrets from every record."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path
from urllib.parse import quote, quote_plus

from sfloader_gui.core import paths, private

LOG_FILE_NAME = "sfloader.log"
_MAX_BYTES = 5_000_000
_BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
REDACTED = "[REDACTED]"

# What may continue a token once it was escaped (repr, JSON, a log of a log) or URL-encoded: "\n", "\\n",
# "\u000a", "\x0a", "%0A". Without it a token with a line break was redacted only up to the break.
_ESCAPED = r"(?:\\+(?:[nrtfvab0]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})|%[0-9a-fA-F]{2})"
# Secrets with a recognisable shape. Salesforce session ids / access tokens are "<15/18-char org id>!<rest>".
_SHAPED = (
    re.compile(rf"00D[A-Za-z0-9]{{12,15}}(?:!|%21)(?:[A-Za-z0-9._\-!]|{_ESCAPED})+"),
    # JWTs (id_token, JWT bearer assertions): header.payload.signature, base64url, header starts with '{"'.
    re.compile(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"),
    # The OAuth authorization code in a redirect URL (only there: "status code: 401" stays readable).
    re.compile(r"(?<=[?&#]code=)[^&\s#\"']+"),
    # Authorization header values, whatever the scheme.
    re.compile(r"(?i)\b(?:bearer|basic|oauth)\s+[A-Za-z0-9._~+/=!\-]+"),
)
# Secrets recognised by the name in front of them: URL parameters, form bodies, JSON, repr() of dicts.
_SECRET_NAMES = (
    r"access_token|refresh_token|client_secret|code_verifier|password|security_token|"
    r"id_token|sid|assertion|accessToken|refreshToken|clientSecret|sessionId|session_id|authorization"
)
_NAMED = re.compile(
    rf"""(?ix)
    (?P<key>["']?\b(?:{_SECRET_NAMES})\b["']?)      # the name, maybe quoted
    (?P<sep>\s*[:=]\s*["']?)                        # = or : and an optional opening quote
    (?!\[REDACTED\])                               # already done by an earlier pattern
    (?P<value>[^\s"'&,;}}\]]+)                      # the value up to a delimiter
    """
)

_known_lock = threading.Lock()
_known_secrets: set[str] = set()


_MIN_SECRET = 6  # very short values would redact ordinary words; real tokens and passwords are longer


def secret_forms(value: str) -> set[str]:
    """Every form a secret takes in text: as it is, escaped (``repr``, ``\\n``, twice escaped), JSON-encoded
    and URL-encoded, and each piece between line breaks or control characters (a tool that splits
    the value at a break must not show the rest)."""
    escaped = value.encode("unicode_escape").decode("ascii")
    forms = {
        value,
        escaped,
        escaped.encode("unicode_escape").decode("ascii"),  # escaped again: a repr of a repr, JSON of a repr
        repr(value)[1:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote(value),
        quote_plus(value, safe=""),
        re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), quote(value, safe="")),  # %0a as some encoders write
    }
    forms |= {form.replace("\\", "\\\\") for form in list(forms)}  # inside a repr() of the text
    forms |= set(re.split(r"[\x00-\x1f\x7f]+", value))
    return {form for form in forms if len(form) >= _MIN_SECRET}


def register_secret(value: str | None) -> None:
    """Remember a secret so every later log line has it removed, in any of its ``secret_forms``."""
    if value and len(value) >= _MIN_SECRET:
        forms = secret_forms(value)
        with _known_lock:
            _known_secrets.update(forms)


def redact(text: str) -> str:
    """Return ``text`` with every token, password and secret replaced by ``[REDACTED]``."""
    with _known_lock:
        known = sorted(_known_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _SHAPED:
        text = pattern.sub(REDACTED, text)
    return _NAMED.sub(lambda m: f"{m['key']}{m['sep']}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message and traceback with secrets removed; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string must not hide the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # The formatter would re-render exc_info (unredacted) if exc_text were empty; keep text only.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _PrivateRotatingFileHandler(RotatingFileHandler):
    """Every log file (the live one and each one rotation starts) is created 0600."""

    def _open(self) -> io.TextIOWrapper:
        # Always append: rotation renames the old file away and starts a new one through here.
        return open(self.baseFilename, "a", encoding=self.encoding, errors=self.errors, opener=private.opener)


_setup_lock = threading.Lock()
_file_handler: RotatingFileHandler | None = None


def setup_logging(level: int = logging.INFO, log_dir: Path | None = None) -> Path:
    """Send the root logger to a rotating file in ``log_dir`` (default ``paths.log_dir()``); return its path.

    Idempotent: a second call only changes the level (or moves the file when ``log_dir`` differs).
    """
    global _file_handler
    folder = log_dir or paths.log_dir()
    private.private_dir(folder)
    target = private.private_file(folder / LOG_FILE_NAME)  # an older, wider file is narrowed too
    root = logging.getLogger()
    with _setup_lock:
        if _file_handler is not None and Path(_file_handler.baseFilename) != target.resolve():
            root.removeHandler(_file_handler)
            _file_handler.close()
            _file_handler = None
        if _file_handler is None:
            handler = _PrivateRotatingFileHandler(
                target, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
            )
            handler.setFormatter(logging.Formatter(_FORMAT))
            handler.addFilter(RedactingFilter())
            root.addHandler(handler)
            _file_handler = handler
        root.setLevel(level)
    return target


def shutdown_logging() -> None:
    """Detach and close the file handler (tests, and before the log folder is removed)."""
    global _file_handler
    with _setup_lock:
        if _file_handler is not None:
            logging.getLogger().removeHandler(_file_handler)
            _file_handler.close()
            _file_handler = None
