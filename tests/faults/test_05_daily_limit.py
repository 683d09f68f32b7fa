"""Case 5: 403 REQUEST_LIMIT_EXCEEDED (daily total): no retry storm, says "daily API limit", resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sfloader_gui.core.models import EventKind, JobEvent
from tests.core.load.loadkit import Recorder, load, options, write_accounts
from tests.faults.kit import nothing_lost


def test_the_limit_stops_new_jobs_without_a_storm(emulator: Any, tmp_path: Path) -> None:
    def limit_after_first_results(event: JobEvent) -> bool:
        if event.kind is EventKind.RESULTS_SAVED:
            emulator.faults.request_limit = True
        return False

    files = [write_accounts(tmp_path / f"f{n}.csv", n * 100, 5) for n in range(4)]
    result = load(emulator, files, tmp_path / "out", options(max_concurrent_jobs=1),
                  recorder=Recorder(trigger=limit_after_first_results))  # fmt: skip
    refused = [r for r in emulator.stats.find() if r.status == 403]
    assert len(refused) <= 2  # no storm: the first refusal stops the parts not yet started
    errors = [j["error_message"] or "" for j in result.manifest["jobs"][1:]]
    assert all("daily API request limit" in e for e in errors)
    emulator.faults.request_limit = False
    nothing_lost(result.run_dir, emulator, records=20)
