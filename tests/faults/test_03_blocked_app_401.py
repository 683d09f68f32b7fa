"""Case 3: a 401 whose body is not a session error (app blocked): no refresh loop, a clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.core.load.loadkit import connect, load, write_accounts
from tests.core.salesforce.conftest import oauth_refreshing_token
from tests.faults.kit import nothing_lost


def test_no_refresh_and_a_clear_message(emulator: Any, tmp_path: Path) -> None:
    token = oauth_refreshing_token(emulator.instance_url)
    blocked = "this app is blocked by admin"
    emulator.faults.add_status(
        401, method="POST", path="/jobs/ingest$", times=-1, error_code="OAUTH_APP_BLOCKED", message=blocked
    )
    src = write_accounts(tmp_path / "a.csv", 1, 10)
    with connect(emulator, token) as conn:
        result = load(emulator, [src], tmp_path / "out", conn=conn)
    assert token.refresh_count == 0
    (job,) = result.manifest["jobs"]
    assert job["state"] == "Error" and "blocked by admin" in (job["error_message"] or "")
    assert len(emulator.stats.find("POST", "/jobs/ingest")) == 1  # no loop
    nothing_lost(result.run_dir, emulator, records=10)
