"""Pre-flight: check each planned file's header and first rows against the object's describe.

Errors block the file (nothing is sent for it); warnings are shown and the file still loads. The
findings are also added to each ``FilePlan.findings`` (replacing those of an earlier pre-flight), so
``FilePlan.blocked`` reflects them.

API::

    class FieldLike(Protocol):          # core/salesforce/shapes; describe.FieldInfo satisfies it
        name: str; label: str; type: str; length: int
        createable: bool; updateable: bool; nillable: bool
        external_id: bool; id_lookup: bool
        reference_to: Sequence[str]; relationship_name: str | None
        picklist_values: Sequence[str]
    class DescribeLike(Protocol):       # core/salesforce/shapes; describe.ObjectDescribe satisfies it
        name: str
        fields: Sequence[FieldLike]

    preflight(plan, describe, parents=None, *, sample_rows=SAMPLE_ROWS, mappings=None) -> list[Finding]
        # parents: name -> DescribeLike (e.g. describe.Describer) to check relationship columns'
        # parent fields; without it those columns are checked on this object only.
        # mappings: path -> Mapping chosen by the user (else plan.options.mapping: "auto" or an .sdl)

Required fields and the key: a required field (for insert) that no column is sent to is an error
(``required_missing``) unless ``options.allow_missing_required`` (every row updates an existing record:
then a warning); the External ID field must be among the columns sent (``external_id_not_mapped``). A
mapping that sends a column to the External ID field replaces the plan's ``no_external_id_column``
(the column is found by its mapping, not its header), and that column's keys are checked for repeats.

Mapping and conversion (core/mapping): each file's columns are mapped (auto-mapping, an .sdl, or the
user's), and when the mapping is not the file's own header, the file is not UTF-8 or a workbook, or its
first rows hold values not in Salesforce's form, the whole file is read once (``mapping.transform``):
every value that cannot be sent is a blocking finding, and ``FilePlan.transform`` says how it is sent.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from sfloader_gui.core.csvio.casekeys import CaseKeys
from sfloader_gui.core.csvio.dupes import KeyIndex, iter_keys
from sfloader_gui.core.csvio.findings import ERROR, MAX_LISTED, WARNING, Finding, Severity, describe_records
from sfloader_gui.core.csvio.keycheck import duplicate_findings
from sfloader_gui.core.csvio.sample import first_records
from sfloader_gui.core.csvio.values import value_problem
from sfloader_gui.core.load.plan import FilePlan, LoadPlan
from sfloader_gui.core.mapping.auto import auto_map
from sfloader_gui.core.mapping.columns import Choices, ColumnCheck, kind_of
from sfloader_gui.core.mapping.model import Mapping
from sfloader_gui.core.mapping.sdl import SdlError, apply_sdl, read_sdl
from sfloader_gui.core.mapping.source import CsvSource, RowSource
from sfloader_gui.core.mapping.transform import FileTransform, already_plain, analyze
from sfloader_gui.core.mapping.zones import computer_zone
from sfloader_gui.core.models import LoadOptions
from sfloader_gui.core.salesforce.errors import NotFoundError
from sfloader_gui.core.salesforce.shapes import DescribeLike, FieldLike

SAMPLE_ROWS = 1000
# Not nillable, but Salesforce fills them in when a record is created.
_DEFAULTED = {"ownerid", "createdbyid", "lastmodifiedbyid", "createddate", "lastmodifieddate", "id"}
PREFLIGHT_CODES = frozenset(
    {
        "unknown_column",
        "read_only_column",
        "create_only_column",
        "update_only_column",
        "not_an_external_id",
        "unknown_external_id_field",
        "unknown_relationship",
        "parent_not_external_id",
        "required_missing",
        "external_id_not_mapped",
        "type_mismatch",
        "unmapped_column",
        "mapping_note",
        "bad_mapping",
        "bad_value",
        "ambiguous_date",
        "ambiguous_number",
        "unknown_picklist_value",
        "scientific_external_id",
        "leading_zeros_lost",
        "duplicate_external_id_case",
    }
)


Parents = Callable[[str], DescribeLike]
# Plan findings about the key column that the file's mapping decides again (the plan reads the header,
# the mapping may send another column to the External ID field).
_KEY_BY_MAPPING = frozenset({"no_external_id_column"})
# Errors the mapping view resolves: the file's values are still read (previewed, checked) meanwhile.
_USER_DECIDES = frozenset({"unknown_column", "required_missing", "external_id_not_mapped"})
_KEY_CODES = frozenset({"no_external_id_column", "duplicate_external_id", "blank_external_id"})


def preflight(
    plan: LoadPlan,
    describe: DescribeLike,
    parents: Parents | None = None,
    *,
    sample_rows: int = SAMPLE_ROWS,
    mappings: dict[Path, Mapping] | None = None,
) -> list[Finding]:
    """Check every file that planned cleanly; return the findings (also stored on each FilePlan)."""
    out: list[Finding] = []
    for fp in plan.files:
        fp.findings = [f for f in fp.findings if f.code not in PREFLIGHT_CODES]
        if fp.key_by_mapping:  # an earlier pre-flight checked the mapped key column: checked again below
            fp.findings = [f for f in fp.findings if f.code not in _KEY_CODES]
        if fp.dialect is None or any(f.blocking and f.code not in _KEY_BY_MAPPING for f in fp.findings):
            continue
        given = (mappings or {}).get(fp.path)
        found = _check_file(fp, describe, parents, plan.options, sample_rows, given)
        fp.findings.extend(found)
        out.extend(found)
    return out


def file_mapping(
    fp: FilePlan, describe: DescribeLike, parents: Parents | None, options: LoadOptions
) -> tuple[Mapping, list[str]]:
    """The mapping ``options.mapping`` gives this file ("auto", or an .sdl path) and notes about it."""
    assert fp.dialect is not None
    header = fp.dialect.header
    if options.mapping and options.mapping != "auto":
        entries = read_sdl(options.mapping)
        return apply_sdl(header, entries)
    return auto_map(header, describe, parents), []


def skipping(mapping: Mapping, columns: Sequence[str]) -> Mapping:
    """``mapping`` with ``columns`` (names in any case) not sent: sfloader's --skip-column."""
    wanted = {c.strip().casefold() for c in columns}
    for cm in mapping.columns:
        if cm.column.strip().casefold() in wanted:
            mapping = mapping.with_target(cm.column, None)
    return mapping


