"""Run the demo org: `python -m sfloader_gui.emulator [--host H] [--port N] [--db PATH] [options]`.

The first line on stdout is one JSON object {"instance_url": ..., "access_token": ...}; the server runs
until SIGINT or SIGTERM and then exits 0. The access token is also the key to the /__emulator__ control
endpoints (see api_control).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sfloader_gui.emulator", description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    p.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    p.add_argument("--db", type=Path, default=None, help="SQLite file to keep the org's data in")
    p.add_argument("--access-token", default=None, help="the bearer token to accept (default: random)")
    p.add_argument("--rows-per-second", type=float, default=None, help="processing rate (default: max)")
    p.add_argument("--batch-size", type=int, default=10_000, help="records per processing batch")
    p.add_argument("--start-delay", type=float, default=0.0, help="seconds a job waits in UploadComplete")
    p.add_argument("--count-only", action="store_true", help="bench mode: only count records")
    p.add_argument("--upload-limit", type=int, default=150_000_000, help="max upload size in base64 bytes")
    p.add_argument("--api-limit", type=int, default=15_000, help="daily API request allowance")
    p.add_argument(
        "--profile", choices=("production", "developer"), default="production",
        help="org kind: concurrent long-running calls allowed (production 25, developer 5)",
    )  # fmt: skip
    p.add_argument(
        "--long-request-seconds", type=float, default=20.0, help="a call this long counts as long-running"
    )
    p.add_argument(
        "--second-put", choices=("refuse", "at_close"), default="refuse",
        help="a second PUT on a job: refused, or accepted with the close failing (API v43)",
    )  # fmt: skip
    p.add_argument(
        "--client-id", action="append", default=None, help="OAuth client id to accept (repeatable)"
    )
    p.add_argument("--auto-approve", action="store_true", help="skip the OAuth consent page")
    p.add_argument("--latency", type=float, default=0.0, help="fault: seconds added to every response")
    p.add_argument("--bandwidth", type=int, default=None, help="fault: bytes/s cap on bodies")
    p.add_argument("--fail-jobs", type=int, default=0, help="fault: the next N jobs fail")
    p.add_argument(
        "--fail-after-records", type=int, default=0, help="fault: records processed before failing"
    )
    p.add_argument("--stall-jobs", type=int, default=0, help="fault: the next N jobs never finish (-1: all)")
    p.add_argument("--drop-upload-after", type=int, default=None, help="fault: drop an upload after N bytes")
    p.add_argument("--refuse-gzip", action="store_true", help="fault: 415 on gzip request bodies")
    p.add_argument(
        "--ignore-content-encoding", action="store_true", help="fault: store gzip uploads still compressed"
    )
    p.add_argument("--request-limit", action="store_true", help="fault: 403 REQUEST_LIMIT_EXCEEDED")
    p.add_argument(
        "--faults-json", default=None, help="fault: a JSON object as for POST /__emulator__/faults"
    )
    return p


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    faults: dict[str, Any] = json.loads(args.faults_json) if args.faults_json else {}
    for key in ("latency", "bandwidth", "fail_jobs", "fail_after_records", "stall_jobs", "drop_upload_after",
                "refuse_gzip", "ignore_content_encoding", "request_limit"):  # fmt: skip
        value = getattr(args, key)
        if value:
            faults[key] = value
    return EmulatorConfig(
        db_path=args.db, host=args.host, port=args.port, access_token=args.access_token,
        rows_per_second=args.rows_per_second, count_only=args.count_only, batch_size=args.batch_size,
        start_delay=args.start_delay, upload_limit=args.upload_limit, api_limit=args.api_limit,
        client_ids=tuple(args.client_id) if args.client_id else None, oauth_auto_approve=args.auto_approve,
        faults=faults, profile=args.profile, long_request_seconds=args.long_request_seconds,
        second_put=args.second_put,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    with EmulatorServer(config_from_args(args)) as org:
        print(json.dumps({"instance_url": org.instance_url, "access_token": org.access_token}), flush=True)
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
