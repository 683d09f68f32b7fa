"""An edited manifest.json cannot point the workbench or a retry at files outside the run folder."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.load.engine import build_retry_files
from sfloader_gui.core.load.results import ManifestPathError
from sfloader_gui.core.review.session import ReviewSession
from tests.core.review.emulator_runs import connect, load

SECRET = "TOP-SECRET-ROW"


def _edit(run_dir: Path, change: Any) -> None:
    path = run_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _outside_file(tmp_path: Path) -> Path:
    """A readable file elsewhere that looks like a failed-results CSV."""
    other = tmp_path / "elsewhere" / "failed.csv"
    other.parent.mkdir()
    other.write_text(f'"sf__Id","sf__Error",External_Id__c,Name\n"","X:y",{SECRET},{SECRET}\n')
    return other


@pytest.fixture
def failed_run(emulator: Any, tmp_path: Path) -> Path:
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path / "work")
        run = load(conn, ["bad_contacts.csv"], "Contact", tmp_path / "work")
    assert run.manifest["totals"]["failed"] > 0
    return run.run_dir


def _first_failed(manifest: dict[str, Any]) -> dict[str, Any]:
    return next(j for j in manifest["jobs"] if j.get("failed_file"))


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_the_workbench_refuses_result_paths_outside_the_run(
    failed_run: Path, tmp_path: Path, how: str
) -> None:
    other = _outside_file(tmp_path)
    honest = ReviewSession(failed_run)
    rows = honest.row_count
    honest.close()
    if how == "dotdot":
        named = os.path.relpath(other, failed_run)
    elif how == "absolute":
        named = str(other)
    else:
        link = failed_run / "jobs" / "link.csv"
        link.symlink_to(other)
        named = "jobs/link.csv"

    def point_away(m: dict[str, Any]) -> None:
        _first_failed(m)["failed_file"] = named

    _edit(failed_run, point_away)
    session = ReviewSession(failed_run)
    try:
        assert any("not inside the run folder" in p and named in p for p in session.problems)
        assert session.row_count < rows  # that job's rows are not shown...
        shown = [v for r in range(session.row_count) for v in session.values(r)]
        assert SECRET not in shown  # ...and neither is anything of the outside file
    finally:
        session.close()


def test_a_relative_source_path_is_refused(failed_run: Path) -> None:
    def relative_source(m: dict[str, Any]) -> None:
        m["files"][0]["path"] = "../../etc/passwd"

    _edit(failed_run, relative_source)
    session = ReviewSession(failed_run)
    try:
        assert any("without a full path" in p for p in session.problems)
        assert "../../etc/passwd" not in session.joins
    finally:
        session.close()


def test_a_retry_refuses_a_manifest_that_leaves_its_run(failed_run: Path, tmp_path: Path) -> None:
    other = _outside_file(tmp_path)

    def point_away(m: dict[str, Any]) -> None:
        _first_failed(m)["failed_file"] = str(other)

    _edit(failed_run, point_away)
    before = set(failed_run.parent.iterdir())
    with pytest.raises(ManifestPathError, match="not inside the run folder"):
        build_retry_files(failed_run)
    made = set(failed_run.parent.iterdir()) - before
    assert all(not any(p.rglob("*.csv")) for p in made)  # no retry file holds the outside rows
