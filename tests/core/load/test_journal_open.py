"""Regression: a new journal opened by several threads at once opens in each (SQLite does not wait on a
change of journal mode; 22 of 800 such opens failed with "database is locked" before the retry)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sfloader_gui.core.load.journal import Journal


def test_a_new_journal_opened_by_four_threads_at_once_opens_in_every_one(tmp_path: Path) -> None:
    errors: list[str] = []
    opened = 0
    lock = threading.Lock()
    for round_ in range(100):
        path = tmp_path / f"journal{round_}.sqlite3"
        start = threading.Barrier(4)

        def open_it(path: Path = path, start: threading.Barrier = start) -> None:
            nonlocal opened
            start.wait()
            try:
                Journal(path).close()
            except sqlite3.Error as exc:
                with lock:
                    errors.append(str(exc))
            else:
                with lock:
                    opened += 1

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert opened == 400
