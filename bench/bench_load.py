"""Upsert benchmark: this engine vs simple-salesforce's bulk2 (wait=0) against one count-only emulator.

Usage:
    uv run python bench/bench_load.py [--csv FILE] [--reps 5] [--shared-mbit 100,20] [--uploads-sweep 1,4,15]

The 1M-row file comes from ``../shared/bench/make_csv.py 1000000`` (generated on first use). The emulator
runs in this process in count_only mode (jobs complete at close, rows are only counted), so what is
measured is the client's own cost. Every client run is a child process: wall time (measured by the
child around the load, imports excluded), CPU (user+sys of the whole child, from ``os.wait4``), peak RSS
(the child's own VmHWM: ``ru_maxrss`` carries the parent's RSS over fork and exec); bytes on the wire
are the request-body bytes the emulator read. Runs alternate A/B and B/A; the table shows medians and
the median of the paired wall ratios (ours / simple-salesforce).
Shared-link runs (``--shared-mbit 100,20``): one cap for both directions and all connections together,
like one office line, in a small proxy between the clients and the emulator; ``--cap-mbit`` adds the
emulator's own per-request cap. ``--levels 1,6`` times our engine at fixed gzip levels (otherwise the
engine chooses its level as it goes, and the child reports the choice). ``--uploads-sweep 1,2,4,15``
times the 15-part narrow file with that many uploads at once, and the first job's UploadComplete.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the child runs this file as a script

MAKE_CSV = Path(__file__).resolve().parents[2] / "shared" / "bench" / "make_csv.py"
DEFAULT_CSV = Path(tempfile.gettempdir()) / "sfloader-bench" / "accounts_1000000.csv"
EXT = "External_Id__c"


@dataclass
class Run:
    client: str
    wall: float
    cpu: float
    rss_mib: float
    wire_mb: float
    requests: int
    ok: bool
    detail: dict[str, Any]


def ensure_csv(path: Path, rows: int) -> Path:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating {path} ({rows:,} rows) with {MAKE_CSV}", file=sys.stderr)
        subprocess.run([sys.executable, str(MAKE_CSV), str(rows), str(path)], check=True)
    return path


# ---- a shared-bandwidth link between the clients and the emulator ------------------------------------------


class _Link:
    """One direction of a link: bytes from every connection queue for the same capacity."""

    def __init__(self, bytes_per_s: float) -> None:
        self.rate = bytes_per_s
        self.lock = threading.Lock()
        self.free_at = time.monotonic()

    def send(self, n: int) -> None:
        with self.lock:
            now = time.monotonic()
            self.free_at = max(now, self.free_at) + n / self.rate
            delay = self.free_at - now
        time.sleep(delay)  # the time these bytes take on the capped link


class ThrottleProxy:
    """A TCP proxy whose connections share one capped link in each direction (like a 100 Mbit/s line)."""

    def __init__(self, upstream: str, bytes_per_s: float) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.up, self.down = _Link(bytes_per_s), _Link(bytes_per_s)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"

    def __enter__(self) -> ThrottleProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            for src, dst, link in ((client, upstream, self.up), (upstream, client, self.down)):
                threading.Thread(target=self._pump, args=(src, dst, link), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, link: _Link) -> None:
        try:
            while data := src.recv(1 << 16):
                link.send(len(data))
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


# ---- the two clients (run in a child process) --------------------------------------------------------------


def client_ours(
    url: str, token: str, csv_path: Path, poll: float, gzip_level: int | None, extra: dict[str, Any]
) -> dict[str, Any]:
    from sfloader_gui.core.csvio.pgzip import GzipTuner
    from sfloader_gui.core.load.engine import run_load
    from sfloader_gui.core.load.part import upload
    from sfloader_gui.core.load.plan import plan_load
    from sfloader_gui.core.models import CancelToken, JobEvent, JobState, LoadOptions
    from sfloader_gui.core.salesforce.connection import SalesforceConnection
    from sfloader_gui.core.salesforce.tokens import StaticToken

    if gzip_level is not None:  # one fixed level instead of the tuner's choice
        upload._tuners[url] = GzipTuner(gzip_level, fixed=True)
    opts = LoadOptions("Account", EXT, poll_interval_s=poll, timeout_s=3600, **extra)
    out = Path(tempfile.mkdtemp(prefix="bench-runs-"))
    first_close: list[float] = []

    def on_event(event: JobEvent) -> None:
        if event.state is JobState.UPLOAD_COMPLETE and not first_close:
            first_close.append(time.perf_counter())

    try:
        with SalesforceConnection(url, StaticToken(token)) as conn:
            start = time.perf_counter()
            plan = plan_load([csv_path], opts)
            planned = time.perf_counter()
            result = run_load(conn, plan, opts, out, on_event, CancelToken())
            end = time.perf_counter()
    finally:
        shutil.rmtree(out, ignore_errors=True)
    totals = result.manifest["totals"]
    return {"wall": end - start, "plan_s": planned - start, "ok": result.ok, "records": totals["success"],
            "jobs": totals["jobs"], "first_close_s": (first_close[0] - start) if first_close else None,
            "compression": result.manifest.get("compression")}  # fmt: skip


def client_simple_salesforce(url: str, token: str, csv_path: Path) -> dict[str, Any]:
    from simple_salesforce import Salesforce

    sf = Salesforce(instance_url=url, session_id=token)
    sf.bulk2_url = f"{url}/services/data/v{sf.sf_version}/jobs/"  # it builds https URLs
    account: Any = sf.bulk2.Account  # type: ignore[union-attr]  # the library's hints are too narrow
    start = time.perf_counter()
    try:
        results: list[dict[str, Any]] = account.upsert(csv_file=str(csv_path), external_id_field=EXT, wait=0)
    except Exception as exc:  # noqa: BLE001  # the narrow file makes it fail: report it, keep benching
        return {
            "wall": time.perf_counter() - start,
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}"[:300],
        }
    end = time.perf_counter()
    processed = sum(int(r["numberRecordsProcessed"]) for r in results)
    return {"wall": end - start, "ok": True, "records": processed, "jobs": len(results)}


def child_main(argv: list[str]) -> int:
    client, url, token, csv_path, poll, level, extra = argv
    if client == "ours-seq":  # the same engine with the pre-flight's pass in this process only
        from sfloader_gui.core.csvio import parscan

        parscan.default_parallel = lambda: None
    if client.startswith("ours"):
        gzip_level = int(level) if level != "-" else None
        out = client_ours(url, token, Path(csv_path), float(poll), gzip_level, json.loads(extra))
    else:
        out = client_simple_salesforce(url, token, Path(csv_path))
    out["vmhwm_mib"] = _own_peak_rss_mib()
    print(json.dumps(out))
    return 0


def _own_peak_rss_mib() -> float | None:
    """This process's own peak RSS (VmHWM, reset by exec). The kernel's ru_maxrss of a child is not: it
    carries the RSS of the parent it was forked from (this bench's parent, with the emulator and the proxy
    in it, 60 MiB and more), which showed as the child's peak when the child stayed below it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# ---- the parent: emulator, proxy, child runs, table -------------------------------------------------------


