"""sf__Error texts split into code, message and fields the way a user reads them."""

from __future__ import annotations

import pytest

from sfloader_gui.core.review.errors import RowError, parse_error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",
            RowError("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", "Name"),
        ),
        (
            "INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--",
            RowError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ""),
        ),
        (
            "STRING_TOO_LONG:Name: data value too large: abc (max length=5):Name --",
            RowError("STRING_TOO_LONG", "Name: data value too large: abc (max length=5)", "Name"),
        ),
        (
            "DUPLICATE_VALUE:Duplicate external id specified: A-1:External_Id__c Name --",
            RowError("DUPLICATE_VALUE", "Duplicate external id specified: A-1", "External_Id__c Name"),
        ),
        ("something odd happened", RowError("UNKNOWN", "something odd happened", "")),
    ],
)
def test_parse_error(text: str, expected: RowError) -> None:
    assert parse_error(text) == expected
