"""Edits live in a working copy beside the run; retry files carry them; raw results are never touched."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from sfloader_gui.core.review.report import summary_html
from sfloader_gui.core.review.retry import Outcome, RetryError, RetryOutcomes, record_retry, write_retry_files
from sfloader_gui.core.review.session import ReviewSession
from tests.core.review.runfolders import make_run


def _digests(run_dir: Path) -> dict[str, str]:
    return {
        p.name + str(p.parent): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in run_dir.glob("jobs/*/*.csv")
    }


def _row_of(session: ReviewSession, ext: str) -> int:
    return next(r for r in range(session.row_count) if session.info(r).external_id == ext)


def test_edits_are_kept_apart_and_survive_reopening(run_dir: Path) -> None:
    before = _digests(run_dir)
    session = ReviewSession(run_dir)
    row = _row_of(session, "A-3")
    session.set_value(row, "Name", "Acme Three")
    assert session.values(row)[session.columns.index("Name")] == "Acme Three"
    assert session.original_values(row)[session.columns.index("Name")] == ""
    assert session.is_edited(row, "Name")
    assert _digests(run_dir) == before  # the raw Salesforce files are unchanged
    saved = json.loads((run_dir / "review" / "edits.json").read_text(encoding="utf-8"))
    assert saved["edits"] == {
        "jobs/01_accounts_p1_750000000000000001AAA/failed.csv": {str(0): {"Name": "Acme Three"}}
    }
    again = ReviewSession(run_dir)
    assert again.values(row)[again.columns.index("Name")] == "Acme Three"
    again.set_value(row, "Name", "")  # back to what Salesforce returned: no edit left
    assert not again.is_edited(row, "Name")


def test_retry_files_hold_the_chosen_rows_with_edits_per_source(run_dir: Path) -> None:
    session = ReviewSession(run_dir)
    a3, p4 = _row_of(session, "A-3"), _row_of(session, "P-4")
    session.set_value(a3, "Name", "Fixed =name")
    batches = write_retry_files(session, [a3, p4, _row_of(session, "P-2")])
    assert [(Path(b.source).name, b.rows) for b in batches] == [("accounts.csv", 1), ("partners.csv", 2)]
    with batches[0].path.open(newline="", encoding="utf-8") as f:
        assert list(csv.reader(f)) == [
            ["External_Id__c", "Name", "Phone"],
            ["A-3", "Fixed =name", "555-0003"],
        ]
    assert batches[0].path.parent.parent == run_dir / "review"


def test_retry_outcomes_follow_the_retry_run(run_dir: Path, tmp_path: Path) -> None:
    session = ReviewSession(run_dir)
    batches = write_retry_files(session, list(range(session.row_count)))
    # A retry run in the same output folder, as the engine writes it: A-3 now succeeds, A-6 fails again.
    retry = make_run(
        tmp_path / "retry_out",
        {"retry.csv": (["External_Id__c", "Name", "Phone"], [["A-3", "Acme 3", "1"], ["A-6", "", "2"]])},
        {"retry.csv": {"A-6": "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"}},
    )
    moved = run_dir.parent / "20261126T103000Z_Account"
    retry.rename(moved)
    manifest = json.loads((moved / "manifest.json").read_text(encoding="utf-8"))
    manifest["retry_of"], manifest["run_id"] = run_dir.name, moved.name
    (moved / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    record_retry(session, moved, batches)
    outcomes = RetryOutcomes(session)
    assert outcomes.runs == [moved]
    assert outcomes.outcome("A-3") == (Outcome.SUCCEEDED, moved.name, "")
    found = outcomes.outcome("A-6")
    assert found is not None and found[0] is Outcome.FAILED_AGAIN and "REQUIRED_FIELD_MISSING" in found[2]
    assert outcomes.outcome("A-9") is None
    assert outcomes.succeeded == 1


def test_a_lone_results_csv_cannot_be_retried_and_says_why(run_dir: Path, tmp_path: Path) -> None:
    alone = tmp_path / "failed-copy.csv"
    alone.write_bytes(next(run_dir.glob("jobs/01_*/failed.csv")).read_bytes())
    with pytest.raises(RetryError, match="open the run folder"):
        write_retry_files(ReviewSession(alone), [0])


def test_summary_report_names_counts_top_errors_and_files(run_dir: Path) -> None:
    html = summary_html(ReviewSession(run_dir))
    assert "REQUIRED_FIELD_MISSING" in html and "Required fields are missing: [Name]" in html
    assert "accounts.csv" in html and "partners.csv" in html
    assert "<td class='n'>17</td>" in html  # 12 + 5 records
    assert html.index("REQUIRED_FIELD_MISSING") < html.index("INVALID_CROSS_REFERENCE_KEY")
