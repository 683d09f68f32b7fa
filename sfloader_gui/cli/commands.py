"""The `sfloader` subcommands: upsert, retry, results and jobs, each returning an exit status."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from sfloader_gui.cli.parser import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    load_options,
    poll_interval,
)
from sfloader_gui.cli.progress import run_with_progress
from sfloader_gui.cli.rows import ResultsRow, RunDoc, job_row, run_row
from sfloader_gui.core import paths
from sfloader_gui.core.auth.urls import UrlError, validate_instance_url
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.results import RESULT_KEYS, api_use_line, unbalanced
from sfloader_gui.core.models import LoadOptions
from sfloader_gui.core.salesforce import bulk
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import AuthError, SalesforceError
from sfloader_gui.core.salesforce.tokens import StaticToken

if TYPE_CHECKING:  # imported where used: `sfloader --help` stays quick
    from sfloader_gui.core.load.plan import FilePlan, LoadPlan
    from sfloader_gui.core.load.reconcile import ReconcileReport
    from sfloader_gui.core.load.resume import ResumeResult
    from sfloader_gui.core.load.run import RunResult
    from sfloader_gui.core.mapping.store import Saved
    from sfloader_gui.core.salesforce.describe import ObjectDescribe


@contextlib.contextmanager
def open_org(args: argparse.Namespace) -> Iterator[SalesforceConnection]:
    """The connection the flags ask for; ``--demo`` starts the demo org for the life of the command."""
    if args.org:
        if args.demo:
            raise UsageError("Pass either --org NAME or --demo, not both.")
        from sfloader_gui.cli.saved import SavedOrgs

        login = SavedOrgs.open().resume(args.org)
        with SalesforceConnection(login.instance_url, login.provider, args.api_version) as conn:
            yield conn
        return
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
            "No org given: pass --org NAME (an org saved in the app; see `sfloader orgs`), or "
            "--instance-url and --access-token (or set SF_INSTANCE_URL and SF_ACCESS_TOKEN), or use "
            "--demo for the built-in demo org."
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


def fetch_job(
    conn: SalesforceConnection, job_id: str, dest: Path, journal: Journal
) -> tuple[ResultsRow, bool]:
    """One job's info and result files; returns its JSON row and whether anything failed.

    The job is settled in the journal only once it has ended and its three files are saved: results of
    a job still running are partial, and a disk that refused a file leaves it to fetch again.
    """
    try:
        info = bulk.get_job(conn, job_id)
        saved, problems = bulk.download_all_results(conn, job_id, dest)
    except SalesforceError as exc:
        if isinstance(exc, AuthError):
            raise
        return {"job_id": job_id, "error_message": str(exc)}, True
    except OSError as exc:  # disk full, read-only folder: the job is fine, its results are not saved
        message = f"results not saved ({exc.strerror or exc}); fetch them again later"
        return {"job_id": job_id, "state": info.state, "error_message": message}, True
    row: ResultsRow = {
        "job_id": job_id,
        "state": info.state,
        "error_message": info.error_message,
        "records_processed": info.records_processed,
        "records_failed": info.records_failed,
    }
    for name, path in saved.items():
        row[RESULT_KEYS[name]] = str(path)
    ended = info.state in _ENDED
    if problems:
        row["error_message"] = "; ".join(f"{n} results: {e}" for n, e in problems.items())
    elif not ended:
        row["error_message"] = (
            f"job is still {info.state}: these results are partial; fetch them again once it has ended"
        )
    else:
        journal.settle(job_id)
    return row, bool(problems) or info.state != "JobComplete" or info.records_failed > 0


_ENDED = frozenset({"JobComplete", "Failed", "Aborted"})


def cmd_results(args: argparse.Namespace) -> int:
    """Each job's results: a job of a run this machine journalled lands in that run's folder and completes
    its manifest (as ``resume`` would); any other job, or one still running, in a new folder."""
    from sfloader_gui.core.load.results import RunFolder
    from sfloader_gui.core.load.resume import save_into_run

    rows: list[ResultsRow] = []
    failed = False
    folder: RunFolder | None = None
    with open_org(args) as conn, contextlib.closing(Journal()) as journal:
        for job_id in args.job_ids:
            row: ResultsRow
            try:
                into_run = save_into_run(conn, journal, job_id)
            except OSError as exc:  # disk full, read-only run folder: the job is fine, nothing settled
                into_run = None
                row = {"job_id": job_id, "error_message": f"results not saved ({exc.strerror or exc}); "
                       "fetch them again later"}  # fmt: skip
                bad = True
            except SalesforceError as exc:
                if isinstance(exc, AuthError):
                    raise
                into_run, row, bad = None, {"job_id": job_id, "error_message": str(exc)}, True
            else:
                if into_run is not None:
                    row, bad = run_row(*into_run)
                else:
                    folder = folder or RunFolder.create(args.out or paths.default_output_dir(), "results")
                    row, bad = fetch_job(conn, job_id, folder.path / "jobs" / job_id, journal)
            rows.append(row)
            failed = failed or bad
            if not args.json:
                where = f" (in its run folder {row['run_dir']})" if row.get("run_dir") else ""
                line = f"{job_id}: {row.get('state', 'error')}{where} {row.get('error_message') or ''}"
                print(line.rstrip())
    run_dir = str(folder.path) if folder else None
    if args.json:
        print(json.dumps({"run_dir": run_dir, "jobs": rows}, indent=2))
    elif run_dir:
        print(f"Results saved in {run_dir}")
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


def reconcile(conn: SalesforceConnection) -> ReconcileReport:
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


def describe_target(conn: SalesforceConnection, object_name: str) -> ObjectDescribe:
    """The describe of the object ``--object`` names; a usage error when the org has no such object."""
    from sfloader_gui.core.salesforce import describe
    from sfloader_gui.core.salesforce.errors import NotFoundError

    try:
        return describe.describe_object(conn, object_name)
    except NotFoundError:
        raise UsageError(f"The org has no object named {object_name!r}; check --object.") from None


SAVED_NOTE = (
    "using the mapping saved for this org, object and header set (in the app, or with `sfloader mapping "
    "--save`); pass --mapping FILE.sdl to use another, or `sfloader mapping FILE --forget` to drop it"
)


def saved_mappings(conn: SalesforceConnection, plan: LoadPlan, options: LoadOptions) -> dict[Path, Saved]:
    """With ``--mapping auto``: the mapping remembered for each file's org, object and header set."""
    from sfloader_gui.core.mapping.store import MappingStore

    if options.mapping not in ("", "auto"):
        return {}
    store = MappingStore()
    found: dict[Path, Saved] = {}
    for fp in plan.files:
        if fp.dialect is not None:
            saved = store.get(conn.instance_url, options.object_name, fp.dialect.header)
            if saved is not None:
                found[fp.path] = saved
    return found


