"""Opening runs for review: grouping, joins to source rows, filters, and every kind of bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sfloader_gui.core.review.filters import RowFilter, apply_filter
from sfloader_gui.core.review.session import ReviewError, ReviewSession
from sfloader_gui.core.review.sourcejoin import JoinStatus


def _build_joins(session: ReviewSession) -> None:
    for join in session.joins.values():
        join.build()


def test_groups_biggest_cause_first_and_rows_join_to_their_source(run_dir: Path) -> None:
    session = ReviewSession(run_dir)
    assert session.problems == []
    assert session.row_count == 4 + 1 + 1 + 2  # accounts: 4 missing names + 1 bad ref; partners: 1 + 2
    groups = session.groups.compute()
    assert [(g.code, g.count) for g in groups] == [
        ("REQUIRED_FIELD_MISSING", 4),
        ("INVALID_CROSS_REFERENCE_KEY", 2),
        ("NOT_PROCESSED", 2),
    ]
    _build_joins(session)
    by_ext = {session.info(r).external_id: session.info(r) for r in range(session.row_count)}
    assert by_ext["A-9"].source == "accounts.csv" and by_ext["A-9"].source_row == 9
    assert by_ext["P-5"].source_row == 5 and by_ext["P-5"].error.code == "NOT_PROCESSED"
    assert by_ext["A-4"].error.message == "invalid cross reference id"


def test_filters_by_file_job_code_and_text(run_dir: Path) -> None:
    session = ReviewSession(run_dir)
    info = session.info

    def ext(flt: RowFilter) -> set[str]:
        return {info(r).external_id for r in apply_filter(session, flt)}

    assert ext(RowFilter(sources=frozenset({"partners.csv"}))) == {"P-2", "P-4", "P-5"}
    job = session.files[0].job.job_id
    assert ext(RowFilter(jobs=frozenset({job}))) == {"A-3", "A-4", "A-6", "A-9", "A-12"}
    assert ext(RowFilter(codes=frozenset({"INVALID_CROSS_REFERENCE_KEY"}))) == {"A-4", "P-2"}
    assert ext(RowFilter(text="=1+1")) == {"P-2"}
    assert ext(RowFilter(text="ACME 4")) == {"A-4"}  # case-insensitive
    assert ext(RowFilter(text="nothing like this")) == set()


def test_a_results_csv_opened_alone_is_reviewable_without_joins(run_dir: Path, tmp_path: Path) -> None:
    alone = tmp_path / "750000000000000001AAA-failed-records.csv"
    alone.write_bytes(next(run_dir.glob("jobs/01_*/failed.csv")).read_bytes())
    session = ReviewSession(alone)
    assert session.row_count == 5
    assert session.info(0).job_id == "750000000000000001AAA"
    assert session.info(0).source_row is None


def test_a_failed_csv_inside_a_run_folder_opens_with_its_run(run_dir: Path) -> None:
    failed = next(run_dir.glob("jobs/02_*/failed.csv"))
    session = ReviewSession(failed)
    assert session.run_dir == run_dir
    assert session.row_count == 1
    _build_joins(session)
    assert session.info(0).source_row == 2


def test_a_csv_that_is_not_a_results_file_is_refused_clearly(tmp_path: Path) -> None:
    other = tmp_path / "contacts.csv"
    other.write_text("FirstName,LastName\nAda,Lovelace\n", encoding="utf-8")
    with pytest.raises(ReviewError, match=r"contacts\.csv is not a Salesforce failed-results file") as err:
        ReviewSession(other)
    assert "it starts with FirstName, LastName, not the sf__Id, sf__Error columns" in str(err.value)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ReviewError, match=r"nothing \(the file is empty\)"):
        ReviewSession(empty)


def test_a_missing_results_file_leaves_the_rest_reviewable(run_dir: Path) -> None:
    next(run_dir.glob("jobs/01_*/failed.csv")).unlink()
    session = ReviewSession(run_dir)
    assert any("failed.csv of job" in p and "missing" in p for p in session.problems)
    assert session.row_count == 3  # partners' rows are all still there


def test_a_truncated_results_file_is_flagged(run_dir: Path) -> None:
    failed = next(run_dir.glob("jobs/01_*/failed.csv"))
    data = failed.read_bytes()
    failed.write_bytes(data[: len(data) - 12])  # cut inside the last row's quoted phone value
    session = ReviewSession(run_dir)
    assert any("truncated" in p for p in session.problems)
    assert any("holds 4 rows but the job reported 5" in p for p in session.problems)
    assert session.row_count == 4 + 3


def test_a_source_changed_since_the_run_is_never_joined(run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    source = Path(manifest["files"][0]["path"])
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("A-9,", "A-X,"), encoding="utf-8")  # same size, other content
    os.utime(source, (1, manifest["files"][0]["mtime"] + 60))
    session = ReviewSession(run_dir)
    _build_joins(session)
    join = session.joins[str(source)]
    assert join.status is JoinStatus.CHANGED
    assert "has changed since the run" in join.message
    rows = [session.info(r) for r in range(session.row_count)]
    assert all(i.source_row is None for i in rows if i.source == "accounts.csv")
    assert any(i.source_row == 2 for i in rows if i.source == "partners.csv")  # the other file still joins


def test_a_shorter_source_is_caught_without_reading_it(run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    source = Path(manifest["files"][1]["path"])
    source.write_text("External_Id__c,Name,Phone\n", encoding="utf-8")
    session = ReviewSession(run_dir)
    assert any("partners.csv has changed since the run" in p for p in session.problems)


FIELD_TAIL = "External_Id__c in entity Account"


def test_a_value_in_every_message_still_makes_one_cause(tmp_path: Path) -> None:
    failed = tmp_path / "750000000000000009AAA-failed-records.csv"
    lines = ['"sf__Id","sf__Error",External_Id__c,Account.External_Id__c']
    for i in range(1, 301):
        error = f"INVALID_FIELD:Foreign key external ID: ACC-{i:04d} not found for field {FIELD_TAIL}:--"
        lines.append(f'"","{error}","CON-{i}","ACC-{i:04d}"')
    failed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    session = ReviewSession(failed)
    [cause] = session.groups.compute()
    assert (cause.count, cause.message) == (
        300,
        f"Foreign key external ID: … not found for field {FIELD_TAIL}",
    )
    assert session.info(41).error.message.startswith("Foreign key external ID: ACC-0042 not found")
    assert len(session.files[0].errors) == 1  # one entry per cause in memory, not one per row
