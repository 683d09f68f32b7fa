"""The headless `sfloader` command: upsert CSV files, fetch results of jobs, list recent jobs."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, TextIO

from sfloader_gui.core import paths
from sfloader_gui.core.auth.urls import UrlError, validate_instance_url
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.logs import register_secret, setup_logging, shutdown_logging
from sfloader_gui.core.models import (
    DEFAULT_API_VERSION,
    DEFAULT_PART_SIZE_BYTES,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_TIMEOUT_S,
    MAX_CONCURRENT_JOBS,
    CancelToken,
    ConfigError,
    EventKind,
    JobEvent,
    JobState,
    LoadOptions,
)
from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import AuthError, SalesforceError
from sfloader_gui.core.salesforce.tokens import StaticToken

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_DEMO_POLL_S = 1.0  # the demo org finishes jobs in moments: poll faster unless told otherwise


class UsageError(Exception):
    """Bad flags, pre-flight errors or no login: exit 2 with this message, nothing uploaded."""


def _add_org_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("org (or SF_INSTANCE_URL / SF_ACCESS_TOKEN)")
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
    g.add_argument("--no-gzip", action="store_true", help="send uncompressed CSV")
    g.add_argument("--poll-interval", type=float, help=f"seconds (default {DEFAULT_POLL_INTERVAL_S:g})")
    g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds to wait per job (7200)")
    g.add_argument("--out", type=Path, help="folder for run folders")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfloader", description="Load CSV files into Salesforce (Bulk API 2.0)."
    )
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
                           help="convert files in this encoding to UTF-8 copies first")  # fmt: skip
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
    rt = sub.add_parser("retry", help="upsert again only the failed and unprocessed rows of a run folder")
    rt.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    _add_org_flags(rt)
    _add_run_flags(rt)
    return parser


@contextlib.contextmanager
def open_org(args: argparse.Namespace) -> Iterator[SalesforceConnection]:
    """The connection the flags ask for; ``--demo`` starts the demo org for the life of the command."""
    if args.demo:
        from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer

        with (
            EmulatorServer(EmulatorConfig(db_path=paths.demo_org_db())) as org,
            SalesforceConnection(org.instance_url, StaticToken(org.access_token), args.api_version) as conn,
        ):
            yield conn
        return
    if not args.instance_url or not args.access_token:
        raise UsageError(
            "No org given: pass --instance-url and --access-token (or set SF_INSTANCE_URL and "
            "SF_ACCESS_TOKEN), or use --demo for the built-in demo org."
        )
    try:
        # https only; plain http is accepted for a loopback org (an emulator you started yourself).
        instance_url = validate_instance_url(
            args.instance_url, allow_loopback_http=True, what="--instance-url"
        )
    except UrlError as e:
        raise UsageError(str(e)) from None
    with SalesforceConnection(instance_url, StaticToken(args.access_token), args.api_version) as conn:
        yield conn


def load_options(args: argparse.Namespace) -> LoadOptions:
    poll = args.poll_interval if args.poll_interval is not None else (
        _DEMO_POLL_S if args.demo else DEFAULT_POLL_INTERVAL_S
    )  # fmt: skip
    part_mb = getattr(args, "part_size_mb", DEFAULT_PART_SIZE_BYTES / 1e6)
    return LoadOptions(
        object_name=getattr(args, "object", None) or "",
        external_id_field=getattr(args, "external_id", None) or "",
        use_gzip=not args.no_gzip,
        max_concurrent_jobs=args.max_jobs,
        poll_interval_s=poll,
        timeout_s=args.timeout,
        part_size_bytes=int(part_mb * 1_000_000),
        api_version=args.api_version,
        column_delimiter=getattr(args, "delimiter", None),
        line_ending=getattr(args, "line_ending", None),
    )


class Progress:
    """One status line on a terminal's stderr, redrawn as events arrive; silent when not a TTY."""

    def __init__(self, stream: TextIO, total_parts: int) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.total = total_parts
        self._lock = threading.Lock()
        self._states: dict[str, JobState] = {}
        self._sent: dict[str, int] = {}
        self._processed: dict[str, tuple[int, int]] = {}

    def __call__(self, event: JobEvent) -> None:
        key = event.part.key
        with self._lock:
            self._states[key] = event.state
            if event.kind is EventKind.UPLOAD_PROGRESS:
                self._sent[key] = event.bytes_sent
            if event.kind is EventKind.PROCESSING:
                self._processed[key] = (event.records_processed, event.records_failed)
            if not self.enabled:
                return
            if event.kind is EventKind.LOG or (event.kind is EventKind.STATE and event.message):
                self.stream.write(f"\r\033[K{event.part.describe()}: {event.message}\n")
            self.stream.write("\r\033[K" + self.line())
            self.stream.flush()

    def line(self) -> str:
        states = list(self._states.values())
        done = sum(1 for s in states if s.is_terminal)
        running = len(states) - done - sum(1 for s in states if s is JobState.QUEUED)
        processed = sum(p for p, _ in self._processed.values())
        failed = sum(f for _, f in self._processed.values())
        mb = sum(self._sent.values()) / 1e6
        return (
            f"jobs {done}/{self.total} done, {running} running · {mb:,.1f} MB sent · "
            f"{processed:,} records processed, {failed:,} failed"
        )

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def fetch_job(
    conn: SalesforceConnection, job_id: str, dest: Path, journal: Journal
) -> tuple[dict[str, Any], bool]:
    """One job's info and result files; returns its JSON row and whether anything failed."""
    try:
        info = bulk.get_job(conn, job_id)
        saved, problems = bulk.download_all_results(conn, job_id, dest)
    except SalesforceError as exc:
        if isinstance(exc, AuthError):
            raise
        return {"job_id": job_id, "error_message": str(exc)}, True
    row: dict[str, Any] = {"job_id": job_id, "state": info.state, "error_message": info.error_message}
    row.update(records_processed=info.records_processed, records_failed=info.records_failed)
    row.update({f"{name}_file": str(path) for name, path in saved.items()})
    if problems:
        row["error_message"] = "; ".join(f"{n} results: {e}" for n, e in problems.items())
    else:
        journal.settle(job_id)
    return row, bool(problems) or info.state != "JobComplete" or info.records_failed > 0


