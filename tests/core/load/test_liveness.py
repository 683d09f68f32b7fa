"""A run's owner lock: alive while its process runs, dead the moment the process ends, however it ends."""

from __future__ import annotations

import subprocess
import sys

from sfloader_gui.core.load import liveness

_HOLDER = (
    "import sys; from sfloader_gui.core.load import liveness; "
    "print(liveness.this_process(), flush=True); sys.stdin.readline()"
)


def test_another_process_is_alive_until_it_is_killed() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        owner = proc.stdout.readline().strip()
        assert owner and liveness.is_alive(owner)
    finally:
        proc.kill()  # no clean exit: the OS must drop the lock by itself
        proc.communicate()
    assert not liveness.is_alive(owner)


def test_this_process_is_alive_and_unknown_owners_are_not() -> None:
    assert liveness.is_alive(liveness.this_process())
    assert not liveness.is_alive("0" * 32)
    assert not liveness.is_alive(None)
