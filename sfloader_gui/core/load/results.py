"""Run folders: one new folder per load, result files saved atomically, and the accounting manifest."""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

from sfloader_gui.core.csvio.dialect import DELIMITERS
from sfloader_gui.core.load.plan import FilePlan, LoadPlan
from sfloader_gui.core.models import JobOutcome, JobState, PartRef
from sfloader_gui.core.private import DIR_MODE, private_dir
from sfloader_gui.core.salesforce.bulk import publish_new

MANIFEST = "manifest.json"
SCHEMA = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


# The manifest's shape (schema 1, docs/dev/contracts.md): what ``build_manifest`` writes and every reader
# (the app, the CLI, resume, retry, the workbench, Recent runs) reads back from ``load_manifest``.
class ManifestFinding(TypedDict):
    severity: str
    code: str
    message: str
    records: list[int]


class ManifestFile(TypedDict):
    """One input file of the run (``files``), sent or blocked."""

    path: str
    size: int
    sha256: str
    mtime: float
    records: int
    encoding: str | None
    bom: bool
    delimiter: str | None  # a dialect's name (COMMA, TAB...), as the Bulk API spells it
    line_ending: str | None
    header: list[str]
    sheet: str | None
    transform: dict[str, Any] | None  # the mapping's own JSON (core/mapping FileTransform.to_json)
    parts: int
    blocked: bool
    findings: list[ManifestFinding]


class ManifestJob(TypedDict):
    """One part of a file and the job that sent it (``jobs``); paths are relative to the run folder."""

    file: str
    part: int
    part_count: int
    first_record: int
    records: int
    job_id: str | None
    state: str
    error_message: str | None
    records_processed: int
    records_failed: int
    records_unprocessed: int
    success_file: str | None
    failed_file: str | None
    unprocessed_file: str | None
    gzip: bool
    gzip_level: int | None
    gzip_levels: dict[str, int]
    abandoned_jobs: list[dict[str, str]]
    notes: list[str]


ResultKey = Literal["success_file", "failed_file", "unprocessed_file"]  # a job's three result files
# The key of each result file by the name the Bulk API client saves it under (bulk.RESULT_FILES).
RESULT_KEYS: dict[str, ResultKey] = {
    "success": "success_file",
    "failed": "failed_file",
    "unprocessed": "unprocessed_file",
}


class Compression(TypedDict):
    gzip_level: int | None
    raw_bytes_by_level: dict[str, int]
    start_level: NotRequired[int | None]  # the level the run started at (remembered for the org, or 1)


class ApiUse(TypedDict):
    """API calls: the ones this run's jobs made, and the org's 24-hour count and allowance as last told."""

    calls: int
    org_used: int | None  # from the Sforce-Limit-Info header of the run's last answer
    org_max: int | None


def api_use_line(api: ApiUse) -> str:
    """A run's API calls in a sentence (the app's log, sfloader's output)."""
    calls = api["calls"]
    line = f"This load made {calls:,} API call{'' if calls == 1 else 's'}"
    if api["org_used"] is not None and api["org_max"]:
        line += f"; the org has used {api['org_used']:,} of its {api['org_max']:,} in the last 24 hours"
    return line + "."


class Totals(TypedDict):
    records: int
    success: int
    failed: int
    unprocessed: int
    jobs: int
    jobs_failed: int


class Balance(TypedDict):
    balanced: bool
    unaccounted: int


class Accounting(TypedDict):
    totals: Totals
    accounting: Balance


class Manifest(TypedDict):
    """A run's ``manifest.json``."""

    schema: int
    run_id: str
    created_at: str
    finished_at: str | None
    instance_url: str
    api_version: str
    object: str
    external_id_field: str
    operation: str
    options: dict[str, Any]  # the LoadOptions as sent (asdict), read back by field name
    retry_of: str | None
    files: list[ManifestFile]
    jobs: list[ManifestJob]
    compression: Compression
    totals: Totals
    accounting: Balance
    api: NotRequired[ApiUse]  # from 2026-12-07 on (manifests written before have none)
    manifest_error: NotRequired[str]  # never on disk: why the disk refused it (the run's result only)


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def safe_name(text: str, limit: int = 60) -> str:
    """A file-name piece that is valid on every OS (no separators, no reserved characters)."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "file"
    return cleaned[:limit]


def write_atomic(dest: Path, data: bytes, *, replace: bool = False) -> None:
    """Write via a temp file in the same folder, then rename; refuse to replace unless asked."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if replace:
            os.replace(tmp, dest)
        else:
            publish_new(Path(tmp), dest)  # fails if dest exists: never overwrite a result
    finally:
        Path(tmp).unlink(missing_ok=True)


