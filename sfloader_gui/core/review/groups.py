"""Failures grouped by status code and message, biggest cause first; one small int per row."""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass
from itertools import chain

from sfloader_gui.core.review.errors import RowError
from sfloader_gui.core.review.resultsfile import ResultsFile


@dataclass(frozen=True)
class Group:
    """One cause of failure: a status code with one wording, and how many rows have it."""

    gid: int
    code: str
    message: str
    fields: str
    count: int


class Groups:
    """Per-row group ids over all files of a session, computed in one pass (``compute``)."""

    def __init__(self, files: list[ResultsFile]) -> None:
        self._files = files
        self.row_groups = array("i")
        self.groups: list[Group] = []  # biggest first
        self.ready = False

    def compute(self) -> list[Group]:
        """Read every file's errors once (about a second per million rows) and count each cause."""
        if self.ready:
            return self.groups
        keys: dict[tuple[str, str], int] = {}
        firsts: list[RowError] = []
        maps: list[list[int]] = []
        for rf in self._files:
            rf.count_errors()
            local: list[int] = []
            for err in rf.errors:
                if err.key not in keys:
                    keys[err.key] = len(keys)
                    firsts.append(err)
                local.append(keys[err.key])
            maps.append(local)
        self.row_groups = array(
            "i",
            chain.from_iterable(
                map(m.__getitem__, rf.error_ids or ()) for m, rf in zip(maps, self._files, strict=True)
            ),
        )
        counts = Counter(self.row_groups)
        self.groups = sorted(
            (Group(g, e.code, e.key[1], e.fields, counts[g]) for g, e in enumerate(firsts) if counts[g]),
            key=lambda grp: (-grp.count, grp.code, grp.message),
        )
        self.ready = True
        return self.groups

    def codes(self) -> list[str]:
        return sorted({g.code for g in self.groups})

    def error_of_file_row(self, file_index: int, local: int) -> RowError:
        """The exact error of one row (fields included), without needing ``compute``."""
        return self._files[file_index].row_error(local)
