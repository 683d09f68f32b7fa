"""The headless `sfloader` command: upsert CSV files, fetch results of jobs, list recent jobs."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence

from sfloader_gui.cli import commands
from sfloader_gui.cli.parser import EXIT_FAILED, EXIT_USAGE, UsageError, build_parser
from sfloader_gui.cli.saved import cmd_orgs
from sfloader_gui.core.logs import redact, register_secret, setup_logging, shutdown_logging
from sfloader_gui.core.models import ConfigError
from sfloader_gui.core.salesforce.errors import AuthError, SalesforceError
from sfloader_gui.core.salesforce.tokens import checked_token

__all__ = ["main"]

log = logging.getLogger(__name__)


def _fail(args: argparse.Namespace, exc: Exception | str, status: int) -> int:
    message = redact(str(exc))  # a server's or a library's text may quote a secret
    print(f"sfloader: {message}", file=sys.stderr)
    if getattr(args, "json", False):  # scripts still get their one JSON document
        detail = redact(getattr(exc, "detail", ""))
        error = f"{message} {detail}" if detail else message
        doc: dict[str, object] = {"error": error, "run_dir": None, "jobs": [], "totals": None}
        findings = getattr(exc, "findings", None)
        if findings:
            doc["findings"] = [
                {"file": str(f.file), "code": f.code, "message": redact(f.message), "records": f.records}
                for f in findings
            ]
        mappings = getattr(exc, "mappings", None)
        if mappings:  # a refused load says too which mapping (a saved one?) each file was checked with
            doc["mappings"] = mappings
        print(json.dumps(doc))
    return status


def _register_secrets(argv: Sequence[str]) -> None:
    """Known before argparse runs, so no message of its (an unknown argument echoed) can show them."""
    register_secret(os.environ.get("SF_ACCESS_TOKEN"))
    for i, arg in enumerate(argv):
        if arg == "--access-token" and i + 1 < len(argv):
            register_secret(argv[i + 1])
        elif arg.startswith("--access-token="):
            register_secret(arg.partition("=")[2])


def main(argv: Sequence[str] | None = None) -> int:
    _register_secrets(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    handlers = {
        "upsert": commands.cmd_upsert,
        "results": commands.cmd_results,
        "jobs": commands.cmd_jobs,
        "retry": commands.cmd_retry,
        "resume": commands.cmd_resume,
        "abort": commands.cmd_resume,
        "orgs": lambda a: cmd_orgs(a.json),
        "mapping": commands.cmd_mapping,
    }
    register_secret(getattr(args, "access_token", None))
    try:
        if getattr(args, "access_token", None):
            checked_token(args.access_token, "The access token (--access-token or SF_ACCESS_TOKEN)")
    except AuthError as exc:
        return _fail(args, exc, EXIT_USAGE)
    log_file = setup_logging()  # the engine's log lines go to the app's rotating log file, secrets redacted
    try:
        return handlers[args.command](args)
    except (UsageError, ConfigError, AuthError) as exc:
        return _fail(args, exc, EXIT_USAGE)
    except SalesforceError as exc:
        return _fail(args, exc, EXIT_FAILED)
    except Exception as exc:  # the last word on a bug: one redacted line, never a raw traceback
        log.exception("sfloader stopped on an unexpected error")
        return _fail(
            args, f"unexpected error ({type(exc).__name__}: {exc}); details in {log_file}", EXIT_FAILED
        )
    finally:
        shutdown_logging()
