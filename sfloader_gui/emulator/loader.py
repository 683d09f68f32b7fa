"""Row-level truth: validate and apply batches of rows (10,000 by default) for a planned job.

Salesforce runs a job's records in transactions of 200 (Bulk API limits page): a key repeated inside one
transaction fails every row that has it (DUPLICATE_VALUE), while a key repeated in a later transaction
simply updates the record the earlier one wrote. `transaction_runs` splits a batch at those boundaries
only when a key does repeat across them, so the usual batch stays one SQLite transaction.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sfloader_gui.emulator import values as V
from sfloader_gui.emulator.header import Plan, compile_converter
from sfloader_gui.emulator.results import compile_results, numeric_columns
from sfloader_gui.emulator.schema import OBJECTS
from sfloader_gui.emulator.store import Store
from sfloader_gui.emulator.values import NULL, escape

CHUNK = 200  # records per Salesforce transaction


def _unique_columns(plan: Plan) -> list[tuple[int, bool]]:
    """(CSV column, folds case) of the values that must not repeat inside one transaction."""
    if plan.operation == "insert":
        return [(c.index, c.field.folds_case) for c in plan.columns if c.field.unique and c.parent is None]
    if plan.key_index is not None and plan.key_field is not None:
        return [(plan.key_index, plan.key_field.folds_case)]
    return []


def transaction_runs(
    plan: Plan, rows: Sequence[Sequence[str]], first: int
) -> list[tuple[Sequence[Sequence[str]], int]]:
    """The batch as (rows, index of its first record in the job) runs: one run unless some key appears in
    two different 200-record transactions, then one run per transaction so the later sees the earlier."""
    for index, fold in _unique_columns(plan):
        keys = [row[index] if len(row) > index else "" for row in rows]
        if fold:
            keys = [k.lower() for k in keys]
        if len(set(keys)) == len(keys):
            continue  # the usual case: nothing repeats at all
        chunk_of: dict[str, int] = {}
        for r, k in enumerate(keys):
            if k and chunk_of.setdefault(k, (first + r) // CHUNK) != (first + r) // CHUNK:
                cuts = sorted({0, len(rows)} | set(range(CHUNK - first % CHUNK, len(rows), CHUNK)))
                return [(rows[a:b], first + a) for a, b in itertools.pairwise(cuts)]
    return [(rows, first)]


@dataclass
class BatchResult:
    success: list[str]
    failed: list[str]
    n_failed: int


class Batch:
    """One batch of rows through validation, key resolution and a single write transaction."""

    def __init__(
        self, store: Store, plan: Plan, rows: Sequence[Sequence[str]], now: str, first: int = 0
    ) -> None:
        self.store, self.plan, self.rows, self.now = store, plan, rows, now
        self.first = first  # index of the first row among the job's records (transaction boundaries)
        self.errors: list[str | None] = [None] * len(rows)
        self.vals: list[list[Any]] = []
        self.target: list[str | None] = [None] * len(rows)  # existing record id (update) or None (insert)

    def fail(self, r: int, err: str) -> None:
        if self.errors[r] is None:
            self.errors[r] = err

    def run(self) -> BatchResult:
        self._convert()
        if self.plan.operation in ("delete", "hardDelete"):
            with self.store.object_locks[self.plan.obj.name]:
                return self._delete()
        self._resolve_parents()
        with self.store.object_locks[self.plan.obj.name]:
            self._resolve_keys()
            created = self._write()
        return self._results(created)

    def _convert(self) -> None:
        if self.plan.converter is None:
            self.plan.converter = compile_converter(self.plan)
        self.vals = self.plan.converter(self.rows, self.errors)

    def _check_reference_ids(self, pos: int) -> None:
        """A lookup given as an id must point at a record that exists."""
        given = {
            v[pos] for r, v in enumerate(self.vals) if self.errors[r] is None and isinstance(v[pos], str)
        }
        if not given:
            return
        live: set[str] = set()
        for obj in OBJECTS.values():
            mine = [i for i in given if i[:3] == obj.key_prefix]
            if mine:
                live |= self.store.existing(obj, mine)
        for r, v in enumerate(self.vals):
            if self.errors[r] is None and isinstance(v[pos], str) and v[pos] not in live:
                self.fail(r, "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--")

    def _resolve_parents(self) -> None:
        for pos, col in enumerate(self.plan.columns):
            if col.parent is None and col.field.type == "reference":
                self._check_reference_ids(pos)
            if col.parent is None or col.parent_field is None:
                continue
            wanted = {
                vals[pos]
                for r, vals in enumerate(self.vals)
                if self.errors[r] is None and isinstance(vals[pos], str)
            }
            found = self.store.lookup(col.parent, col.parent_field.name, wanted) if wanted else {}
            for r, vals in enumerate(self.vals):
                key = vals[pos] if self.errors[r] is None else None
                if not isinstance(key, str):
                    continue
                hits = found.get(key, [])
                if len(hits) == 1:
                    vals[pos] = hits[0]
                elif not hits:
                    self.fail(
                        r,
                        f"INVALID_FIELD:Foreign key external ID: {escape(key)} not found for field "
                        f"{col.parent_field.name} in entity {col.parent.name}:--",
                    )
                else:
                    found_ids = ", ".join(sorted(hits))
                    self.fail(
                        r,
                        f"DUPLICATE_EXTERNAL_ID:{col.parent_field.label}: more than one record found for "
                        f"external id field: [{found_ids}]:{col.field.name} --",
                    )

    def _keys(self) -> list[str]:
        ki = self.plan.key_index
        return [row[ki] if ki is not None and len(row) > ki else "" for row in self.rows]

    def _chunk(self, r: int) -> int:
        return (self.first + r) // CHUNK

    def _resolve_keys(self) -> None:
        plan, keys = self.plan, self._keys()
        if plan.operation == "insert":
            self._check_unique_on_insert()
            return
        kf = plan.key_field
        assert kf is not None
        by_id = kf.name == "Id"
        folded = [k.lower() for k in keys] if kf.folds_case else keys
        valid = [k for k, e in zip(folded, self.errors, strict=True) if e is None]
        live = set(valid)
        # the usual batch: every valid row has a key of its own, repeated in no transaction of the job
        if "" in live or len(live) != len(valid) or plan.chunk_dups:
            dups = plan.chunk_dups
            for r, k in enumerate(keys):
                if not k and not (by_id and plan.operation == "upsert"):
                    self.fail(r, f"MISSING_ARGUMENT:{kf.name} not specified:--")
                elif k and (self._chunk(r), folded[r]) in dups:
                    self.fail(r, f"DUPLICATE_VALUE:Duplicate external id specified: {escape(k)}:{kf.name} --")
            live = {k for r, k in enumerate(keys) if k and self.errors[r] is None}
        elif kf.folds_case:
            live = {k for k, e in zip(keys, self.errors, strict=True) if e is None}  # as given, not folded
        if by_id:
            norm = {k: V.ids.normalize(k) for k in live if V.ids.is_valid_id(k, plan.obj.key_prefix)}
            found = {k: [n] for k, n in norm.items() if n in self.store.existing(plan.obj, norm.values())}
        else:
            found = self.store.lookup(plan.obj, kf.name, live) if live else {}
        if not found and not by_id:
            return  # none of the keys exists yet: every row inserts
        for r, k in enumerate(keys):
            if self.errors[r] is not None or not k:
                continue
            hits = found.get(k, [])
            if len(hits) == 1:
                self.target[r] = hits[0]
            elif len(hits) > 1:
                self.fail(
                    r,
                    f"DUPLICATE_EXTERNAL_ID:{kf.label}: more than one record found for external id field: "
                    f"[{', '.join(sorted(hits))}]:{kf.name} --",
                )
            elif by_id:
                self.fail(r, "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--")

    def _check_unique_on_insert(self) -> None:
        for pos, col in enumerate(self.plan.columns):
            if not col.field.unique or col.parent is not None:
                continue
            fold = col.field.folds_case
            given = {
                r: v[pos]
                for r, v in enumerate(self.vals)
                if self.errors[r] is None and isinstance(v[pos], str)
            }
            seen = Counter((self._chunk(r), k.lower() if fold else k) for r, k in given.items())
            stored = self.store.lookup(self.plan.obj, col.field.name, set(given.values()))
            for r, key in given.items():
                if key in stored:
                    self.fail(
                        r,
                        f"DUPLICATE_VALUE:duplicate value found: {col.field.name} duplicates value on "
                        f"record with id: {stored[key][0]}:--",
                    )
                elif seen[self._chunk(r), key.lower() if fold else key] > 1:
                    self.fail(
                        r,
                        f"DUPLICATE_VALUE:Duplicate external id specified: {escape(key)}:{col.field.name} --",
                    )

    def _required_missing(self, vals: list[Any], insert: bool) -> str | None:
        plan = self.plan
        if insert:
            missing = [
                *plan.required_absent,
                *(n for p, n in plan.required_pos if vals[p] is None or vals[p] is NULL),
            ]
        else:
            missing = [n for p, n in plan.required_pos if vals[p] is NULL]
        if not missing:
            return None
        # Salesforce lists them in field order
        order = {f.name: i for i, f in enumerate(plan.obj.fields)}
        missing.sort(key=order.__getitem__)
        names = ", ".join(missing)
        return f"REQUIRED_FIELD_MISSING:Required fields are missing: [{names}]:{' '.join(missing)} --"

    def _write(self) -> list[bool]:
        plan, obj = self.plan, self.plan.obj
        if plan.operation == "update":
            for r in range(len(self.rows)):
                if self.target[r] is None:
                    self.fail(r, "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--")
        names = [c.field.name for c in plan.columns]
        inserts_idx: list[int] = []
        updates: list[list[Any]] = []
        nulls: list[tuple[str, str]] = []
        required = [p for p, _ in plan.required_pos]
        for r, vals in enumerate(self.vals):
            if self.errors[r] is not None:
                continue
            insert = self.target[r] is None
            # cheap test first; the full message is built only for rows that really miss something
            suspect = bool(plan.required_absent) and insert
            for p in required:
                if vals[p] is NULL or (insert and vals[p] is None):
                    suspect = True
            err = self._required_missing(vals, insert) if suspect else None
            if err:
                self.fail(r, err)
            elif insert:
                inserts_idx.append(r)
            else:
                tid = self.target[r]
                assert tid is not None
                row = [None if v is NULL else v for v in vals]
                nulls.extend((tid, names[p]) for p, v in enumerate(vals) if v is NULL)
                updates.append([*row, self.now, self.now, tid])
        new_ids = self.store.new_ids(obj, len(inserts_idx))
        inserts = []
        stamps = [0, self.now, self.now, self.now]
        for rid, r in zip(new_ids, inserts_idx, strict=True):
            self.target[r] = rid
            vals = self.vals[r]
            if "#N/A" in self.rows[r]:  # only such rows hold NULL markers (a C-speed scan of the raw row)
                vals = [None if v is NULL else v for v in vals]
            inserts.append([rid, *stamps, *vals])
        self.store.write(
            obj,
            ["Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp", *names],
            inserts,
            [*names, "LastModifiedDate", "SystemModstamp"],
            updates,
            nulls,
        )
        created = [False] * len(self.rows)
        for r in inserts_idx:
            created[r] = True
        return created

    def _delete(self) -> BatchResult:
        plan, keys = self.plan, self._keys()
        norm = {k: V.ids.normalize(k) for k in keys if k and V.ids.is_valid_id(k, plan.obj.key_prefix)}
        live = self.store.existing(plan.obj, norm.values())
        doomed = []
        for r, k in enumerate(keys):
            if self.errors[r] is None:
                if k in norm and norm[k] in live:
                    self.target[r] = norm[k]
                    doomed.append(norm[k])
                elif k in norm:
                    self.fail(r, "ENTITY_IS_DELETED:entity is deleted:--")
                else:
                    self.fail(
                        r, f"MALFORMED_ID:bad id {k}:--" if k else "MISSING_ARGUMENT:Id not specified:--"
                    )
        self.store.write(plan.obj, [], [], [], [], [], deletes=doomed)
        return self._results([False] * len(self.rows))

    def _results(self, created: list[bool]) -> BatchResult:
        plan = self.plan
        if plan.results is None:
            plan.results = compile_results(len(plan.header), numeric_columns(plan.columns), plan.sep)
        success, failed = plan.results(self.rows, self.vals, self.errors, self.target, created)
        return BatchResult(success, failed, len(failed))
