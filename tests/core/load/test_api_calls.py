"""A load counts the API calls it made as the org counts them, also when other loads share its connection."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sfloader_gui.core.load.results import api_use_line, load_manifest
from tests.core.load.loadkit import connect, load, options, write_accounts


def test_a_loads_api_calls_are_the_ones_the_org_counted(emulator: Any, tmp_path: Path) -> None:
    files = [write_accounts(tmp_path / f"a{i}.csv", i * 1000, 300) for i in range(3)]
    before = emulator.stats.api_calls
    result = load(emulator, files, tmp_path / "out", options(poll_interval_s=0.05))
    api = result.manifest["api"]
    # create, upload, close, polls and three result files per job: every one of them counted by the org
    assert api["calls"] == emulator.stats.api_calls - before >= 3 * 6
    assert api["org_max"] == 15000 and api["org_used"] is not None and api["org_used"] >= api["calls"]
    on_disk = load_manifest(result.run_dir)
    assert on_disk["api"] == api
    assert api_use_line(api) == (
        f"This load made {api['calls']:,} API calls; the org has used {api['org_used']:,} of its 15,000 "
        "in the last 24 hours."
    )


def test_two_loads_on_one_connection_each_count_only_their_own_calls(emulator: Any, tmp_path: Path) -> None:
    a = write_accounts(tmp_path / "a.csv", 1, 200)
    b = [write_accounts(tmp_path / f"b{i}.csv", 10_000 * (i + 1), 50) for i in range(4)]
    results: dict[str, Any] = {}
    before = emulator.stats.api_calls
    with connect(emulator) as conn:  # one connection, as the app's load and a workbench retry share one

        def run(name: str, files: list[Path]) -> None:
            results[name] = load(emulator, files, tmp_path / name, options(), conn=conn)

        threads = [threading.Thread(target=run, args=(n, f)) for n, f in (("a", [a]), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    calls = {n: r.manifest["api"]["calls"] for n, r in results.items()}
    assert calls["a"] + calls["b"] == emulator.stats.api_calls - before
    # four jobs make at least four times the fixed calls of one (create, upload, close, 3 results)
    assert calls["b"] >= 4 * 6 and 6 <= calls["a"] < calls["b"]
