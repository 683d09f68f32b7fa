"""The org's persistent data: one SQLite table per object, plus id sequences and the job registry."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sfloader_gui.emulator import ids
from sfloader_gui.emulator.schema import OBJECTS, Field, SObject

_SQL_TYPES = {"currency": "REAL", "double": "REAL", "percent": "REAL", "int": "INTEGER", "boolean": "INTEGER"}
# SQLite's default limit on bound variables is far above this; chunks keep statements reasonable.
_IN_CHUNK = 900


def _create_private(path: Path) -> None:
    """The org's data may be the user's real records: the database is 0600 from the start (POSIX), and
    SQLite gives its -wal and -shm files the same mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if os.name == "posix":
            with contextlib.suppress(OSError):  # another user's file: leave it, SQLite still opens it
                path.chmod(0o600)


def sql_type(f: Field) -> str:
    return _SQL_TYPES.get(f.type, "TEXT")


def quote(name: str) -> str:
    return '"' + name + '"'


class Store:
    """Thread-safe access to the org database; every write is one transaction under one lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = path
        self.lock = threading.RLock()
        _create_private(path)
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # A local stand-in org: losing the last transactions on an OS crash is fine, speed matters more.
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-65536")
        self.db.execute("PRAGMA temp_store=MEMORY")
        self._create()
        self.sequences = {
            o.key_prefix: ids.IdSequence(o.key_prefix, self.last_serial(o.key_prefix))
            for o in OBJECTS.values()
        }
        # One writer per object at a time: key lookup and insert must not interleave between parallel jobs,
        # or two jobs could both create a record for the same new external id.
        self.object_locks = {o.name: threading.Lock() for o in OBJECTS.values()}

    def _create(self) -> None:
        with self.lock:
            for obj in OBJECTS.values():
                cols = ", ".join(
                    f"{quote(f.name)} {sql_type(f)}" + (" PRIMARY KEY" if f.name == "Id" else "")
                    for f in obj.fields
                )
                self.db.execute(f"CREATE TABLE IF NOT EXISTS {quote(obj.name)} ({cols})")
                for f in obj.fields:
                    # only what upserts and relationship columns look up: more indexes slow every insert
                    if not f.external_id:
                        continue
                    # a key that folds case is only ever looked up case-insensitively
                    name, collate = (
                        (f"_{f.name}_nocase", " COLLATE NOCASE") if f.folds_case else (f"_{f.name}", "")
                    )
                    self.db.execute(
                        f"CREATE INDEX IF NOT EXISTS {quote('ix_' + obj.name + name)} "
                        f"ON {quote(obj.name)} ({quote(f.name)}{collate})"
                    )
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS emulator_jobs (id TEXT PRIMARY KEY, info TEXT NOT NULL)"
            )
            self.db.execute("CREATE TABLE IF NOT EXISTS emulator_seq (prefix TEXT PRIMARY KEY, last INTEGER)")

    def last_serial(self, prefix: str) -> int:
        with self.lock:
            row = self.db.execute("SELECT last FROM emulator_seq WHERE prefix = ?", (prefix,)).fetchone()
        return int(row[0]) if row else 0

    def save_serial(self, prefix: str, last: int) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO emulator_seq(prefix, last) VALUES (?, ?) "
                "ON CONFLICT(prefix) DO UPDATE SET last = max(last, excluded.last)",
                (prefix, last),
            )

    def new_ids(self, obj: SObject, n: int) -> list[str]:
        """Take n fresh ids; the caller persists the sequence inside its write transaction."""
        return self.sequences[obj.key_prefix].take(n)

    def _save_sequence(self, obj: SObject) -> None:
        self.save_serial(obj.key_prefix, self.sequences[obj.key_prefix].last)

    def lookup(self, obj: SObject, field: str, values: Iterable[str]) -> dict[str, list[str]]:
        """Ids of the records whose `field` equals each value given (keyed by the value as given).

        A unique field that treats ABC and abc as duplicates matches case-insensitively (ASCII letters,
        as SQLite's NOCASE folds); every other field matches exactly.
        """
        meta = obj.field(field)
        fold = meta is not None and meta.folds_case
        wanted = list(set(values))
        found: dict[str, list[str]] = {}
        col = quote(field)
        where = f"{col} COLLATE NOCASE" if fold else col
        with self.lock:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT {col}, Id FROM {quote(obj.name)} WHERE {where} IN ({marks})"
                for value, rec_id in self.db.execute(sql, chunk):
                    found.setdefault(value.lower() if fold else value, []).append(rec_id)
        if not fold or not found:
            return found
        return {v: found[v.lower()] for v in wanted if v.lower() in found}

    def existing(self, obj: SObject, record_ids: Iterable[str]) -> set[str]:
        return set(self.lookup(obj, "Id", record_ids))

    def write(
        self,
        obj: SObject,
        insert_cols: Sequence[str],
        inserts: Sequence[Sequence[Any]],
        update_cols: Sequence[str],
        updates: Sequence[Sequence[Any]],
        nulls: Sequence[tuple[str, str]],
        deletes: Sequence[str] = (),
    ) -> None:
        """One transaction: inserts, updates (None = leave unchanged), (Id, field) pairs set to null."""
        table = quote(obj.name)
        with self.lock:
            self.db.execute("BEGIN")
            try:
                if inserts:
                    cols = ",".join(quote(c) for c in insert_cols)
                    marks = ",".join("?" * len(insert_cols))
                    self.db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", inserts)
                    self._save_sequence(obj)
                if updates:
                    sets = ",".join(f"{quote(c)} = COALESCE(?, {quote(c)})" for c in update_cols)
                    self.db.executemany(f"UPDATE {table} SET {sets} WHERE Id = ?", updates)
                for rec_id, col in nulls:
                    self.db.execute(f"UPDATE {table} SET {quote(col)} = NULL WHERE Id = ?", (rec_id,))
                if deletes:
                    self.db.executemany(f"DELETE FROM {table} WHERE Id = ?", [(d,) for d in deletes])
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def select(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return list(self.db.execute(sql, params))

    # --- the job registry (so a restarted demo org still knows its jobs) ---

    def save_job(self, job_id: str, info: dict[str, Any]) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO emulator_jobs(id, info) VALUES (?, ?) "
                "ON CONFLICT(id) DO UPDATE SET info = excluded.info",
                (job_id, json.dumps(info)),
            )

    def drop_job(self, job_id: str) -> None:
        with self.lock:
            self.db.execute("DELETE FROM emulator_jobs WHERE id = ?", (job_id,))

    def load_jobs(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(r[0]) for r in self.db.execute("SELECT info FROM emulator_jobs")]

    def close(self) -> None:
        with self.lock:
            self.db.close()
