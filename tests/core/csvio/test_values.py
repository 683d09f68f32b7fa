"""Type checks of single values for pre-flight warnings."""

from __future__ import annotations

import pytest

from sfloader_gui.core.csvio.values import value_problem


@pytest.mark.parametrize(
    ("sf_type", "good", "bad"),
    [
        ("double", ["1", "-2.5", ".5", "1e3", "  3 "], ["1,5", "abc", "1.2.3", "$5"]),
        ("currency", ["1000.00"], ["1 000"]),
        ("int", ["42", "-7"], ["4.2", "x"]),
        ("boolean", ["true", "FALSE", "1", "0", "yes"], ["maybe", "2"]),
        ("date", ["2024-02-29"], ["2023-02-29", "31/05/2024", "2024-5-1"]),
        ("datetime", ["2024-05-31T10:00:00Z", "2024-05-31T10:00:00.123+02:00", "2024-05-31"], ["yesterday"]),
        ("reference", ["001000000000001", "001000000000001AAA"], ["001", "Acme"]),
        ("time", ["14:00:00", "14:00"], ["2pm"]),
    ],
)
def test_values_by_type(sf_type: str, good: list[str], bad: list[str]) -> None:
    for v in good:
        assert value_problem(sf_type, v) is None, v
    for v in bad:
        assert value_problem(sf_type, v) is not None, v


def test_empty_and_na_are_always_fine() -> None:
    assert value_problem("int", "") is None
    assert value_problem("date", "#N/A") is None


def test_text_length_and_picklists() -> None:
    assert value_problem("string", "abcdef", length=5) == "is longer than the field's 5 characters"
    assert value_problem("string", "abcde", length=5) is None
    assert value_problem("picklist", "Lost", picklist=["Planned"]) is not None
    assert value_problem("picklist", "Planned", picklist=["Planned"]) is None
    assert value_problem("picklist", "Anything") is None  # no values known: no opinion
