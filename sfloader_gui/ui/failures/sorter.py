"""Sort keys for every workbench column, built from whole-column arrays rather than per-row lookups."""

from __future__ import annotations

from collections.abc import Callable

from sfloader_gui.core.review.retry import RetryOutcomes
from sfloader_gui.core.review.session import ReviewSession
from sfloader_gui.core.review.sorting import SortKey, column_values, natural_key, result_values
from sfloader_gui.ui.failures.table_model import (
    CODE,
    EXPLAIN,
    FIELDS,
    INFO_HEADERS,
    JOB,
    MESSAGE,
    OUTCOME,
    ROW,
    SOURCE,
    plain_words,
)


def key_for(session: ReviewSession, column: int, outcomes: RetryOutcomes | None) -> SortKey:
    """A key over global rows for the model column ``column``."""
    if column >= len(INFO_HEADERS):
        return natural_key(column_values(session, session.columns[column - len(INFO_HEADERS)]))
    if column in (SOURCE, JOB):
        names = [
            (rf.job.source.name if rf.job.source else rf.path.name) if column == SOURCE else rf.job.job_id
            for rf in session.files
        ]
        return lambda row: names[session.locate(row)[0]]
    if column in (CODE, MESSAGE, FIELDS, EXPLAIN):
        return _error_key(session, column)
    ext_field = session.external_id_field
    ext = result_values(session, ext_field) if ext_field else [""] * session.row_count
    if column == ROW:
        joins = [session.join_for(f) for f in range(len(session.files))]
        numbers = [
            (j.record_number(ext[r]) if j is not None else None) or 0
            for f, j in enumerate(joins)
            for r in range(session.starts[f], session.starts[f + 1])
        ]
        return numbers.__getitem__
    assert column == OUTCOME
    texts = [(o[0].value if (o := outcomes.outcome(e)) else "") if outcomes else "" for e in ext]
    return texts.__getitem__


def _error_key(session: ReviewSession, column: int) -> Callable[[int], str]:
    errors = []
    for rf in session.files:
        rf.count_errors()
        errors.append((rf.errors, rf.error_ids))

    def key(row: int) -> str:
        f, local = session.locate(row)
        table, ids = errors[f]
        e = table[ids[local]] if ids is not None else None
        if e is None:
            return ""
        if column == EXPLAIN:
            return plain_words(e)
        return e.code if column == CODE else e.message if column == MESSAGE else e.fields

    return key
