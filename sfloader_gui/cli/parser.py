"""The `sfloader` command line: subcommands, flags and the load options they make."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sfloader_gui import __version__
from sfloader_gui.core.csvio.findings import Finding
from sfloader_gui.core.models import (
    DEFAULT_API_VERSION,
    DEFAULT_CONCURRENT_UPLOADS,
    DEFAULT_PART_SIZE_BYTES,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_TIMEOUT_S,
    MAX_CONCURRENT_JOBS,
    LoadOptions,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_DEMO_POLL_S = 1.0  # the demo org finishes jobs in moments: poll faster unless told otherwise


class UsageError(Exception):
    """Bad flags, pre-flight errors or no login: exit 2 with this message, nothing uploaded."""

    def __init__(
        self,
        message: str,
        findings: list[Finding] | None = None,
        mappings: list[dict[str, str]] | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.findings = findings or []  # blocking pre-flight findings, for --json
        self.mappings = mappings or []  # where each file's mapping came from, for --json
        # What stderr said already (each finding on its line), repeated in the --json "error" only.
        self.detail = detail


def _add_org_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("org (or SF_INSTANCE_URL / SF_ACCESS_TOKEN)")
    g.add_argument(
        "--org", metavar="NAME", help="an org saved and logged in in the app (see `sfloader orgs`)"
    )
    g.add_argument(
        "--instance-url", default=os.environ.get("SF_INSTANCE_URL"), help="https://….my.salesforce.com"
    )
    g.add_argument(
        "--access-token", default=os.environ.get("SF_ACCESS_TOKEN"), help="a session id / OAuth token"
    )
    g.add_argument("--demo", action="store_true", help="use the built-in demo org (started in this process)")
    g.add_argument("--api-version", default=DEFAULT_API_VERSION, help=f"default {DEFAULT_API_VERSION}")
    g.add_argument("--json", action="store_true", help="end stdout with one JSON document")


def _add_run_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("run")
    g.add_argument(
        "--max-jobs", type=int, default=MAX_CONCURRENT_JOBS, help="parallel jobs, 1-15 (default 15)"
    )
    g.add_argument(
        "--max-uploads", type=int, default=DEFAULT_CONCURRENT_UPLOADS,
        help=f"uploads on the wire at once, 1-15 (default {DEFAULT_CONCURRENT_UPLOADS})",
    )  # fmt: skip
    g.add_argument("--no-gzip", action="store_true", help="send uncompressed CSV")
    g.add_argument("--poll-interval", type=float, help=f"seconds (default {DEFAULT_POLL_INTERVAL_S:g})")
    g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds to wait per job (7200)")
    g.add_argument("--out", type=Path, help="folder for run folders")


def _add_mapping_flags(p: argparse.ArgumentParser, sheet: bool = True) -> None:
    g = p.add_argument_group("business files (column mapping and value conversion)")
    g.add_argument("--mapping", default="auto", metavar="auto|FILE.sdl",
                   help="auto: match headers by API name, then label (default); or a .sdl")  # fmt: skip
    g.add_argument("--skip-column", action="append", default=[], metavar="COLUMN", dest="skip_columns",
                   help="a column not to send (its header, any case); repeat for several")  # fmt: skip
    g.add_argument("--date-format", default="auto", choices=("auto", "MDY", "DMY", "YMD"),
                   help="order of day and month in dates (default: inferred per column)")  # fmt: skip
    g.add_argument("--time-zone", metavar="IANA_NAME",
                   help="zone of datetimes without an offset (default: this computer's)")  # fmt: skip
    g.add_argument("--decimal-separator", default="auto", choices=("auto", ".", ","),
                   help="decimal separator of numbers (default: inferred per column)")  # fmt: skip
    if sheet:
        g.add_argument("--sheet", help="workbook sheet to load (default: the first)")
    g.add_argument("--allow-missing-required", action="store_true",
                   help="every row updates an existing record: a required field no column is sent to "
                        "is a warning, not an error")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfloader", description="Load CSV files into Salesforce (Bulk API 2.0)."
    )
    parser.add_argument("--version", action="version", version=f"sfloader {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upsert", help="upsert CSV files into an object, matching on an External ID field")
    up.add_argument("files", nargs="+", type=Path, metavar="FILE")
    up.add_argument("--object", required=True, help="API name of the object, e.g. Account")
    up.add_argument("--external-id", required=True, help="External ID field the upsert matches on")
    _add_org_flags(up)
    _add_run_flags(up)
    csv_flags = up.add_argument_group("CSV")
    csv_flags.add_argument("--part-size-mb", type=float, default=DEFAULT_PART_SIZE_BYTES / 1e6,
                           help="raw CSV per job, MB (default 100)")  # fmt: skip
    csv_flags.add_argument("--delimiter", help="override: COMMA, SEMICOLON, TAB, PIPE, CARET, BACKQUOTE")
    csv_flags.add_argument("--line-ending", choices=("LF", "CRLF"), help="override the sniffed one")
    csv_flags.add_argument("--convert-from", choices=("cp1252", "latin-1"),
                           help="read files that are not UTF-8 in this encoding (sent as UTF-8)")  # fmt: skip
    _add_mapping_flags(up)
    rs = sub.add_parser("results", help="download the results of existing jobs into a new folder")
    rs.add_argument("job_ids", nargs="+", metavar="JOB_ID")
    rs.add_argument("--out", type=Path)
    _add_org_flags(rs)
    jb = sub.add_parser("jobs", help="list recent Bulk API 2.0 ingest jobs")
    jb.add_argument("--limit", type=int, default=50)
    jb.add_argument(
        "--unsettled", action="store_true", help="jobs started here whose results were never saved"
    )
    jb.add_argument(
        "--reconcile", action="store_true",
        help="abort Open jobs a crashed run left behind; list journalled jobs still running",
    )  # fmt: skip
    _add_org_flags(jb)
    og = sub.add_parser("orgs", help="list the orgs saved in the app, for --org NAME (no secret is shown)")
    og.add_argument("--json", action="store_true", help="one JSON document")
    mp = sub.add_parser("mapping", help="print the column mapping a file would be loaded with")
    mp.add_argument("file", type=Path, metavar="FILE")
    mp.add_argument("--object", required=True, help="API name of the object, e.g. Account")
    mp.add_argument("--external-id", default="", help="External ID field (to check the file's values)")
    mp.add_argument("--out", dest="sdl_out", type=Path, metavar="X.sdl",
                    help="also write the mapping as a Data Loader .sdl")  # fmt: skip
    remember = mp.add_mutually_exclusive_group()
    remember.add_argument("--save", action="store_true",
                          help="remember this mapping for the org, object and header set (the app and "
                               "`sfloader upsert --mapping auto` use it)")  # fmt: skip
    remember.add_argument("--forget", action="store_true",
                          help="forget the mapping remembered for this org, object and header")  # fmt: skip
    _add_mapping_flags(mp)
    _add_org_flags(mp)
    mp.set_defaults(
        poll_interval=None, no_gzip=False, max_jobs=MAX_CONCURRENT_JOBS, timeout=DEFAULT_TIMEOUT_S,
        max_uploads=DEFAULT_CONCURRENT_UPLOADS,
    )  # fmt: skip
    rt = sub.add_parser("retry", help="upsert again only the failed and unprocessed rows of a run folder")
    rt.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    _add_org_flags(rt)
    _add_run_flags(rt)
    for name, text in (
        ("resume", "wait for a run's jobs, save their results in its folder and complete its manifest"),
        ("abort", "abort a run's jobs still running in Salesforce, then save what they processed"),
    ):
        rs_ = sub.add_parser(name, help=text)
        rs_.add_argument("run_dir", type=Path, metavar="RUN_DIR")
        _add_org_flags(rs_)
        rs_.add_argument("--poll-interval", type=float, help=f"seconds (default {DEFAULT_POLL_INTERVAL_S:g})")
        rs_.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds to wait (7200)")
    return parser


def poll_interval(args: argparse.Namespace) -> float:
    """``--poll-interval``, else 1 s for the demo org (its jobs finish in moments), else the default."""
    if args.poll_interval is not None:
        return float(args.poll_interval)
    return _DEMO_POLL_S if args.demo else DEFAULT_POLL_INTERVAL_S


def load_options(args: argparse.Namespace) -> LoadOptions:
    poll = poll_interval(args)
    part_mb = getattr(args, "part_size_mb", DEFAULT_PART_SIZE_BYTES / 1e6)
    return LoadOptions(
        object_name=getattr(args, "object", None) or "",
        external_id_field=getattr(args, "external_id", None) or "",
        use_gzip=not args.no_gzip,
        max_concurrent_jobs=args.max_jobs,
        max_concurrent_uploads=args.max_uploads,
        poll_interval_s=poll,
        timeout_s=args.timeout,
        part_size_bytes=int(part_mb * 1_000_000),
        api_version=args.api_version,
        column_delimiter=getattr(args, "delimiter", None),
        line_ending=getattr(args, "line_ending", None),
        mapping=getattr(args, "mapping", "auto") or "auto",
        skip_columns=tuple(getattr(args, "skip_columns", None) or ()),
        date_format=_auto(getattr(args, "date_format", None)),
        time_zone=getattr(args, "time_zone", None),
        decimal_separator=_auto(getattr(args, "decimal_separator", None)),
        encoding=getattr(args, "convert_from", None),
        sheet=getattr(args, "sheet", None),
        allow_missing_required=bool(getattr(args, "allow_missing_required", False)),
    )


def _auto(value: str | None) -> str | None:
    return None if value in (None, "auto") else value