def check_plan(
    conn: SalesforceConnection, files: list[Path], options: LoadOptions
) -> tuple[LoadPlan, dict[Path, str]]:
    """Plan + pre-flight; print every finding (naming the file); refuse the load on any error.

    Also returns where each file's mapping came from: "saved" (remembered for this org, object and
    header set), "sdl" (--mapping FILE.sdl) or "auto". A saved mapping saved with "Rows only update
    existing records" brings that back (``plan.options.allow_missing_required``), as in the app.
    """
    from sfloader_gui.core.load.plan import plan_load
    from sfloader_gui.core.load.preflight import preflight
    from sfloader_gui.core.salesforce import describe

    plan = plan_load(files, options)
    saved = saved_mappings(conn, plan, options)
    sources = {fp.path: "saved" if fp.path in saved else ("auto" if options.mapping == "auto" else "sdl")
               for fp in plan.files}  # fmt: skip
    for path in saved:
        print(f"sfloader: {path.name}: {SAVED_NOTE}", file=sys.stderr)
    updates_only = [p.name for p, s in saved.items() if s.allow_missing_required]
    if updates_only and not options.allow_missing_required:
        plan.options = options = replace(options, allow_missing_required=True)
        print(f"sfloader: {', '.join(updates_only)}: rows only update existing records (as saved with the "
              "mapping): required fields no column is sent to are allowed", file=sys.stderr)  # fmt: skip
    if any(fp.dialect is not None for fp in plan.files):  # a file the mapping may still fix is checked too
        target = describe_target(conn, options.object_name)
        mappings = {p: s.mapping for p, s in saved.items()}
        preflight(plan, target, describe.Describer(conn), mappings=mappings)
    unknown = unknown_skips(plan, options.skip_columns)
    if unknown:
        raise UsageError(f"--skip-column {', '.join(map(repr, unknown))}: no file has such a column; nothing "
                         "was uploaded")  # fmt: skip
    for finding in plan.findings:
        print(f"sfloader: {finding.severity}: {finding.message}", file=sys.stderr)
    if any(f.code == "encoding" for f in plan.findings):
        print(
            "sfloader: to load a cp1252 or latin-1 file, add --convert-from cp1252 (or latin-1).",
            file=sys.stderr,
        )
    for fp in plan.files:
        if fp.transform is not None and not fp.blocked:
            for line in describe_transform(fp):
                print(f"sfloader: {line}", file=sys.stderr)
    blocked = [fp.path.name for fp in plan.files if fp.blocked]
    if blocked:
        errors = [f for f in plan.findings if f.blocking]
        details = " | ".join(f.message for f in errors[:10])
        raise UsageError(
            f"Nothing was uploaded: fix {', '.join(blocked)} (see above) and run again.",
            findings=errors,
            mappings=mapping_rows(sources) if saved else None,  # with a saved mapping: which file used it
            detail=details,
        )
    return plan, sources


