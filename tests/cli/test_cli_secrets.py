"""A token with a line break is refused by name, never printed; any unexpected error is one redacted line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui import cli
from sfloader_gui.cli import commands
from tests.core.load.loadkit import write_accounts
from tests.secret_forms import leaks, leaks_in_tree


def _sfloader(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: its own process, real stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "sfloader_gui.cli", *argv],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.mark.parametrize("where", ["flag", "environment"])
def test_a_token_with_a_line_break_is_refused_with_exit_2(emulator: Any, tmp_path: Path, where: str) -> None:
    token = emulator.access_token[:40] + "\nSECOND-LINE-" + emulator.access_token[40:]
    src = write_accounts(tmp_path / "a.csv", 1, 3)
    argv = ["upsert", str(src), "--object", "Account", "--external-id", "External_Id__c",
            "--instance-url", emulator.instance_url]  # fmt: skip
    if where == "flag":
        done = _sfloader(*argv, "--access-token", token)
    else:
        done = _sfloader(*argv, env={"SF_ACCESS_TOKEN": token})
    assert done.returncode == 2, done.stderr
    assert "contains a space, a line break or another character" in done.stderr
    assert "Traceback" not in done.stderr
    home = Path(os.environ["SFLOADER_HOME"])
    found = leaks(done.stdout, {token}, "stdout") + leaks(done.stderr, {token}, "stderr")
    assert found + leaks_in_tree(home, {token}) == []
    assert emulator.stats.jobs_created == 0  # nothing was sent with it


def test_a_token_with_a_space_is_refused_too(emulator: Any, tmp_path: Path) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 3)
    done = _sfloader("jobs", "--instance-url", emulator.instance_url, "--access-token", "00Dabc def")
    assert done.returncode == 2 and "line break" in done.stderr
    assert "00Dabc def" not in done.stderr
    assert src.exists()


def test_an_unexpected_error_is_one_redacted_line_and_exit_1(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = emulator.access_token

    def broken(args: Any) -> int:  # a bug whose message quotes the token, in every form it might
        raise RuntimeError(f"bad state {token!r} {[token]} {token.encode()!r}")

    monkeypatch.setattr(commands, "cmd_jobs", broken)
    code = cli.main(["jobs", "--instance-url", emulator.instance_url, "--access-token", token])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.startswith("sfloader: unexpected error (RuntimeError: bad state") and "sfloader.log" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    home = Path(os.environ["SFLOADER_HOME"])
    assert leaks(out + err, {token}, "output") + leaks_in_tree(home, {token}) == []
    assert "RuntimeError" in (home / "logs" / "sfloader.log").read_text(encoding="utf-8")
