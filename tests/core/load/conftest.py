"""Load tests start with no remembered gzip refusals (a reused port must not inherit one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sfloader_gui.core.load.runner import forget_gzip_refusals


@pytest.fixture(autouse=True)
def _fresh_gzip_memory() -> Iterator[None]:
    forget_gzip_refusals()
    yield
    forget_gzip_refusals()
