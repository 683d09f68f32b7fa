"""The redaction filter: tokens, refresh tokens, secrets, codes in URLs and JWTs never reach the log file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfloader_gui.core import logs

ACCESS = "00D8d0000001EmuEAE!AQEAQM3xYz.abc_def-123456789012345678901234567890"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwMDV4eCJ9.c2lnbmF0dXJlLWJ5dGVz"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    level = logging.getLogger().level
    path = logs.setup_logging(logging.DEBUG, tmp_path / "logs")
    yield path
    logs.shutdown_logging()
    logging.getLogger().setLevel(level)


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f"token {ACCESS} used", ACCESS),
        ("Authorization: Bearer abc.DEF-123_xyz", "abc.DEF-123_xyz"),
        ("GET http://localhost:1717/OauthRedirect?code=aPrxSECRETCODE123&state=s1", "aPrxSECRETCODE123"),
        (
            "POST body grant_type=refresh_token&refresh_token=5AepSecretRefresh&client_id=x",
            "5AepSecretRefresh",
        ),
        ('{"access_token": "opaqueToken99", "instance_url": "https://x"}', "opaqueToken99"),
        ("{'client_secret': 'CS-1234567890'}", "CS-1234567890"),
        (f"id_token {JWT}", JWT),
        ("https://x/?access_token=tok_in_url_1234#frag", "tok_in_url_1234"),
    ],
)
def test_redact_removes_secret_shapes(line: str, secret: str) -> None:
    out = logs.redact(line)
    assert secret not in out
    assert "Bearer " not in out
    assert logs.REDACTED in out


def test_redact_keeps_ordinary_text_readable() -> None:
    text = "HTTP status code: 401 for job 7508d0000001 (INVALID_SESSION_ID)"
    assert logs.redact(text) == text


def test_registered_secret_without_a_shape_is_removed() -> None:
    logs.register_secret("plain-looking-refresh-value")
    assert "plain-looking-refresh-value" not in logs.redact("saw plain-looking-refresh-value here")


def test_log_file_has_no_secret_from_args_or_tracebacks(log_file: Path) -> None:
    logger = logging.getLogger("sfloader_gui.test")
    logger.debug("calling with header %s", {"Authorization": f"Bearer {ACCESS}"})
    try:
        raise RuntimeError(f"server said refresh_token=5AepLeaky&x=1 with {ACCESS}")
    except RuntimeError:
        logger.exception("refresh failed")
    text = log_file.read_text(encoding="utf-8")
    assert "refresh failed" in text and "RuntimeError" in text  # the record is still there, readable
    assert ACCESS not in text
    assert "5AepLeaky" not in text
    assert "Bearer " not in text


def test_setup_is_idempotent(log_file: Path) -> None:
    again = logs.setup_logging(logging.INFO, log_file.parent)
    assert again == log_file
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
    assert len([h for h in handlers if Path(h.baseFilename) == log_file.resolve()]) == 1


@pytest.mark.parametrize("form", ["raw", "escaped", "repr", "json", "url", "url+"])
def test_every_form_of_a_registered_secret_with_a_line_break_is_removed(form: str) -> None:
    from tests.secret_forms import forms, leaks

    secret = "refresh-first-line\nSECOND-LINE-of-it"
    logs.register_secret(secret)
    text = logs.redact(f"quoted: {forms(secret)[form]} (end)")
    assert leaks(text, {secret}, form) == [] and "(end)" in text
    assert "SECOND-LINE" not in text and "first-line" not in text


@pytest.mark.parametrize("form", ["escaped", "repr", "json", "url", "url+"])
def test_a_session_id_is_removed_past_an_escaped_line_break_even_unregistered(form: str) -> None:
    from tests.secret_forms import forms

    token = "00D8d0000001EmuEAE!AQEAQfirstpart\nSECONDPARTofthetoken"
    text = logs.redact(f"header {forms(token)[form]} sent")
    assert "SECONDPART" not in text and "firstpart" not in text
    assert text.startswith("header ") and text.endswith(" sent")
