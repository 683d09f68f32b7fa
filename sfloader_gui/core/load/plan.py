"""Plan a load: for each file its fingerprint, dialect, records, parts and findings, in one pass per file.

Bad files get findings, never exceptions, so the other files still load. Cross-file repeated External
IDs are a warning: parts run in parallel, so which row wins is not defined.

API::

    Finding                       # re-exported from core/csvio/findings.py
    @dataclass
    class FilePlan:
        path: Path; size: int; sha256: str; mtime: float
        dialect: CsvDialect | None; records: int
        parts: list[PartSpan]; findings: list[Finding]
        key_column: int | None
        key_by_mapping: bool      # pre-flight placed key_column by the mapping (and checked its keys)
        transform: FileTransform | None   # how it is sent when not byte for byte (core/mapping):
                                  # a mapping, converted values, another encoding, a workbook sheet
        sheet: str | None         # the workbook sheet read (None: not a workbook)
        blocked: bool             # property: any error finding
    @dataclass
    class LoadPlan:
        options: LoadOptions; files: list[FilePlan]
        loadable: list[FilePlan]  # property: files without errors
        findings: list[Finding]   # property: every file's findings, in file order
    plan_load(files, options, *, on_file=None, cancel=None, encodings=None, sheets=None) -> LoadPlan
        # on_file(FilePlan) after each file (for a progress display); safe on any thread;
        # cancel: a models.CancelToken, checked between blocks of ~0.5 MB;
        # encodings: path -> "cp1252"/"latin-1" for files the user chose to convert (else options.encoding)
        # sheets: path -> the sheet the user chose in a workbook (else options.sheet, else the first)
    plan_file(path, options, cancel=None, encoding=None, sheet=None) -> FilePlan   # no cross-file check

Workbooks (.xlsx, .xls, .ods) and UTF-16 text are read as rows; they and files in another encoding get
an identity ``FileTransform`` here (so they load even without pre-flight); pre-flight replaces it with
the file's mapping and conversions.

Figures (bench/bench_csvio.py, 1M-row Account file, 265 MB): ~1.2 s per file on one core plus the
sha256 on a second thread (~220 MB/s); peak memory does not grow with the file. A file of 64 MiB or more
is checked in two ranges on 2+ cores, the second by a worker process (``csvio/parscan.py``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sfloader_gui.core.csvio import parscan
from sfloader_gui.core.csvio.dialect import DELIMITERS, CsvDialect, sniff
from sfloader_gui.core.csvio.dupes import KeyIndex, Repeats, locate_keys
from sfloader_gui.core.csvio.errors import CsvInputError
from sfloader_gui.core.csvio.findings import ERROR, WARNING, Finding, describe_records
from sfloader_gui.core.csvio.scan import PartSpan, scan_file
from sfloader_gui.core.mapping.columns import Choices
from sfloader_gui.core.mapping.model import Mapping
from sfloader_gui.core.mapping.source import (
    WORKBOOK_SUFFIXES,
    CsvSource,
    RowSource,
    WorkbookError,
    sheet_names,
    utf16_source,
    workbook_source,
)
from sfloader_gui.core.mapping.transform import FileTransform, analyze
from sfloader_gui.core.models import CancelToken, LoadOptions

__all__ = ["FilePlan", "Finding", "LoadPlan", "plan_load"]


@dataclass
class FilePlan:
    """Everything known about one input file before anything is sent."""

    path: Path
    size: int = 0
    sha256: str = ""
    mtime: float = 0.0
    dialect: CsvDialect | None = None
    records: int = 0
    parts: list[PartSpan] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    key_column: int | None = None
    key_by_mapping: bool = False  # pre-flight found the key column by the file's mapping (not its header)
    key_index: KeyIndex | None = field(default=None, repr=False, compare=False)
    transform: FileTransform | None = field(default=None, repr=False, compare=False)
    mapping: Mapping | None = field(default=None, repr=False, compare=False)  # set by pre-flight
    sheet: str | None = None  # the workbook sheet read

    @property
    def blocked(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)


@dataclass
class LoadPlan:
    """The files of one load, in the order given."""

    options: LoadOptions
    files: list[FilePlan]

    @property
    def loadable(self) -> list[FilePlan]:
        return [f for f in self.files if not f.blocked]

    @property
    def findings(self) -> list[Finding]:
        return [x for f in self.files for x in f.findings]


def plan_load(
    files: Iterable[Path | str],
    options: LoadOptions,
    *,
    on_file: Callable[[FilePlan], None] | None = None,
    cancel: CancelToken | None = None,
    encodings: dict[Path, str] | None = None,
    sheets: dict[Path, str] | None = None,
) -> LoadPlan:
    """Check and cut every file; problems become findings on the file they concern.

    A cancelled ``cancel`` stops the check within a block (~0.5 MB): the file being checked and the
    ones after it get a blocking "cancelled" finding.
    """
    plans: list[FilePlan] = []
    seen: dict[Path, Path] = {}
    for given in files:
        path = Path(given).expanduser().absolute()
        real = path.resolve()
        if cancel is not None and cancel.cancelled:
            fp = FilePlan(path)
            fp.findings.append(Finding(ERROR, path, "cancelled", f"{path.name} was not checked (cancelled)."))
        elif real in seen:
            fp = FilePlan(path)
            fp.findings.append(
                Finding(ERROR, path, "listed_twice", f"{path.name} is in the list twice; it is loaded once.")
            )
        else:
            seen[real] = path
            chosen = (encodings or {}).get(path) or (encodings or {}).get(real) or options.encoding
            sheet = (sheets or {}).get(path) or (sheets or {}).get(real)
            fp = plan_file(path, options, cancel, chosen, sheet)
        plans.append(fp)
        if on_file is not None:
            on_file(fp)
    if cancel is None or not cancel.cancelled:
        _cross_file_duplicates(plans, options)
    for fp in plans:
        fp.key_index = None  # the hashes are only needed for the cross-file check
    return LoadPlan(options, plans)


def plan_file(
    path: Path,
    options: LoadOptions,
    cancel: CancelToken | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> FilePlan:
    """One file: stat, sniff, then a single pass that checks, cuts and fingerprints it."""
    fp = FilePlan(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES and path.is_file():
        return _plan_rows(fp, options, cancel, "workbook", sheet or options.sheet)
    try:
        fp.dialect = sniff(path, options.column_delimiter, options.line_ending, encoding)
        st = path.stat()
        fp.size, fp.mtime = st.st_size, st.st_mtime
    except CsvInputError as exc:
        if exc.code == "encoding" and exc.suggested_encoding == "utf-16":
            return _plan_rows(fp, options, cancel, "utf-16")  # UTF-16 is read as it is
        fp.findings.append(Finding(ERROR, path, exc.code, exc.message))
        return fp
    except OSError as exc:
        fp.findings.append(Finding(ERROR, path, "unreadable", f"{path.name} cannot be read ({exc})."))
        return fp
    except ValueError as exc:  # an override Salesforce does not accept
        fp.findings.append(Finding(ERROR, path, "bad_option", f"{path.name}: {exc}"))
        return fp
    hasher = _BackgroundSha256(path, cancel)
    try:
        result = scan_file(
            path,
            fp.dialect,
            options.external_id_field,
            options.part_size_bytes,
            should_stop=None if cancel is None else (lambda: cancel.cancelled),
            parallel=parscan.default_parallel(),
        )
    except OSError as exc:
        fp.findings.append(
            Finding(ERROR, path, "unreadable", f"{path.name} could not be read to the end ({exc}).")
        )
        return fp
    finally:
        fp.sha256 = hasher.hexdigest()
    fp.records, fp.parts, fp.findings = result.records, result.parts, result.findings
    fp.key_column, fp.key_index = result.key_column, result.key_index
    if fp.dialect.encoding != "utf-8" and not fp.blocked:
        # Converted while sending: parts are cut by the UTF-8 bytes sent, not the file's bytes.
        source = CsvSource(path, fp.dialect)
        fp.transform, _, fp.parts, _ = analyze(
            path, source, Mapping.identity(fp.dialect.header), {}, Choices(),
            options.external_id_field, options.part_size_bytes, fp.dialect.terminator,
        )  # fmt: skip
    return fp


def _plan_rows(
    fp: FilePlan, options: LoadOptions, cancel: CancelToken | None, kind: str, sheet: str | None = None
) -> FilePlan:
    """A workbook sheet or a UTF-16 file: rows read through ``core/mapping/source.py``."""
    path = fp.path
    try:
        st = path.stat()
        fp.size, fp.mtime = st.st_size, st.st_mtime
        with path.open("rb") as fh:
            fp.sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
        if kind == "workbook":
            source: RowSource = workbook_source(path, sheet)
            fp.sheet = source.sheet
            delimiter = ","
        else:
            delimiter = _utf16_delimiter(path, options.column_delimiter)
            source = utf16_source(path, delimiter)
    except WorkbookError as exc:
        fp.findings.append(Finding(ERROR, path, "bad_workbook", str(exc)))
        return fp
    except (OSError, UnicodeError) as exc:
        fp.findings.append(Finding(ERROR, path, "unreadable", f"{path.name} cannot be read ({exc})."))
        return fp
    if not source.header or not any(h.strip() for h in source.header):
        fp.findings.append(Finding(ERROR, path, "no_header", f"{path.name} has no header row."))
        return fp
    transform, findings, parts, records = analyze(
        path, source, Mapping.identity(source.header), {}, Choices(), options.external_id_field,
        options.part_size_bytes, b"\n", None if cancel is None else (lambda: cancel.cancelled),
    )  # fmt: skip
    fp.dialect = CsvDialect(
        encoding=kind, bom=False, delimiter=",", delimiter_name="COMMA", line_ending="LF",
        header=list(source.header), header_bytes=transform.header_bytes, data_offset=0,
    )  # fmt: skip
    if delimiter != ",":
        pass  # what is sent is always comma-separated: the rows are written again
    keys = [h.lower() for h in source.header]
    fp.key_column = (
        keys.index(options.external_id_field.lower()) if options.external_id_field.lower() in keys else None
    )
    fp.transform, fp.parts, fp.records = transform, parts, records
    fp.findings.extend(findings)
    if not records:
        fp.findings.append(Finding(ERROR, path, "no_records", _no_records(path, fp.sheet)))
    return fp


def _no_records(path: Path, sheet: str | None) -> str:
    """A workbook of several sheets names them: the records are often on another sheet."""
    try:
        names = sheet_names(path) if sheet is not None else []
    except WorkbookError:  # changed since it was read: the plain sentence
        names = []
    if len(names) < 2:
        return f"{path.name} has a header but no records."
    return (
        f"{path.name}: the sheet {sheet!r} has a header but no records; choose another sheet "
        f"(the workbook has {', '.join(repr(n) for n in names)})."
    )


def _utf16_delimiter(path: Path, override: str | None) -> str:
    if override:
        return DELIMITERS.get(override.upper(), override)
    with open(path, encoding="utf-16", newline="") as fh:
        first = fh.readline()
    counts = {ch: first.count(ch) for ch in DELIMITERS.values()}
    return max(counts, key=lambda ch: counts[ch]) if any(counts.values()) else ","


class _BackgroundSha256:
    """The file's sha256 on a thread of its own that reads the file too: hashlib and reads release the
    GIL, so it costs the scan nothing, and the scan is free to share its pass out to worker processes.
    The scan and the hash read the same bytes at about the same time, so the second read comes from
    the system's file cache, not the disk or the network share again. A cancelled check stops it."""

    def __init__(self, path: Path, cancel: CancelToken | None) -> None:
        self._path, self._cancel = path, cancel
        self._digest = ""
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        digest, buf = hashlib.sha256(), bytearray(1 << 20)
        view = memoryview(buf)
        try:
            with self._path.open("rb", buffering=0) as fh:
                while n := fh.readinto(buf):
                    digest.update(view[:n])
                    if self._cancel is not None and self._cancel.cancelled:
                        return
        except OSError:  # the scan reports the file as unreadable
            return
        self._digest = digest.hexdigest()

    def hexdigest(self) -> str:
        self._thread.join()
        return self._digest