def run_child(
    client: str, org: Any, url: str, csv_path: Path, poll: float, level: int | None,
    extra: dict[str, Any] | None = None, label: str | None = None,
) -> Run:  # fmt: skip
    org.stats.reset()
    cmd = [sys.executable, __file__, "--child", client, url, org.access_token, str(csv_path), str(poll),
           "-" if level is None else str(level), json.dumps(extra or {})]  # fmt: skip
    env = {**os.environ, "SFLOADER_HOME": _home(client)}  # journals, and the links' remembered levels
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    sampler = _RssSampler(proc.pid)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)  # the kernel's exact peak RSS and CPU of this child
    sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    detail = json.loads(output.decode().strip().splitlines()[-1]) if proc.returncode == 0 else {"ok": False}
    puts = org.stats.find("PUT", "/batches")
    name = label or (client if level is None else f"{client}-gzip{level}")
    return Run(
        client=name,
        wall=float(detail.get("wall", float("nan"))),
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mib=float(detail.get("vmhwm_mib") or usage.ru_maxrss / 1024),
        wire_mb=sum(r.bytes_in for r in puts) / 1e6,
        requests=len(org.stats.requests),
        ok=bool(detail.get("ok")),
        detail={
            **detail,
            "psutil_peak_rss_mib": round(sampler.peak / 2**20, 1),
            "tree_peak_rss_mib": round(sampler.tree_peak / 2**20, 1),
            "workers_peak_rss_mib": round(sampler.workers_peak / 2**20, 1),
        },
    )