def _check_file(
    fp: FilePlan,
    describe: DescribeLike,
    parents: Parents | None,
    options: LoadOptions,
    sample_rows: int,
    given: Mapping | None,
) -> list[Finding]:
    assert fp.dialect is not None
    key_field = options.external_id_field
    checker = _Checker(fp, describe, parents, key_field)
    try:
        mapping, notes = (given, []) if given is not None else file_mapping(fp, describe, parents, options)
    except SdlError as exc:
        checker.add(ERROR, "bad_mapping", str(exc))
        return checker.out
    mapping = skipping(mapping, options.skip_columns)
    fp.mapping = mapping
    for note in notes:
        checker.add(WARNING, "mapping_note", note)
    for position, cm in enumerate(mapping.columns, start=1):
        if cm.decided:
            continue
        named = [_named(checker.by_name.get(s.lower()), s) for s in cm.suggestions]
        hint = f" Did you mean {' or '.join(named)}?" if named else ""
        checker.add(
            ERROR,
            "unknown_column",
            f"column {position} {cm.column!r} is not a field of {describe.name} (by API name or label)."
            f"{hint} "
            "Map it to a field or leave it out (in the app's mapping view; with sfloader, "
            f"--skip-column {shlex.quote(cm.column)} leaves it out, a Data Loader .sdl given to --mapping "
            "maps it — `sfloader mapping FILE --object O --out X.sdl` writes one to edit).",
        )
    header = mapping.sent_header
    checker.header = header
    checker.key_field()
    for position, column in enumerate(header, start=1):
        checker.column(position, column)
    checker.required(options.allow_missing_required)
    _key_by_mapping(fp, mapping, checker, key_field)
    fields = [checker.field_of(c) for c in header]
    key = checker.by_name.get(key_field.lower())
    rows_source = fp.transform is not None and isinstance(fp.transform.source, RowSource)
    case_keys: CaseKeys | None = None
    if key is not None and folds_case(key) and fp.key_column is not None and not rows_source:
        # A workbook's or UTF-16 file's keys are compared on its rows by ``analyze`` (not its bytes).
        # A CSV's: a pass over its keys, which a mapped file's whole-file check below makes anyway (then
        # it feeds them: one pass, not two); the findings keep their place.
        case_keys = CaseKeys(fp.path, fp.dialect, fp.key_column, key.name, MAX_LISTED)
    case_at = len(checker.out)

    def done(fed: bool = False) -> list[Finding]:
        if case_keys is not None:
            if not fed:
                assert fp.dialect is not None and fp.key_column is not None
                for keys in iter_keys(fp.path, fp.dialect, fp.key_column):
                    case_keys.add(keys)
            checker.out[case_at:case_at] = case_keys.findings()
        return checker.out

    if any(f.severity == ERROR and f.code not in _USER_DECIDES for f in checker.out):
        return done()
    if mapping.undecided:
        # Still read the values of the columns that are placed (the mapping view previews them, and
        # their problems show now rather than after the last column is decided).
        mapping = Mapping(tuple(c if c.decided else replace(c, how="ignored") for c in mapping.columns))
        given = mapping
    # No --time-zone: the computer's, by name when known, so the manifest says which (a retry elsewhere).
    zone = options.time_zone or computer_zone()
    choices = Choices(options.date_format, zone, options.decimal_separator)
    if (
        given is None
        and mapping.is_identity
        and fp.transform is None
        and not _sample_converts(fp, fields, choices, sample_rows)
    ):
        checker.out.extend(type_findings(fp, fields, sample_rows))  # sent byte for byte, as before
        return done()
    source = fp.transform.source if fp.transform is not None else CsvSource(fp.path, fp.dialect)
    by_name = {f.name.lower(): f for f in describe.fields}
    feed = None if case_keys is None or fp.key_column is None else (fp.key_column, case_keys.add)
    if (
        isinstance(source, CsvSource)
        and fp.transform is None
        and len(FileTransform(mapping, {}, source, fp.dialect.terminator, choices).header_bytes)
        <= len(fp.dialect.header_bytes)  # the parts the scan cut still fit
        and (warnings := already_plain(source, mapping, by_name, key_field, keys_to=feed)) is not None
    ):
        # Labels over values already in Salesforce's form: the file goes byte for byte under the
        # API-name header (checked over the whole file with bytes operations, no CSV parsing).
        fp.transform = FileTransform(mapping, {}, source, fp.dialect.terminator, choices, notes=notes)
        checker.out.extend(warnings)
        return done(fed=case_keys is not None)
    if feed is not None:  # the check stopped early: the keys it fed were not all of them
        assert case_keys is not None and fp.key_column is not None
        case_keys = CaseKeys(fp.path, fp.dialect, fp.key_column, case_keys.key_field, MAX_LISTED)
        feed = (fp.key_column, case_keys.add)  # the whole-file read below feeds them instead
    if not source.by_bytes:
        # A workbook or UTF-16 file: the plan's read already reported repeated and blank keys, and this
        # whole-file read reports them again (with the mapping's key column): keep one of each.
        fp.findings = [f for f in fp.findings if f.code not in _KEY_CODES]
    transform, found, parts, records = analyze(
        fp.path, source, mapping, by_name, choices, key_field, options.part_size_bytes, fp.dialect.terminator,
        keys_to=feed if isinstance(source, CsvSource) else None,
    )  # fmt: skip
    transform.notes = notes
    fp.transform, fp.parts, fp.records = transform, parts, records
    checker.out.extend(found)
    return done(fed=feed is not None and isinstance(source, CsvSource))


