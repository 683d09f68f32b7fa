"""Where a run stands after its retries: how many of its failed rows a later retry loaded, per source file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sfloader_gui.core.review.resultsfile import Kind
from sfloader_gui.core.review.retry import Outcome, RetryOutcomes
from sfloader_gui.core.review.session import ReviewSession


@dataclass(frozen=True)
class RunStanding:
    run_dir: Path
    rows: int  # failed and unprocessed rows of the run
    fixed: int  # of those, rows whose latest retry succeeded
    fixed_by_source: dict[str, int] = field(default_factory=dict)  # source file name -> rows fixed
    fixed_unprocessed: int = 0  # of ``fixed``, rows the run had left unprocessed (the rest had failed)

    @property
    def left(self) -> int:
        return self.rows - self.fixed


def standing(run_dir: Path) -> RunStanding:
    """Read the run's failed rows and every retry of it (seconds for a million rows: off the UI thread)."""
    session = ReviewSession(run_dir)
    try:
        outcomes = RetryOutcomes(session)
        fixed: Counter[str] = Counter()
        unprocessed = 0
        for _row, info, _values in session.iter_bundles(range(session.row_count)):
            found = outcomes.outcome(info.external_id)
            if found is not None and found[0] is Outcome.SUCCEEDED:
                fixed[info.source] += 1
                unprocessed += info.kind is Kind.UNPROCESSED
        return RunStanding(run_dir, session.row_count, sum(fixed.values()), dict(fixed), unprocessed)
    finally:
        session.close()