def cmd_results(args: argparse.Namespace) -> int:
    from sfloader_gui.core.load.results import RunFolder

    rows: list[dict[str, Any]] = []
    failed = False
    with open_org(args) as conn, contextlib.closing(Journal()) as journal:
        folder = RunFolder.create(args.out or paths.default_output_dir(), "results")
        for job_id in args.job_ids:
            row, bad = fetch_job(conn, job_id, folder.path / "jobs" / job_id, journal)
            rows.append(row)
            failed = failed or bad
            if not args.json:
                print(f"{job_id}: {row.get('state', 'error')} {row.get('error_message') or ''}".rstrip())
    if args.json:
        print(json.dumps({"run_dir": str(folder.path), "jobs": rows}, indent=2))
    else:
        print(f"Results saved in {folder.path}")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_jobs(args: argparse.Namespace) -> int:
    if args.unsettled:
        return list_unsettled(args.json)
    if args.reconcile:
        return cmd_reconcile(args)
    with open_org(args) as conn:
        jobs = list(bulk.list_jobs(conn))
    jobs.sort(key=lambda j: j.created_date, reverse=True)
    jobs = jobs[: max(1, args.limit)]
    if args.json:
        keys = ("id", "state", "object", "operation", "created_date", "records_processed", "records_failed")
        print(json.dumps({"jobs": [{k: getattr(j, k) for k in keys} for j in jobs]}, indent=2))
        return EXIT_OK
    for j in jobs:
        counts = f"{j.records_processed:>9,} processed {j.records_failed:>7,} failed"
        print(f"{j.id}  {j.created_date[:19]}  {j.state:<14} {j.operation:<7} {j.object:<20} {counts}")
    if not jobs:
        print("No ingest jobs found.")
    return EXIT_OK


def list_unsettled(as_json: bool) -> int:
    """Jobs this machine started whose results were never saved (still running, or interrupted)."""
    with contextlib.closing(Journal()) as journal:
        entries = journal.unsettled()
    if as_json:
        print(json.dumps({"jobs": [{**e.__dict__, "run_dir": str(e.run_dir), "file": str(e.file)}
                                   for e in entries]}, indent=2))  # fmt: skip
        return EXIT_OK
    for e in entries:
        print(f"{e.job_id}  {e.updated_at}  {e.state:<14} {e.file.name} part {e.part}  {e.instance_url}")
    print("Fetch their results with: sfloader results JOB_ID..." if entries else "No unsettled jobs.")
    return EXIT_OK


