"""The headless `sfloader` command: upsert CSV files, fetch results of jobs, list recent jobs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from sfloader_gui.cli import commands
from sfloader_gui.cli.parser import EXIT_FAILED, EXIT_USAGE, UsageError, build_parser
from sfloader_gui.cli.saved import cmd_orgs
from sfloader_gui.core.logs import register_secret, setup_logging, shutdown_logging
from sfloader_gui.core.models import ConfigError
from sfloader_gui.core.salesforce.errors import AuthError, SalesforceError

__all__ = ["main"]


def _fail(args: argparse.Namespace, exc: Exception, status: int) -> int:
    print(f"sfloader: {exc}", file=sys.stderr)
    if getattr(args, "json", False):  # scripts still get their one JSON document
        print(json.dumps({"error": str(exc), "run_dir": None, "jobs": [], "totals": None}))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {
        "upsert": commands.cmd_upsert,
        "results": commands.cmd_results,
        "jobs": commands.cmd_jobs,
        "retry": commands.cmd_retry,
        "orgs": lambda a: cmd_orgs(a.json),
    }
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