def _key_by_mapping(fp: FilePlan, mapping: Mapping, checker: _Checker, key_field: str) -> None:
    """The External ID must be sent: found by the mapping (which may name another column than the
    header check found), else a blocking finding. A key column only the mapping found is checked for
    repeated and blank keys here (the plan's scan did not know it)."""
    assert fp.dialect is not None
    planned_without_key = fp.key_by_mapping or any(f.code == "no_external_id_column" for f in fp.findings)
    fp.findings = [f for f in fp.findings if f.code not in _KEY_BY_MAPPING]
    if checker.by_name.get(key_field.lower()) is None:
        return  # unknown_external_id_field says it already
    key = key_field.lower()
    position = next(
        (i for i, c in enumerate(mapping.columns) if c.sent and (c.target or "").lower() == key), None
    )
    if position is None:
        source = [c.column for c in mapping.columns if c.column.strip().lower() == key_field.lower()]
        why = (
            f"the column {source[0]!r} is not sent" if source
            else "no column of the file is mapped to it"
        )  # fmt: skip
        checker.add(
            ERROR,
            "external_id_not_mapped",
            f"the External ID field {key_field} is not mapped: {why}. Every row needs its key to be "
            "matched: map the column holding it to that field, or choose the External ID field the "
            "file has.",
        )
        return
    if fp.key_column == position and not planned_without_key:
        return
    fp.findings = [f for f in fp.findings if f.code not in _KEY_CODES]
    fp.key_column, fp.key_by_mapping = position, True
    if fp.transform is None or isinstance(fp.transform.source, CsvSource):
        checker.out.extend(_key_repeats(fp, position, key_field))