def count_records(path: Path | None, delimiter: str = ",") -> int:
    """Data records in a CSV (header excluded), honouring quoted newlines. A missing file counts 0."""
    if path is None or not path.exists():
        return 0
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        rows = sum(1 for row in csv.reader(f, delimiter=delimiter) if row)
    return max(0, rows - 1)


@dataclass
class RunFolder:
    """``<out>/<UTC stamp>_<Object>[_N]/``: made by ``create``, never reused."""

    path: Path
    run_id: str
    created_at: datetime

    @classmethod
    def create(cls, out_dir: Path, object_name: str, now: datetime | None = None) -> RunFolder:
        """Make a new run folder; a same-second twin gets ``_2``, ``_3``... (mkdir is the atomic claim)."""
        moment = now or datetime.now(UTC)
        private_dir(out_dir, tighten=False)  # the user's output folder: made private only if we make it
        base = f"{utc_stamp(moment)}_{safe_name(object_name)}"
        for n in range(1, 10_000):
            run_id = base if n == 1 else f"{base}_{n}"
            try:
                (out_dir / run_id).mkdir(mode=DIR_MODE)
            except FileExistsError:
                continue
            return cls(path=out_dir / run_id, run_id=run_id, created_at=moment)
        raise FileExistsError(f"Could not make a new run folder in {out_dir}: too many runs this second.")

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    @property
    def sources_dir(self) -> Path:
        return private_dir(self.path / "sources")

    def job_dir(self, part: PartRef, index: int, job_id: str) -> Path:
        """``jobs/<NN>_<file stem>_p<part>_<job id>/`` (NN = the file's 1-based position in the plan)."""
        name = f"{index:02d}_{safe_name(part.file.stem)}_p{part.part}_{safe_name(job_id)}"
        path = self.path / "jobs" / name
        private_dir(path.parent)
        path.mkdir(mode=DIR_MODE, exist_ok=False)
        return path

    def relative(self, path: Path | None) -> str | None:
        return None if path is None else path.relative_to(self.path).as_posix()

    def write_manifest(self, manifest: Manifest) -> Manifest:
        """Write ``manifest`` (made by ``build_manifest``) as ``manifest.json`` and return it.

        Raises ``OSError`` when the manifest cannot be written (disk full, read-only folder).
        """
        data = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
        write_atomic(self.manifest_path, data, replace=True)  # the manifest is ours: rewritten at the end
        return manifest

    def build_manifest(
        self,
        plan: LoadPlan,
        outcomes: Iterable[JobOutcome],
        *,
        instance_url: str,
        retry_of: str | None = None,
        finished_at: datetime | None = None,
        gzip_start: int | None = None,
        api: ApiUse | None = None,
    ) -> Manifest:
        """The run's manifest (schema 1, see docs/dev/contracts.md); ``write_manifest`` puts it on disk.

        Blocked files are listed (``"blocked": true`` with their findings) but have no jobs: nothing of
        them was sent. ``retry_of`` is the run id whose failed rows this run sends again.
        """
        options = plan.options
        outcomes = list(outcomes)
        jobs = [self._job_entry(o) for o in outcomes]
        manifest: Manifest = {
            "schema": SCHEMA,
            "run_id": self.run_id,
            "created_at": iso_utc(self.created_at),
            "finished_at": iso_utc(finished_at) if finished_at else None,
            "instance_url": instance_url,
            "api_version": options.api_version,
            "object": options.object_name,
            "external_id_field": options.external_id_field,
            "operation": "upsert",
            "options": asdict(options),
            "retry_of": retry_of,
            "files": [file_entry(fp) for fp in plan.files],
            "jobs": jobs,
            "compression": {**compression(outcomes), "start_level": gzip_start},
            **accounting(jobs),
        }
        if api is not None:
            manifest["api"] = api
        return manifest

    def _job_entry(self, o: JobOutcome) -> ManifestJob:
        return {
            "file": str(o.part.file),
            "part": o.part.part,
            "part_count": o.part.part_count,
            "first_record": o.first_record,
            "records": o.rows,
            "job_id": o.job_id,
            "state": o.state.value,
            "error_message": o.error_message,
            "records_processed": o.records_processed,
            "records_failed": o.records_failed,
            "records_unprocessed": o.records_unprocessed,
            "success_file": self.relative(o.success_file),
            "failed_file": self.relative(o.failed_file),
            "unprocessed_file": self.relative(o.unprocessed_file),
            "gzip": o.gzip,
            "gzip_level": max(o.gzip_levels, key=o.gzip_levels.__getitem__)
            if o.gzip and o.gzip_levels
            else None,
            "gzip_levels": {str(k): v for k, v in sorted(o.gzip_levels.items())} if o.gzip else {},
            "abandoned_jobs": o.abandoned_jobs,
            "notes": o.notes,
        }


def _main_level(levels: dict[int, int]) -> int | None:
    return max(levels, key=levels.__getitem__) if levels else None


