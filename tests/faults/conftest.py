"""Fault-table tests start with no remembered org state, like a fresh process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sfloader_gui.core.salesforce.orgstate import forget_everything


@pytest.fixture(autouse=True)
def _fresh_org_state() -> Iterator[None]:
    forget_everything()
    yield
    forget_everything()