def _key_repeats(fp: FilePlan, position: int, key_field: str) -> list[Finding]:
    """Repeated and blank keys of a CSV file's key column (rows sources are checked by ``analyze``)."""
    dialect = fp.dialect
    assert dialect is not None
    index = KeyIndex(lambda n: iter_keys(fp.path, dialect, position, n))
    blanks: list[int] = []
    record = 0
    for keys in iter_keys(fp.path, dialect, position):
        if len(blanks) < MAX_LISTED:
            blanks.extend(record + n for n, k in enumerate(keys, start=1) if not k.strip())
        index.add([k for k in keys if k.strip()])
        record += len(keys)
    out = duplicate_findings(fp.path, dialect, position, index, key_field, MAX_LISTED)
    if blanks:
        column = dialect.header[position]
        out.append(
            Finding(
                ERROR, fp.path, "blank_external_id",
                f"{fp.path.name}: {describe_records(blanks[:MAX_LISTED])} have no External ID in column "
                f"{column!r}; every row needs one to be matched.", blanks[:MAX_LISTED],
            )
        )  # fmt: skip
    return out


def folds_case(f: FieldLike) -> bool:
    """Salesforce matches a key case-insensitively only on a unique field that treats ABC and abc as
    duplicates (describe: caseSensitive false); other External IDs match exactly (Apex upsert docs)."""
    return bool(getattr(f, "unique", False)) and not getattr(f, "case_sensitive", True)


def _sample_converts(
    fp: FilePlan, fields: list[FieldLike | None], choices: Choices, sample_rows: int
) -> bool:
    """Do the first rows hold values not in Salesforce's form (dates, amounts, Yes/No, labels)?"""
    assert fp.dialect is not None
    checks = {}
    for i, f in enumerate(fields):
        kind = None if f is None else kind_of(f.type)
        if f is not None and kind is not None and kind != "picklist":
            checks[i] = ColumnCheck(f.name, f.name, kind, choices)
    if not checks:
        return False
    for number, row in enumerate(first_records(fp.path, fp.dialect, sample_rows), start=1):
        for i, check in checks.items():
            if i < len(row):
                check.see(row[i], number)
    return any(c.changes for c in checks.values())