def _cross_file_duplicates(plans: list[FilePlan], options: LoadOptions) -> None:
    """Warn on each file whose External IDs also occur in an earlier file of the same load."""
    earlier: list[FilePlan] = []
    for fp in plans:
        if fp.key_index is None or fp.dialect is None or fp.key_column is None or fp.blocked:
            continue
        for other in earlier:
            assert other.key_index is not None
            shared = fp.key_index.shared_with(other.key_index)
            warning = _shared_warning(fp, other, shared, options) if shared.values else None
            if warning is not None:
                fp.findings.append(warning)
        earlier.append(fp)


def _shared_warning(fp: FilePlan, other: FilePlan, shared: Repeats, options: LoadOptions) -> Finding | None:
    """The warning for values both files really have (hash matches are confirmed by value)."""
    assert fp.dialect is not None and fp.key_column is not None
    assert other.dialect is not None and other.key_column is not None
    theirs = locate_keys(other.path, other.dialect, other.key_column, shared.hashes, 1)
    hits = {
        k: h
        for k, h in locate_keys(fp.path, fp.dialect, fp.key_column, shared.hashes, 20).items()
        if k in theirs and k.strip()
    }
    if not hits:
        return None
    exact = len(shared.hashes) == shared.values  # every shared value was looked up
    total = sum(h.count for h in hits.values()) if exact else shared.records
    records = sorted(n for h in hits.values() for n in h.records)[:20]
    examples = ", ".join(repr(k.decode("utf-8", "replace")) for k in list(hits)[:3])
    have = "has an External ID" if total == 1 else "have External IDs"
    message = (
        f"{fp.path.name}: {describe_records(records, total)} {have} ({options.external_id_field}) that "
        f"{other.path.name} also has (e.g. {examples}). Both files load in parallel jobs, so which row "
        "is saved last is not defined; load one file after the other if the order matters."
    )
    return Finding(WARNING, fp.path, "duplicate_external_id_across_files", message, records)
