"""Issue 12: the gzip level an org's link ended a run at is where the next run (a new process) starts, and
the manifest says which level a run started at."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core import paths
from sfloader_gui.core.load import links
from sfloader_gui.core.load.links import MAX_AGE, remember_level, remembered_level, remembered_link
from sfloader_gui.core.load.part import upload
from tests.core.csvio.tunerkit import RATIO, fake_clock, window
from tests.core.load.loadkit import load, options, write_big_accounts

URL = "https://acme.my.salesforce.com"


@pytest.fixture(autouse=True)
def _new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test is a new process: no link judged yet."""
    monkeypatch.setattr(upload, "_tuners", {})


def test_a_remembered_level_is_kept_per_org_and_forgotten_when_old() -> None:
    assert remembered_level(URL) is None
    remember_level(URL, 6, now=1_000.0)
    remember_level("https://other.my.salesforce.com", 4, now=1_000.0)
    assert remembered_level(URL, now=1_000.0 + 60) == 6
    assert remembered_level("https://other.my.salesforce.com", now=1_060.0) == 4
    assert remembered_level(URL, now=1_000.0 + MAX_AGE + 1) is None  # the laptop may be elsewhere now
    remember_level(URL, 4, now=2_000.0)
    assert remembered_level(URL, now=2_000.0) == 4
    remember_level(URL, 9, now=3_000.0)  # not a level the tuner uses: ignored, the last one stays
    assert remembered_level(URL, now=3_000.0) == 4


def test_an_unreadable_memory_only_means_starting_at_level_1() -> None:
    (paths.data_dir() / links.LINKS_FILE).write_text("{not json", encoding="utf-8")
    assert remembered_level(URL) is None
    assert upload.tuner_for(URL).level == 1
    (paths.data_dir() / links.LINKS_FILE).write_text(json.dumps({URL: {"level": "6", "at": 0}}))
    assert remembered_level(URL) is None
    remember_level(URL, 6)  # the bad file is replaced, not an error
    assert remembered_level(URL) == 6
    assert (paths.data_dir() / links.LINKS_FILE).stat().st_mode & 0o077 == 0  # private, like the folder


def test_a_run_starts_at_the_level_its_org_was_left_at(emulator: Any, tmp_path: Path) -> None:
    remember_level(emulator.instance_url, 6)
    src = write_big_accounts(tmp_path / "big.csv", 2_000)
    result = load(emulator, [src], tmp_path / "out", options(use_gzip=True))
    compression = result.manifest["compression"]
    assert compression.get("start_level") == 6
    # the first segment already went out at 6: no bytes at level 1 to learn the link again
    assert compression["raw_bytes_by_level"] == {"6": src.stat().st_size}
    assert result.ok


def test_a_run_whose_tuner_judged_the_link_leaves_its_level_and_rate_for_the_next_process(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = fake_clock(monkeypatch)  # frozen during the loads below: only the windows here are judged
    tuner = upload.tuner_for(emulator.instance_url)
    # earlier uploads of this process found a slow link: 40 MB/s of raw data, compressors always ahead
    assert [window(tuner, clock, 40, waiting=0.0) for _ in range(2)] == [4, 6]
    src = write_big_accounts(tmp_path / "big.csv", 2_000)
    first = load(emulator, [src], tmp_path / "out", options(use_gzip=True))
    assert first.manifest["compression"].get("start_level") == 6
    assert remembered_level(emulator.instance_url) == 6
    link = remembered_link(emulator.instance_url)
    assert link is not None and 0.9 * 40e6 * RATIO[4] < link < 1.1 * 40e6 * RATIO[4]
    monkeypatch.setattr(upload, "_tuners", {})  # a new sfloader process, or the app after a restart
    second = load(emulator, [src], tmp_path / "out", options(use_gzip=True))
    assert second.manifest["compression"].get("start_level") == 6
    assert second.manifest["compression"]["raw_bytes_by_level"] == {"6": src.stat().st_size}
    assert upload._tuners[emulator.instance_url].link == link  # it starts knowing the link, too


def test_a_rate_a_run_did_not_see_again_keeps_its_age_and_one_contradicted_is_forgotten(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = emulator.instance_url
    seen_at = time.time() - MAX_AGE + 600  # seen by a run almost two weeks ago
    remember_level(url, 6, now=seen_at, link=12.4e6)
    remember_level(url, 6, link=12.4e6, seen=False)  # runs since then kept it without seeing it
    clock = fake_clock(monkeypatch)
    tuner = upload.tuner_for(url)
    assert tuner.link == 12.4e6
    for _ in range(2):  # the compressors were the bottleneck all along, at about the remembered rate
        window(tuner, clock, 47, waiting=0.5)
    small = write_big_accounts(tmp_path / "small.csv", 50)
    load(emulator, [small], tmp_path / "out", options(use_gzip=True))
    assert remembered_level(url) == 6
    assert remembered_link(url) == 12.4e6
    assert remembered_link(url, now=seen_at + MAX_AGE + 1) is None  # its age is the age of the sighting
    monkeypatch.setattr(upload, "_tuners", {})
    faster = upload.tuner_for(url)  # the next process: its link takes far more than was remembered
    for _ in range(2):
        window(faster, clock, 290, waiting=0.97)
    load(emulator, [small], tmp_path / "out", options(use_gzip=True))
    assert remembered_link(url) is None
    assert remembered_level(url) == 4  # and it went down to find the link


def test_a_run_that_never_judged_the_link_does_not_overwrite_what_is_remembered(
    emulator: Any, tmp_path: Path
) -> None:
    src = write_big_accounts(tmp_path / "small.csv", 50)  # one segment: no decision on the link
    load(emulator, [src], tmp_path / "out", options(use_gzip=True))
    assert remembered_level(emulator.instance_url) is None
    remember_level(emulator.instance_url, 6)
    earlier = upload._tuners.pop(emulator.instance_url)  # the next process
    assert earlier.decisions == 0
    result = load(emulator, [src], tmp_path / "out", options(use_gzip=True))
    assert result.manifest["compression"].get("start_level") == 6
    assert remembered_level(emulator.instance_url) == 6


def test_without_gzip_the_manifest_has_no_start_level(emulator: Any, tmp_path: Path) -> None:
    src = write_big_accounts(tmp_path / "small.csv", 50)
    result = load(emulator, [src], tmp_path / "out", options(use_gzip=False))
    assert result.manifest["compression"].get("start_level") is None
    assert result.manifest["compression"]["raw_bytes_by_level"] == {}


def test_a_gzip_upload_tells_the_tuner_how_long_the_link_took_after_its_last_byte(
    emulator: Any, tmp_path: Path
) -> None:
    src = write_big_accounts(tmp_path / "small.csv", 400)  # one segment: no judgment resets the count
    # the org answers the upload 0.5 s after it has read the last byte, as a slow link drains its buffers
    emulator.faults.hold_answer(0.5, "PUT", "/batches$")
    load(emulator, [src], tmp_path / "out", options(use_gzip=True))
    tuner = upload._tuners[emulator.instance_url]
    assert tuner.decisions == 0
    assert tuner._drain_seconds >= 0.5