class _Checker:
    def __init__(self, fp: FilePlan, describe: DescribeLike, parents: Parents | None, key: str) -> None:
        self.fp, self.describe, self.parents, self.key = fp, describe, parents, key
        self.by_name = {f.name.lower(): f for f in describe.fields}
        self.by_rel = {(f.relationship_name or "").lower(): f for f in describe.fields if f.relationship_name}
        self.out: list[Finding] = []
        self.obj = describe.name
        assert fp.dialect is not None
        self.header: list[str] = fp.dialect.header

    def add(self, severity: Severity, code: str, text: str) -> None:
        self.out.append(Finding(severity, self.fp.path, code, f"{self.fp.path.name}: {text}"))

    def field_of(self, column: str) -> FieldLike | None:
        return None if "." in column else self.by_name.get(column.lower())

    def key_field(self) -> None:
        f = self.by_name.get(self.key.lower())
        if f is None:
            self.add(
                ERROR,
                "unknown_external_id_field",
                f"{self.obj} has no field {self.key!r}. {self._keys_hint()}",
            )
        elif not (f.external_id or f.id_lookup):
            self.add(
                ERROR,
                "not_an_external_id",
                f"{f.name} is not an External ID field of {self.obj}, so an upsert cannot match "
                f"records on it. {self._keys_hint()}",
            )

    def _keys_hint(self) -> str:
        keys = [f.name for f in self.describe.fields if f.external_id or f.id_lookup]
        return f"Choose one of: {', '.join(keys[:10])}." if keys else ""

    def column(self, position: int, column: str) -> None:
        if "." in column:
            self.relationship(position, column)
            return
        f = self.by_name.get(column.lower())
        if f is None:
            self.add(
                ERROR,
                "unknown_column",
                f"column {position} {column!r} is not a field of {self.obj}.{self._near(column)}",
            )
            return
        if f.name.lower() == self.key.lower() and f.id_lookup and not f.createable:
            return  # matching on Id (or another lookup-only key): the column is the key, not a value
        if not f.createable and not f.updateable:
            self.add(
                ERROR,
                "read_only_column",
                f"column {column!r} cannot be loaded: {self.obj}.{f.name} is read-only (a formula, "
                "roll-up or system field). Remove the column.",
            )
        elif not f.updateable:
            self.add(
                WARNING,
                "create_only_column",
                f"{self.obj}.{f.name} can be set only when a record is created: rows that update "
                "an existing record will fail if this column has a value.",
            )
        elif not f.createable:
            self.add(
                WARNING,
                "update_only_column",
                f"{self.obj}.{f.name} can only be updated: rows that create a new record will fail "
                "if this column has a value.",
            )

    def _near(self, column: str) -> str:
        close = difflib.get_close_matches(column.lower(), list(self.by_name), n=3, cutoff=0.7)
        names = [_named(self.by_name[c], c) for c in close]
        return f" Did you mean {' or '.join(names)}?" if names else " Remove or rename the column."

    def relationship(self, position: int, column: str) -> None:
        rel_part, _, parent_field = column.rpartition(".")
        names = rel_part.split(":")  # "Type:Relationship" for polymorphic lookups
        lookup = self._lookup_of(column)
        if lookup is None:
            self.add(
                ERROR,
                "unknown_relationship",
                f"column {position} {column!r}: {self.obj} has no relationship {names[-1]!r}. Use "
                "RelationshipName.ExternalIdField, e.g. Account.External_Id__c.",
            )
            return
        if not (lookup.createable or lookup.updateable):
            self.add(ERROR, "read_only_column", f"column {column!r} sets {lookup.name}, which is read-only.")
            return
        targets = [n for n in names if n.lower() not in self.by_rel] or list(lookup.reference_to)
        if self.parents is None or not targets:
            return
        for target in targets[:1]:
            try:
                parent = self.parents(target)
            except NotFoundError:
                self.add(
                    ERROR, "unknown_relationship", f"column {column!r}: the org has no object {target!r}."
                )
                return
            pf = next((f for f in parent.fields if f.name.lower() == parent_field.lower()), None)
            if pf is None or not (pf.external_id or pf.id_lookup):
                what = "has no field" if pf is None else "cannot match on"
                self.add(
                    ERROR,
                    "parent_not_external_id",
                    f"column {column!r}: {parent.name} {what} {parent_field!r} — a relationship column "
                    f"must name an External ID or lookup field of {parent.name} (e.g. "
                    f"{', '.join(f.name for f in parent.fields if f.external_id or f.id_lookup) or 'Id'}).",
                )

    def _lookup_of(self, column: str) -> FieldLike | None:
        """The lookup field a relationship column sets, or None."""
        if "." not in column:
            return None
        names = column.rpartition(".")[0].split(":")
        return next((self.by_rel[n.lower()] for n in names if n.lower() in self.by_rel), None)

    def required(self, allowed: bool = False) -> None:
        """Required fields (for insert) no column is sent to; ``allowed``: a warning, not an error."""
        present = {c.lower() for c in self.header}
        # A relationship column (Account.External_Id__c) sets its lookup field (AccountId).
        present |= {f.name.lower() for c in self.header if (f := self._lookup_of(c)) is not None}
        missing = [
            f.name
            for f in self.describe.fields
            if f.createable
            and not f.nillable
            and f.type != "boolean"
            and f.name.lower() not in _DEFAULTED
            # Describes that say defaultedOnCreate (ours do) let Salesforce fill the field on insert.
            and not getattr(f, "defaulted_on_create", False)
            and f.name.lower() not in present
        ]
        if not missing:
            return
        labels = {f.name: f.label for f in self.describe.fields}
        names = ", ".join(f"{n} ({labels[n]})" if labels.get(n, n) != n else n for n in missing)
        if allowed:
            self.add(
                WARNING,
                "required_missing",
                f"required fields of {self.obj} are not mapped: {names}. Allowed because every row "
                "updates an existing record; a row that creates a new record will fail.",
            )
            return
        self.add(
            ERROR,
            "required_missing",
            f"required fields of {self.obj} are not mapped: {names}. Map a column to each; if every "
            'row updates an existing record, allow it: "Rows only update existing records" in the '
            "app's mapping view, --allow-missing-required with sfloader.",
        )


