"""Case 19: awkward source names, existing result files and a full disk: sanitised names, no overwrite,
no partial file under a final name; a full disk keeps the job's id and state (results "not saved"), the
command still prints its JSON and exits 1, and the journal marks a job saved only after its manifest."""

from __future__ import annotations

import errno
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.load.journal import Journal
from tests.cli.test_cli import org_flags, run, upsert
from tests.core.load.loadkit import load, write_accounts
from tests.faults.kit import nothing_lost


def disk_full_for(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """A failing writer: the temp file of any of ``names`` cannot be made (ENOSPC), as on a full disk."""
    real: Callable[..., Any] = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        if any(str(kwargs.get("prefix", "")).startswith(f".{n}.") for n in names):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def test_awkward_names_are_sanitised_and_nothing_is_overwritten(emulator: Any, tmp_path: Path) -> None:
    src = write_accounts(tmp_path / ("..CON:" + "x" * 240 + ".csv"), 1, 5)
    result = load(emulator, [src], tmp_path / "out")
    (job,) = result.manifest["jobs"]
    folder = (result.run_dir / job["success_file"]).parent
    assert folder.parent == result.run_dir / "jobs" and ":" not in folder.name and len(folder.name) < 100
    assert not list(result.run_dir.rglob("*.part"))  # no partial file left under any name
    nothing_lost(result.run_dir, emulator, records=5)


def test_a_full_disk_keeps_the_job_and_leaves_it_unsettled(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    disk_full_for(monkeypatch, "success.csv")
    src = write_accounts(tmp_path / "a.csv", 1, 12)
    code, out, _ = run(capsys, *upsert(emulator, src, extra=("--json", "--out", str(tmp_path / "runs"))))
    assert code == 1
    (job,) = json.loads(out)["jobs"]
    assert job["job_id"] and job["state"] == "JobComplete" and job["records_processed"] == 12
    assert job["success_file"] is None
    manifest = json.loads((Path(json.loads(out)["run_dir"]) / "manifest.json").read_text())
    assert any("fetch them later with: sfloader results" in n for n in manifest["jobs"][0]["notes"])
    assert not any("not sent" in n for n in manifest["jobs"][0]["notes"])
    with _journal() as journal:
        assert [e.job_id for e in journal.unsettled()] == [job["job_id"]]
    monkeypatch.undo()
    code, out, _ = run(capsys, "results", job["job_id"], "--json", "--out", str(tmp_path / "later"),
                       *org_flags(emulator)[:4])  # fmt: skip
    assert code == 0 and json.loads(out)["jobs"][0]["success_file"]
    with _journal() as journal:
        assert journal.unsettled() == []


def test_a_manifest_the_disk_refuses_still_prints_the_json_and_settles_nothing(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    disk_full_for(monkeypatch, "manifest.json")
    src = write_accounts(tmp_path / "a.csv", 1, 7)
    code, out, err = run(capsys, *upsert(emulator, src, extra=("--json", "--out", str(tmp_path / "runs"))))
    assert code == 1 and "manifest.json could not be written" in err
    doc = json.loads(out)
    assert doc["jobs"][0]["state"] == "JobComplete" and "No space left" in doc["error"]
    assert not (Path(doc["run_dir"]) / "manifest.json").exists()
    with _journal() as journal:
        assert [e.job_id for e in journal.unsettled()] == [doc["jobs"][0]["job_id"]]


def _journal() -> Any:
    import contextlib

    return contextlib.closing(Journal())
