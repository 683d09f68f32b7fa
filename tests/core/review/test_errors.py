"""sf__Error texts split into code, message and fields the way a user reads them."""

from __future__ import annotations

import pytest

from sfloader_gui.core.review.errors import RowError, message_pattern, parse_error


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


@pytest.mark.parametrize(
    ("message", "pattern"),
    [
        ("Email: invalid email address: not-an-email", "Email: invalid email address: …"),
        ("Birthdate: value not of required type: 31/12/1980", "Birthdate: value not of required type: …"),
        (
            "Foreign key external ID: ACC-9999 not found for field External_Id__c in entity Account",
            "Foreign key external ID: … not found for field External_Id__c in entity Account",
        ),
        ("Required fields are missing: [Name]", "Required fields are missing: [Name]"),
        ("Field_2__c must be below 10", "Field_2__c must be below …"),
    ],
)
def test_one_cause_is_one_group_whatever_the_row_value(message: str, pattern: str) -> None:
    assert message_pattern(message) == pattern
    assert RowError("X", message, "").key == ("X", pattern)