def unknown_skips(plan: LoadPlan, skips: tuple[str, ...]) -> list[str]:
    """The --skip-column names no file of the plan has (a typo must not pass silently)."""
    headers = {h.strip().casefold() for fp in plan.files if fp.dialect is not None for h in fp.dialect.header}
    return [s for s in skips if s.strip().casefold() not in headers]


def mapping_rows(sources: dict[Path, str]) -> list[dict[str, str]]:
    """The ``mappings`` entry of a --json document: where each file's mapping came from."""
    return [{"file": str(p), "source": s} for p, s in sources.items()]


# A column's reading in words: "read as ." said nothing to a reader.
_CHOICE_WORDS = {
    "MDY": "MDY (month first)",
    "DMY": "DMY (day first)",
    "YMD": "YMD (year first)",
    ".": "'.' decimals (1,234.50)",
    ",": "',' decimals (1.234,50)",
}


def describe_transform(fp: FilePlan) -> list[str]:
    """What the run does to a file on the way: mapping, ignored columns, conversions (one line each)."""
    t, dialect = fp.transform, fp.dialect
    assert t is not None and dialect is not None, "only planned files with a transform are described"
    lines = []
    renamed = [f"{c.column!r} -> {c.target}" for c in t.mapping.columns if c.sent and c.target != c.column]
    if renamed:
        lines.append(f"{fp.path.name}: columns mapped: {', '.join(renamed)}")
    if t.mapping.ignored:
        lines.append(f"{fp.path.name}: columns not sent: {', '.join(repr(c) for c in t.mapping.ignored)}")
    for rule in t.rules.values():
        if rule.choice is not None:
            how = "inferred from the file" if rule.inferred else "as given"
            lines.append(f"{fp.path.name}: column {rule.column!r} ({rule.kind}) read as "
                         f"{_CHOICE_WORDS.get(rule.choice, rule.choice)} ({how})")  # fmt: skip
    if dialect.encoding not in ("utf-8",):
        lines.append(f"{fp.path.name}: read as {dialect.encoding}, sent as UTF-8")
    return lines


def report(result: RunResult | ResumeResult, as_json: bool, mappings: dict[Path, str] | None = None) -> int:
    """Print the outcome (a JSON document last on stdout with ``--json``) and return the exit status.

    ``mappings``: where each file's mapping came from (``check_plan``), listed in the JSON document.
    """
    manifest = result.manifest
    jobs = [job_row(result.run_dir, job) for job in manifest["jobs"]]
    problem = manifest.get("manifest_error")
    if problem:  # the disk refused the manifest: say so, but still tell what the jobs did
        print(f"sfloader: {problem}; the jobs' results can be fetched again with: sfloader results JOB_ID",
              file=sys.stderr)  # fmt: skip
    not_adding_up = unbalanced(manifest)
    if not_adding_up is not None:
        print(f"sfloader: warning: {not_adding_up}", file=sys.stderr)
    if as_json:
        doc: RunDoc = {"run_dir": str(result.run_dir), "jobs": jobs, "totals": manifest["totals"]}
        if mappings:
            doc["mappings"] = mapping_rows(mappings)
        if problem:
            doc["error"] = problem
        if "api" in manifest:
            doc["api"] = manifest["api"]
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
        if "api" in manifest:
            print(api_use_line(manifest["api"]))
    # Records that do not add up are not a clean run: a script must not take them for one.
    return EXIT_OK if result.ok and not_adding_up is None else EXIT_FAILED


def cmd_upsert(args: argparse.Namespace) -> int:
    options = load_options(args)
    out = args.out or paths.default_output_dir()
    files = list(args.files)
    with open_org(args) as conn:
        for line in reconcile(conn).lines():  # a crashed earlier run must not leave Open jobs behind
            print(f"sfloader: {line}", file=sys.stderr)
        plan, sources = check_plan(conn, files, options)
        result = run_with_progress(conn, plan, plan.options, out)
    assert result is not None, "only a retry can have nothing to send"
    return report(result, args.json, sources)


_STATUS = {
    "name": "by API name", "name_case": "by API name", "label": "by label", "relationship": "relationship",
    "sdl": "from the .sdl", "ignored": "ignored", "unlisted": "not in the .sdl: not sent",
    "unmatched": "needs a choice", "saved": "saved mapping", "user": "chosen",
}  # fmt: skip


