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
        blocked: bool             # property: any error finding
    @dataclass
    class LoadPlan:
        options: LoadOptions; files: list[FilePlan]
        loadable: list[FilePlan]  # property: files without errors
        findings: list[Finding]   # property: every file's findings, in file order
    plan_load(files, options, *, on_file=None, cancel=None) -> LoadPlan
        # on_file(FilePlan) after each file (for a progress display); safe on any thread;
        # cancel: a models.CancelToken, checked between blocks of ~0.5 MB
    plan_file(path, options, cancel=None) -> FilePlan   # one file, without the cross-file check

Figures (bench/bench_csvio.py, 1M-row Account file, 265 MB): ~1.2 s per file on one core plus the
sha256 on a second thread (~220 MB/s); peak memory does not grow with the file.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sfloader_gui.core.csvio.dialect import CsvDialect, sniff
from sfloader_gui.core.csvio.dupes import KeyIndex, Repeats, locate_keys
from sfloader_gui.core.csvio.errors import CsvInputError
from sfloader_gui.core.csvio.findings import ERROR, WARNING, Finding, describe_records
from sfloader_gui.core.csvio.scan import PartSpan, scan_file
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
    key_index: KeyIndex | None = field(default=None, repr=False, compare=False)

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
            fp = plan_file(path, options, cancel)
        plans.append(fp)
        if on_file is not None:
            on_file(fp)
    if cancel is None or not cancel.cancelled:
        _cross_file_duplicates(plans, options)
    for fp in plans:
        fp.key_index = None  # the hashes are only needed for the cross-file check
    return LoadPlan(options, plans)


def plan_file(path: Path, options: LoadOptions, cancel: CancelToken | None = None) -> FilePlan:
    """One file: stat, sniff, then a single pass that checks, cuts and fingerprints it."""
    fp = FilePlan(path)
    try:
        fp.dialect = sniff(path, options.column_delimiter, options.line_ending)
        st = path.stat()
        fp.size, fp.mtime = st.st_size, st.st_mtime
    except CsvInputError as exc:
        fp.findings.append(Finding(ERROR, path, exc.code, exc.message))
        return fp
    except OSError as exc:
        fp.findings.append(Finding(ERROR, path, "unreadable", f"{path.name} cannot be read ({exc})."))
        return fp
    except ValueError as exc:  # an override Salesforce does not accept
        fp.findings.append(Finding(ERROR, path, "bad_option", f"{path.name}: {exc}"))
        return fp
    hasher = _BackgroundSha256()
    try:
        result = scan_file(
            path,
            fp.dialect,
            options.external_id_field,
            options.part_size_bytes,
            on_read=hasher.update,
            should_stop=None if cancel is None else (lambda: cancel.cancelled),
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
    return fp


class _BackgroundSha256:
    """sha256 on another thread: hashlib releases the GIL, so hashing overlaps the scan for free."""

    _END = b""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=4)
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._thread.start()
        self._digest: str | None = None

    def _run(self) -> None:
        while data := self._queue.get():
            self._hash.update(data)

    def update(self, data: bytes) -> None:
        if data:
            self._queue.put(data)

    def hexdigest(self) -> str:
        if self._digest is None:
            self._queue.put(self._END)
            self._thread.join()
            self._digest = self._hash.hexdigest()
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
