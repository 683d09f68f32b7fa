"""Run folders written by the contract (until the engine writes them): two sources, failures, unprocessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.review.runfolders import make_run

HEADER = ["External_Id__c", "Name", "Phone"]
MISSING_NAME = "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
BAD_REF = "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    accounts = [[f"A-{i}", "" if i % 3 == 0 else f"Acme {i}", f"555-{i:04d}"] for i in range(1, 13)]
    partners = [[f"P-{i}", f"Partner {i}", "=1+1" if i == 2 else "x"] for i in range(1, 6)]
    return make_run(
        tmp_path,
        {"accounts.csv": (HEADER, accounts), "partners.csv": (HEADER, partners)},
        {
            "accounts.csv": {r[0]: MISSING_NAME for r in accounts if not r[1]} | {"A-4": BAD_REF},
            "partners.csv": {"P-2": BAD_REF},
        },
        unprocessed={"partners.csv": ["P-4", "P-5"]},
    )