def cmd_mapping(args: argparse.Namespace) -> int:
    """Print the mapping FILE would be loaded with (and write it as an .sdl with --out).

    ``--save`` remembers it for the org, object and header set (the app and ``upsert --mapping auto``
    use it); ``--forget`` drops the remembered one. With ``--mapping auto`` a remembered mapping is shown.
    """
    from sfloader_gui.core.load.plan import LoadPlan, plan_file
    from sfloader_gui.core.load.preflight import file_mapping, preflight
    from sfloader_gui.core.mapping.sdl import SdlError, write_sdl
    from sfloader_gui.core.mapping.store import MappingStore
    from sfloader_gui.core.salesforce import describe

    args.external_id = args.external_id or "Id"
    options = load_options(args)
    with open_org(args) as conn:
        target = describe_target(conn, options.object_name)
        fp = plan_file(args.file.expanduser().absolute(), options, encoding=options.encoding)
        if fp.dialect is None:
            raise UsageError("; ".join(f.message for f in fp.findings) or f"{args.file} cannot be read.")
        parents = describe.Describer(conn)
        store, header, org = MappingStore(), fp.dialect.header, conn.instance_url
        if args.forget:
            gone = store.forget(org, options.object_name, header)
            print(f"sfloader: {'forgot the' if gone else 'there was no'} mapping saved for this org, object "
                  "and header set", file=sys.stderr)  # fmt: skip
        plan = LoadPlan(options, [fp])
        saved = saved_mappings(conn, plan, options)
        try:
            mapping, notes = saved[fp.path].mapping, [SAVED_NOTE]
        except KeyError:
            try:
                mapping, notes = file_mapping(fp, target, parents, options)
            except SdlError as exc:
                raise UsageError(str(exc)) from None
        if args.external_id != "Id":
            preflight(plan, target, parents, mappings={fp.path: mapping})
        if args.save:
            if mapping.undecided:
                left = ", ".join(repr(c.column) for c in mapping.undecided)
                raise UsageError(f"Not saved: columns {left} need a field or to be left out (an .sdl given "
                                 "to --mapping can say so).")  # fmt: skip
            store.put(org, options.object_name, header, mapping,
                      allow_missing_required=options.allow_missing_required)  # fmt: skip
            print("sfloader: mapping saved for this org, object and header set: the app and `sfloader "
                  "upsert` (with --mapping auto) use it for files with these columns",
                  file=sys.stderr)  # fmt: skip
    labels = {f.name: f.label for f in target.fields}
    rows = []
    for c in mapping.columns:
        how = _STATUS.get(c.how, c.how)
        rows.append({"column": c.column, "field": c.target, "label": labels.get(c.target or ""),
                     "status": how, "suggestions": list(c.suggestions)})  # fmt: skip
    if args.json:
        doc: dict[str, object] = {"object": options.object_name, "columns": rows, "notes": notes}
        if fp.transform is not None:
            doc["conversions"] = [r.to_json() for r in fp.transform.rules.values()]
        doc["findings"] = [
            {"severity": f.severity, "code": f.code, "message": f.message} for f in fp.findings
        ]
        print(json.dumps(doc, indent=2))
    else:
        width = max((len(c.column) for c in mapping.columns), default=10)
        for r in rows:
            target_text = r["field"] or "—"
            extra = f" (suggestions: {', '.join(r['suggestions'])})" if r["suggestions"] else ""
            print(f"{r['column']:<{width}}  ->  {target_text:<30} {r['status']}{extra}")
        for note in notes:
            print(f"note: {note}")
        for f in fp.findings:
            print(f"{f.severity}: {f.message}")
    if args.sdl_out is not None:
        try:
            write_sdl(mapping, args.sdl_out, f"sfloader mapping for {options.object_name}: {args.file.name}")
        except FileExistsError:
            raise UsageError(f"{args.sdl_out} already exists; choose another name.") from None
        print(f"sfloader: mapping written to {args.sdl_out}", file=sys.stderr)
    return EXIT_OK if not mapping.undecided else EXIT_USAGE


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


def cmd_resume(args: argparse.Namespace) -> int:
    """``resume`` / ``abort``: settle a run folder's jobs (nothing is sent again) and report it."""
    from sfloader_gui.core.load.resume import resume_run

    poll = poll_interval(args)

    def say(line: str) -> None:
        print(f"sfloader: {line}", file=sys.stderr)

    with open_org(args) as conn, contextlib.closing(Journal()) as journal:
        try:
            result = resume_run(
                conn, args.run_dir, journal, abort=args.command == "abort", poll_interval_s=poll,
                timeout_s=args.timeout, say=say,
            )  # fmt: skip
        except (OSError, ValueError) as exc:
            raise UsageError(str(exc)) from exc
    return report(result, args.json)
