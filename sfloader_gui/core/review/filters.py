"""Row filters by source file, job, error code, group and free text, over arrays rather than objects."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from dataclasses import dataclass
from itertools import compress, repeat
from operator import sub

from sfloader_gui.core.review.resultsfile import ResultsFile
from sfloader_gui.core.review.session import ReviewSession


@dataclass(frozen=True)
class RowFilter:
    """None means "any"; text matches any cell, case-insensitively (edited values included)."""

    sources: frozenset[str] | None = None
    jobs: frozenset[str] | None = None
    codes: frozenset[str] | None = None
    groups: frozenset[int] | None = None
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self == RowFilter()


def apply_filter(session: ReviewSession, flt: RowFilter) -> array[int]:
    """The global rows that pass, in file order. Code and group filters need ``session.groups.compute()``."""
    out = array("q")
    wanted = _wanted_groups(session, flt)
    needle = flt.text.strip().lower()
    for f, rf in enumerate(session.files):
        if flt.sources is not None and _source_name(rf) not in flt.sources:
            continue
        if flt.jobs is not None and rf.job.job_id not in flt.jobs:
            continue
        start, end = session.starts[f], session.starts[f + 1]
        rows: range | list[int] = range(start, end)
        if wanted is not None:
            part = session.groups.row_groups[start:end]
            rows = list(compress(rows, map(wanted.__contains__, part)))
        if needle:
            hits = _text_hits(rf, needle) | _edit_hits(session, f, needle) | _source_hits(session, f, needle)
            rows = list(compress(rows, map(hits.__contains__, map(sub, rows, repeat(start)))))
        out.extend(rows)
    return out


def _wanted_groups(session: ReviewSession, flt: RowFilter) -> set[int] | None:
    if flt.codes is None and flt.groups is None:
        return None
    groups = session.groups.compute()
    wanted = {g.gid for g in groups}
    if flt.codes is not None:
        wanted &= {g.gid for g in groups if g.code in flt.codes}
    if flt.groups is not None:
        wanted &= set(flt.groups)
    return wanted


def _source_name(rf: ResultsFile) -> str:
    return rf.job.source.name if rf.job.source else rf.path.name


def _text_hits(rf: ResultsFile, needle: str) -> set[int]:
    """Rows whose raw bytes contain the needle: one C-level find per hit over lower-cased blocks.

    Lower-casing bytes folds ASCII letters only; a needle with other letters is matched as typed too.
    """
    hits: set[int] = set()
    offsets = rf.index.offsets
    variants = {needle.encode(rf.encoding, errors="replace")}
    for first, block in rf.index.iter_blocks():
        base = offsets[first]
        low = block.lower()
        for pattern in variants:
            pos = low.find(pattern)
            while pos >= 0:
                row = bisect_right(offsets, base + pos, first) - 1
                hits.add(row)
                nxt = offsets[row + 1] - base  # one hit per row is enough: jump to the next row
                pos = low.find(pattern, nxt)
    return hits


def _source_hits(session: ReviewSession, file_index: int, needle: str) -> set[int]:
    """Rows of a mapped file whose source row holds the needle (its ignored columns, its own formats).

    Row by row (each source row read back): a mapped file's failures, not a whole load.
    """
    if session.views[file_index] is None:
        return set()
    rows = range(session.starts[file_index], session.starts[file_index + 1])
    return {
        info.local_row
        for _row, info, values in session.iter_bundles(rows)
        if info.from_source and any(needle in v.lower() for v in values)
    }


def _edit_hits(session: ReviewSession, file_index: int, needle: str) -> set[int]:
    rows = session.edits.edited_rows(session.file_key(file_index))
    return {row for row, cells in rows.items() if any(needle in v.lower() for v in cells.values())}