def compression(outcomes: Iterable[JobOutcome]) -> Compression:
    """The gzip level chosen for the run (the one most of its bytes went out at) and bytes per level."""
    total: dict[int, int] = {}
    for o in outcomes:
        if o.gzip:
            for level, raw in o.gzip_levels.items():
                total[level] = total.get(level, 0) + raw
    return {
        "gzip_level": _main_level(total),
        "raw_bytes_by_level": {str(k): v for k, v in sorted(total.items())},
    }


def file_entry(fp: FilePlan) -> ManifestFile:
    d = fp.dialect
    return {
        "path": str(fp.path),
        "size": fp.size,
        "sha256": fp.sha256,
        "mtime": fp.mtime,
        "records": fp.records,
        "encoding": d.encoding if d else None,
        "bom": d.bom if d else False,
        "delimiter": d.delimiter_name if d else None,
        "line_ending": d.line_ending if d else None,
        "header": list(d.header) if d else [],
        # The workbook sheet read (the CLI's --sheet or the app's choice; None: not a workbook): a retry
        # and the workbench read the same sheet.
        "sheet": fp.sheet,
        # How the file was sent when not byte for byte (issue 11): mapping, ignored columns, every
        # conversion choice and whether it was inferred or given; None when sent as it is.
        "transform": fp.transform.to_json() if fp.transform is not None else None,
        "parts": len(fp.parts) if not fp.blocked else 0,
        "blocked": fp.blocked,
        "findings": [
            {"severity": f.severity, "code": f.code, "message": f.message, "records": f.records}
            for f in fp.findings
        ],
    }


def delimiter_of(entry: ManifestFile | None) -> str:
    """The delimiter a ``files`` entry names, as a character (a comma when it names none)."""
    return DELIMITERS.get((entry.get("delimiter") if entry else None) or "COMMA", ",")


def accounting(jobs: Sequence[ManifestJob]) -> Accounting:
    """Totals, and the proof that each part's records = success + failed + unprocessed."""
    records = sum(j["records"] for j in jobs)
    failed = sum(j["records_failed"] for j in jobs)
    success = sum(j["records_processed"] - j["records_failed"] for j in jobs)
    unprocessed = sum(j["records_unprocessed"] for j in jobs)
    unaccounted = sum(abs(j["records"] - j["records_processed"] - j["records_unprocessed"]) for j in jobs)
    return {
        "totals": {
            "records": records,
            "success": success,
            "failed": failed,
            "unprocessed": unprocessed,
            "jobs": len(jobs),
            "jobs_failed": sum(1 for j in jobs if j["state"] != JobState.JOB_COMPLETE.value),
        },
        "accounting": {"balanced": unaccounted == 0, "unaccounted": unaccounted},
    }


def unbalanced(manifest: Manifest) -> str | None:
    """What every front end tells the user when a run's records do not add up (None: they do)."""
    check = manifest.get("accounting")
    if check is None or check.get("balanced", True):
        return None
    n = check.get("unaccounted", 0)
    return (
        f"{n:,} record{'s' if n != 1 else ''} not accounted for: the org's counts and the result files do "
        "not add up to the records sent (the jobs' notes in manifest.json say where)."
    )


class ManifestPathError(ValueError):
    """A manifest names a file outside its run folder (an edited or foreign manifest): it is not read."""


def run_file(run_dir: Path, named: object) -> Path:
    """The file a manifest names (``jobs/.../failed.csv``), resolved inside ``run_dir`` or refused.

    Absolute paths, ``..`` and symbolic links that lead out of the run folder raise ``ManifestPathError``,
    so an edited manifest cannot point the workbench or a retry at any other readable file.
    """
    text = str(named or "")
    root = run_dir.resolve()
    relative = Path(text)
    resolved = (root / relative).resolve()
    if not text or relative.is_absolute() or relative.drive or not resolved.is_relative_to(root):
        raise ManifestPathError(
            f"{MANIFEST} in {run_dir} names {text!r}, which is not inside the run folder; it was not opened."
        )
    return resolved


def source_file(named: object) -> Path:
    """A source CSV the manifest names: the user's own file, so outside the run folder, but never relative.

    Readers still check it is a regular file with the size (and sha256) the manifest recorded.
    """
    path = Path(str(named or ""))
    if not path.is_absolute():
        raise ManifestPathError(f"{MANIFEST} names the source file {str(named)!r} without a full path.")
    return path


def load_manifest(run_dir: Path) -> Manifest:
    """Read a run's manifest, with a clear message when the folder is not a run folder."""
    path = run_dir / MANIFEST
    try:
        data: Manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{run_dir} has no {MANIFEST}: it is not an sfloader run folder.") from None
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path} has schema {data.get('schema')!r}; this version reads schema {SCHEMA}.")
    return data