def reconcile(conn: SalesforceConnection) -> Any:
    """Abort stray Open jobs of an earlier crashed run; report journalled jobs left running."""
    from sfloader_gui.core.load.reconcile import reconcile_strays

    with contextlib.closing(Journal()) as journal:
        return reconcile_strays(conn, journal)


def cmd_reconcile(args: argparse.Namespace) -> int:
    with open_org(args) as conn:
        rep = reconcile(conn)
    if args.json:
        groups = ("aborted", "running", "finished")
        doc = {g: [j.__dict__ for j in getattr(rep, g)] for g in groups}
        print(json.dumps({**doc, "problems": rep.problems}, indent=2))
        return EXIT_OK
    for line in rep.lines():
        print(line)
    if not rep.lines():
        print("Nothing to reconcile: no stray Open job, no journalled job left running.")
    return EXIT_OK


def convert_inputs(files: list[Path], encoding: str | None, out: Path) -> list[Path]:
    """``--convert-from``: UTF-8 copies of the files (the originals stay as they are)."""
    if encoding is None:
        return files
    from sfloader_gui.core.csvio.encoding import convert_to_utf8
    from sfloader_gui.core.csvio.errors import CsvInputError
    from sfloader_gui.core.load.results import RunFolder

    folder = RunFolder.create(out / "converted", "utf8").path
    converted = []
    for index, src in enumerate(files, start=1):
        dst = folder / f"{index:02d}_{src.name}"
        try:
            converted.append(convert_to_utf8(src, dst, encoding))
        except (CsvInputError, OSError) as exc:
            raise UsageError(f"{src}: cannot convert from {encoding}: {exc}") from exc
        print(f"sfloader: {src.name} converted from {encoding} to UTF-8: {dst}", file=sys.stderr)
    return converted


def check_plan(conn: SalesforceConnection, files: list[Path], options: LoadOptions) -> Any:
    """Plan + pre-flight; print every finding (naming the file); refuse the load on any error."""
    from sfloader_gui.core.load.plan import plan_load
    from sfloader_gui.core.load.preflight import preflight
    from sfloader_gui.core.salesforce import describe
    from sfloader_gui.core.salesforce.errors import NotFoundError

    plan = plan_load(files, options)
    if plan.loadable:
        try:
            target = describe.describe_object(conn, options.object_name)
        except NotFoundError:
            raise UsageError(
                f"The org has no object named {options.object_name!r}; check --object."
            ) from None
        preflight(plan, target, describe.Describer(conn))
    for finding in plan.findings:
        print(f"sfloader: {finding.severity}: {finding.message}", file=sys.stderr)
    if any(f.code == "encoding" for f in plan.findings):
        print(
            "sfloader: to load a cp1252 or latin-1 file, add --convert-from cp1252 (or latin-1).",
            file=sys.stderr,
        )
    blocked = [fp.path.name for fp in plan.files if fp.blocked]
    if blocked:
        raise UsageError(f"Nothing was uploaded: fix {', '.join(blocked)} (see above) and run again.")
    return plan