def type_findings(fp: FilePlan, fields: list[FieldLike | None], sample_rows: int) -> list[Finding]:
    """Warnings for values in the first rows that do not look like their field's type."""
    assert fp.dialect is not None
    bad: dict[int, tuple[list[int], str, str]] = {}
    for number, row in enumerate(first_records(fp.path, fp.dialect, sample_rows), start=1):
        for i, (f, value) in enumerate(zip(fields, row, strict=False)):
            if f is None:
                continue
            problem = value_problem(f.type, value, f.length, f.picklist_values)
            if problem is not None:
                numbers, _, _ = bad.setdefault(i, ([], value, problem))
                numbers.append(number)
    out = []
    for i, (numbers, example, problem) in bad.items():
        f = fields[i]
        assert f is not None
        text = (
            f"{fp.path.name}: in column {f.name} ({f.type}), {describe_records(numbers)} of the first "
            f"{sample_rows:,} have values Salesforce may reject: {example[:40]!r} {problem}. "
            "Those rows will fail; correct the values if that is not intended."
        )
        out.append(Finding(WARNING, fp.path, "type_mismatch", text, numbers[:20]))
    return out


def _named(f: FieldLike | None, name: str) -> str:
    """``Account Number (AccountNumber)``: users know fields by label, files and mappings by API name."""
    if f is None:
        return name
    return f"{f.label} ({f.name})" if f.label and f.label != f.name else f.name