_HOMES = {"root": "", "cold": ""}
_SEQUENTIAL_TOO: list[bool] = []  # --with-sequential: a third client, ours with a one-process pre-flight


def _home(client: str) -> str:
    """The app folder of one child: one for the whole bench (a run starts at the gzip level the last run to
    the same link ended at, as a user's second load does), or a new one each run with ``--cold``."""
    if not _HOMES["root"]:
        _HOMES["root"] = tempfile.mkdtemp(prefix="bench-home-")
        atexit.register(shutil.rmtree, _HOMES["root"], True)
    if _HOMES["cold"] and client.startswith("ours"):
        return tempfile.mkdtemp(prefix="cold-", dir=_HOMES["root"])
    return _HOMES["root"]


class _RssSampler:
    """psutil's view of the child's RSS every 20 ms: a cross-check of the kernel's ru_maxrss, and the
    child's whole footprint with the processes it starts (the pre-flight's scan worker) at each sample."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self.tree_peak = 0
        self.workers_peak = 0
        self._done = threading.Event()
        self._proc = psutil.Process(pid)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(0.02):
            try:
                own = self._proc.memory_info().rss
                kids = self._proc.children(recursive=True)
            except psutil.Error:
                return
            workers = 0
            for kid in kids:
                try:
                    workers += kid.memory_info().rss
                except psutil.Error:  # ended between the listing and the reading
                    pass
            self.peak = max(self.peak, own)
            self.workers_peak = max(self.workers_peak, workers)
            self.tree_peak = max(self.tree_peak, own + workers)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(title: str, runs: list[Run]) -> dict[str, Any]:
    print(f"\n## {title}")
    head = f"{'client':<22}{'n':>3}{'wall s':>9}{'cpu s':>9}{'peak RSS MiB':>14}{'wire MB':>10}"
    print(f"{head}{'requests':>10}{'psutil MiB':>12}{'+workers MiB':>14}  ok")
    table: dict[str, Any] = {}
    for name in dict.fromkeys(r.client for r in runs):
        mine = [r for r in runs if r.client == name]
        row = {
            "n": len(mine),
            "wall": median([r.wall for r in mine]),
            "cpu": median([r.cpu for r in mine]),
            "rss_mib": median([r.rss_mib for r in mine]),
            "rss_max_mib": max(r.rss_mib for r in mine),
            "rss_psutil_mib": median([float(r.detail.get("psutil_peak_rss_mib", "nan")) for r in mine]),
            # The largest sum of the child's RSS and its workers' seen at one sample (of all runs).
            "rss_tree_max_mib": max(float(r.detail.get("tree_peak_rss_mib", "nan")) for r in mine),
            "wire_mb": median([r.wire_mb for r in mine]),
            "requests": median([float(r.requests) for r in mine]),
            "ok": all(r.ok for r in mine),
        }
        table[name] = row
        cells = f"{row['n']:>3}{row['wall']:>9.2f}{row['cpu']:>9.2f}{row['rss_mib']:>14.1f}"
        more = f"{row['wire_mb']:>10.1f}{row['requests']:>10.0f}{row['rss_psutil_mib']:>12.1f}"
        more += f"{row['rss_tree_max_mib']:>14.1f}"
        print(f"{name:<22}{cells}{more}  {row['ok']}")
    return table


def paired(runs: list[Run], a: str, b: str) -> float:
    ours = [r.wall for r in runs if r.client == a]
    theirs = [r.wall for r in runs if r.client == b]
    ratios = [x / y for x, y in zip(ours, theirs, strict=False) if y > 0]
    value = median(ratios)
    print(f"paired wall ratio {a}/{b}: median {value:.3f} over {len(ratios)} pairs "
          f"({', '.join(f'{r:.3f}' for r in ratios)})")  # fmt: skip
    return value


def ab_runs(org: Any, url: str, csv_path: Path, reps: int, poll: float) -> list[Run]:
    runs: list[Run] = []
    clients = ["ours", "ss"] + (["ours-seq"] if _SEQUENTIAL_TOO else [])
    for rep in range(reps):
        order = clients[rep % len(clients) :] + clients[: rep % len(clients)]
        for client in order:
            run = run_child(client, org, url, csv_path, poll, None)
            line = f"wall {run.wall:.2f} s, cpu {run.cpu:.2f} s, rss {run.rss_mib:.0f} MiB"
            line += f" (with workers {run.detail.get('tree_peak_rss_mib')})"
            if "plan_s" in run.detail:
                line += f", plan {run.detail['plan_s']:.2f} s"
            start = (run.detail.get("compression") or {}).get("start_level")
            line += f", gzip start level {start}" if start else ""
            print(
                f"  rep {rep + 1} {client}: {line}, wire {run.wire_mb:.1f} MB, ok {run.ok}", file=sys.stderr
            )
            runs.append(run)
    return runs


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child_main(sys.argv[2:])
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--csv", type=Path, default=None, help="input file (default: make_csv 1M rows)")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--poll", type=float, default=0.05, help="our poll interval in the bench (s)")
    p.add_argument("--no-loopback", action="store_true", help="skip the loopback A/B run")
    p.add_argument("--shared-mbit", default="100,20", help="shared-link A/B runs, Mbit/s (empty: skip)")
    p.add_argument("--cap-mbit", type=float, default=0.0, help="emulator per-request cap A/B run (0: skip)")
    p.add_argument("--cap-reps", type=int, default=None, help="reps of the capped runs (default --reps)")
    p.add_argument("--small-rows", type=int, default=0, help="rows of the RSS-flatness file (0: skip)")
    p.add_argument("--levels", default="", help="extra fixed gzip levels to time for our engine, e.g. 1,6")
    p.add_argument("--narrow", action="store_true", help="also run the narrow 128 MB / 5.6M-row file")
    p.add_argument(
        "--uploads-sweep",
        default="",
        help="uploads at once to time on the 15-part narrow file, e.g. 1,2,4,15",
    )
    p.add_argument("--sweep-mbit", type=float, default=100.0, help="shared link of the sweep (0: loopback)")
    p.add_argument("--sweep-reps", type=int, default=2)
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    p.add_argument("--cold", action="store_true", help="each run of ours in a new app folder (no memory)")
    p.add_argument("--with-sequential", action="store_true",
                   help="also run ours with the pre-flight check in one process (ours-seq)")  # fmt: skip
    args = p.parse_args()
    _HOMES["cold"] = "1" if args.cold else ""
    if args.with_sequential:
        _SEQUENTIAL_TOO.append(True)

    from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer

    csv_path = args.csv or ensure_csv(DEFAULT_CSV, 1_000_000)
    figures: dict[str, Any] = {"file": str(csv_path), "size": csv_path.stat().st_size, "cpus": os.cpu_count(),
                               "load_avg_start": os.getloadavg()}  # fmt: skip
    reps = args.cap_reps or args.reps
    with EmulatorServer(EmulatorConfig(count_only=True)) as org:
        if not args.no_loopback:
            runs = ab_runs(org, org.instance_url, csv_path, args.reps, args.poll)
            figures["loopback"] = summarize(f"loopback, gzip on, {csv_path.name}", runs)
            figures["loopback_ratio"] = paired(runs, "ours", "ss")
            if args.with_sequential:
                figures["loopback_seq_ratio"] = paired(runs, "ours-seq", "ss")
            _levels_seen(runs)
        if args.cap_mbit > 0:
            org.faults.bandwidth = int(args.cap_mbit * 1e6 / 8)
            capped = ab_runs(org, org.instance_url, csv_path, reps, args.poll)
            org.faults.bandwidth = None
            figures["emulator_cap"] = summarize(f"emulator cap {args.cap_mbit:g} Mbit/s per request", capped)
            figures["emulator_cap_ratio"] = paired(capped, "ours", "ss")
        for mbit in [float(x) for x in args.shared_mbit.split(",") if x]:
            with ThrottleProxy(org.instance_url, mbit * 1e6 / 8) as proxy:
                shared = ab_runs(org, proxy.url, csv_path, reps, args.poll)
                if args.levels:
                    shared += [run_child("ours", org, proxy.url, csv_path, args.poll, int(x))
                               for x in args.levels.split(",")]  # fmt: skip
            figures[f"shared_{mbit:g}"] = summarize(f"shared link {mbit:g} Mbit/s (proxy)", shared)
            figures[f"shared_{mbit:g}_ratio"] = paired(shared, "ours", "ss")
            if args.with_sequential:
                figures[f"shared_{mbit:g}_seq_ratio"] = paired(shared, "ours-seq", "ss")
            _levels_seen(shared)
        if args.uploads_sweep:
            figures["uploads_sweep"] = uploads_sweep(org, args)
        if args.small_rows:
            small = ensure_csv(DEFAULT_CSV.with_name(f"accounts_{args.small_rows}.csv"), args.small_rows)
            sized = [run_child("ours", org, org.instance_url, f, args.poll, None)
                     for _ in range(3) for f in (small, csv_path)]  # fmt: skip
            for r, f in zip(sized, [small, csv_path] * 3, strict=True):
                r.client = f"ours {f.stat().st_size / 1e6:.0f} MB"
            figures["rss_flatness"] = summarize("peak RSS vs file size (ours)", sized)
        if args.levels:
            levels = [run_child("ours", org, org.instance_url, csv_path, args.poll, int(x))
                      for x in args.levels.split(",")]  # fmt: skip
            figures["gzip_levels"] = summarize("gzip level (ours, loopback)", levels)
        if args.narrow:
            narrow = make_narrow(DEFAULT_CSV.with_name("narrow_5600000.csv"), 5_600_000)
            both = [run_child(c, org, org.instance_url, narrow, args.poll, None) for c in ("ours", "ss")]
            figures["narrow"] = summarize(f"narrow file {narrow.stat().st_size / 1e6:.0f} MB", both)
            for r in both:
                print(f"  {r.client}: {r.detail}")
    figures["load_avg_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0


def _levels_seen(runs: list[Run]) -> None:
    for r in runs:
        if r.client == "ours":
            print(f"  ours compression: {r.detail.get('compression')}")


def uploads_sweep(org: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Our engine on the narrow file cut into 15 parts, with N uploads at once: total wall time and the time
    until the first job is closed (UploadComplete), over a shared link (or loopback)."""
    narrow = make_narrow(DEFAULT_CSV.with_name("narrow_5600000.csv"), 5_600_000)
    part = -(-narrow.stat().st_size // 15) + 1000  # 15 parts
    counts = [int(x) for x in args.uploads_sweep.split(",")]
    runs: list[Run] = []

    def go(url: str) -> None:
        clients = ["ours", "ours-seq"] if _SEQUENTIAL_TOO else ["ours"]
        for _ in range(args.sweep_reps):
            for n in counts:
                extra = {"max_concurrent_uploads": n, "part_size_bytes": part}
                for client in clients:
                    label = f"{client} uploads={n}"
                    runs.append(run_child(client, org, url, narrow, args.poll, None, extra, label))

    if args.sweep_mbit > 0:
        with ThrottleProxy(org.instance_url, args.sweep_mbit * 1e6 / 8) as proxy:
            go(proxy.url)
    else:
        go(org.instance_url)
    where = f"shared {args.sweep_mbit:g} Mbit/s" if args.sweep_mbit > 0 else "loopback"
    table = summarize(f"uploads at once, narrow file in 15 parts, {where}", runs)
    for name, row in table.items():
        mine = [r for r in runs if r.client == name]
        row["first_close_s"] = median([float(r.detail.get("first_close_s") or "nan") for r in mine])
        row["jobs"] = mine[0].detail.get("jobs")
        print(
            f"  {name}: first UploadComplete after {row['first_close_s']:.2f} s (median), jobs {row['jobs']}"
        )
    return table


def make_narrow(path: Path, rows: int) -> Path:
    """5.6M short rows, about 128 MB: many rows per byte, the case that trips record-count splitting."""
    if not path.exists():
        with path.open("w", encoding="utf-8", newline="") as out:
            out.write(f"{EXT},Name\n")
            for start in range(0, rows, 100_000):
                out.write(
                    "".join(f"N{i:09d},Narrow #{i % 1000:03d}\n" for i in range(start, start + 100_000))
                )
    return path


if __name__ == "__main__":
    raise SystemExit(main())
