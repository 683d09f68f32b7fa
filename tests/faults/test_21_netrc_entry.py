"""Case 21: a ~/.netrc entry for the instance host does not replace the Bearer token (custom AuthBase)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.core.load.loadkit import load, write_accounts
from tests.faults.kit import nothing_lost


def test_a_load_still_sends_bearer_with_a_netrc_entry(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    src = write_accounts(tmp_path / "a.csv", 1, 5)
    result = load(emulator, [src], tmp_path / "out")
    assert result.ok and not [r for r in emulator.stats.find() if r.status == 401]
    nothing_lost(result.run_dir, emulator, records=5)
