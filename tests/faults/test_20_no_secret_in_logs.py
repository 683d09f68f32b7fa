"""Case 20: a full run at DEBUG, with retries and a token refresh: no token, Bearer header, refresh token or
secret in the logs, the run folder, the journal or the settings."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core import paths
from tests.core.load.loadkit import connect, load, write_accounts
from tests.core.salesforce.conftest import oauth_refreshing_token

TOKEN_SHAPE = re.compile(rb"00D\w{12,15}!")


def test_nothing_secret_is_written_anywhere(
    emulator: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = oauth_refreshing_token(emulator.instance_url)
    emulator.faults.add_status(401, method="GET", path=r"/jobs/ingest/\w+$", times=1)
    emulator.faults.add_status(503, method="GET", path=r"/jobs/ingest/\w+$", times=2)
    src = write_accounts(tmp_path / "a.csv", 1, 5)
    with connect(emulator, token) as conn:
        result = load(emulator, [src], tmp_path / "out", conn=conn)
    assert token.refresh_count == 1
    text = caplog.text.encode()
    assert not TOKEN_SHAPE.search(text) and b"Bearer " not in text
    places = [result.run_dir, paths.data_dir(), paths.config_dir(), paths.log_dir()]
    for place in (p for p in places if p.exists()):
        for path in (f for f in place.rglob("*") if f.is_file()):
            data = path.read_bytes()
            assert not TOKEN_SHAPE.search(data) and b"Bearer " not in data, path
            assert token.access_token().encode() not in data, path