@contextlib.contextmanager
def _on_sigterm(cancel: CancelToken) -> Iterator[None]:
    """A scheduler's SIGTERM stops like one Ctrl-C: no new parts, running jobs left to finish."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: cancel.cancel(abort_jobs=False))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_with_progress(
    conn: SalesforceConnection, plan: Any, options: LoadOptions, out: Path, *, retry_of: Path | None = None
) -> Any:
    """Run the load on a worker thread; Ctrl-C once stops waiting, twice also aborts running jobs."""
    from sfloader_gui.core.load import engine
    from sfloader_gui.core.load.runner import part_plans

    progress = Progress(sys.stderr, len(part_plans(plan)) if plan is not None else 0)
    cancel = CancelToken()

    journal = Journal()  # jobs left running (timeout, Ctrl-C) stay findable: `sfloader jobs --unsettled`

    def work() -> Any:
        try:
            if retry_of is not None:
                return engine.retry_failed(conn, retry_of, options, out, progress, cancel, journal)
            return engine.run_load(conn, plan, options, out, progress, cancel, journal=journal)
        finally:
            journal.close()

    interrupts = 0
    with _on_sigterm(cancel), ThreadPoolExecutor(1, thread_name_prefix="sfloader-load") as pool:
        future = pool.submit(work)
        while True:
            try:
                result = future.result(timeout=0.2)
                break
            except FutureTimeout:
                continue
            except KeyboardInterrupt:
                interrupts += 1
                cancel.cancel(abort_jobs=interrupts > 1)
                what = (
                    "aborting running jobs"
                    if interrupts > 1
                    else "stopping (Ctrl-C again: abort running jobs)"
                )
                print(f"\nsfloader: {what}…", file=sys.stderr)
    progress.finish()
    return result


def report(result: Any, as_json: bool) -> int:
    """Print the outcome (a JSON document last on stdout with ``--json``) and return the exit status."""
    manifest = result.manifest
    keys = ("file", "part", "job_id", "state", "error_message", "records_processed", "records_failed")
    jobs = []
    for job in manifest["jobs"]:
        row = {k: job[k] for k in keys}
        for name in ("success_file", "failed_file", "unprocessed_file"):
            row[name] = str(result.run_dir / job[name]) if job[name] else None
        jobs.append(row)
    if as_json:
        doc = {"run_dir": str(result.run_dir), "jobs": jobs, "totals": manifest["totals"]}
        print(json.dumps(doc, indent=2))
    else:
        for job in jobs:
            part = f" part {job['part']}" if job["part"] > 1 or len(jobs) > 1 else ""
            extra = f" — {job['error_message']}" if job["error_message"] else ""
            print(f"{Path(job['file']).name}{part}: {job['state']}, {job['records_processed']:,} processed, "
                  f"{job['records_failed']:,} failed{extra}")  # fmt: skip
        t = manifest["totals"]
        print(f"Total: {t['records']:,} records, {t['success']:,} succeeded, {t['failed']:,} failed, "
              f"{t['unprocessed']:,} unprocessed. Results: {result.run_dir}")  # fmt: skip
    return EXIT_OK if result.ok else EXIT_FAILED


def cmd_upsert(args: argparse.Namespace) -> int:
    options = load_options(args)
    out = args.out or paths.default_output_dir()
    files = convert_inputs(list(args.files), args.convert_from, out)
    with open_org(args) as conn:
        for line in reconcile(conn).lines():  # a crashed earlier run must not leave Open jobs behind
            print(f"sfloader: {line}", file=sys.stderr)
        plan = check_plan(conn, files, options)
        result = run_with_progress(conn, plan, options, out)
    return report(result, args.json)


def cmd_retry(args: argparse.Namespace) -> int:
    from sfloader_gui.core.load.results import load_manifest

    try:
        manifest = load_manifest(args.run_dir)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    args.object, args.external_id = manifest["object"], manifest["external_id_field"]
    options = load_options(args)
    out = args.out or args.run_dir.parent
    with open_org(args) as conn:
        result = run_with_progress(conn, None, options, out, retry_of=args.run_dir)
    if result is None:
        if args.json:
            print(json.dumps({"run_dir": None, "jobs": [], "totals": None}))
        else:
            print(f"Nothing to retry: every row of {args.run_dir} succeeded.")
        return EXIT_OK
    return report(result, args.json)


def _fail(args: argparse.Namespace, exc: Exception, status: int) -> int:
    print(f"sfloader: {exc}", file=sys.stderr)
    if getattr(args, "json", False):  # scripts still get their one JSON document
        print(json.dumps({"error": str(exc), "run_dir": None, "jobs": [], "totals": None}))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"upsert": cmd_upsert, "results": cmd_results, "jobs": cmd_jobs, "retry": cmd_retry}
    register_secret(getattr(args, "access_token", None))
    setup_logging()  # the engine's log lines go to the app's rotating log file, secrets redacted
    try:
        return handlers[args.command](args)
    except (UsageError, ConfigError, AuthError) as exc:
        return _fail(args, exc, EXIT_USAGE)
    except SalesforceError as exc:
        return _fail(args, exc, EXIT_FAILED)
    finally:
        shutdown_logging()


if __name__ == "__main__":
    raise SystemExit(main())
