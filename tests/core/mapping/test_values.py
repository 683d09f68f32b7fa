"""Value readings: dates, datetimes, numbers, checkboxes and picklists as business files write them."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sfloader_gui.core.mapping import dates, numbers
from sfloader_gui.core.mapping.choices import Picklist, to_checkbox
from sfloader_gui.core.mapping.columns import Choices, ColumnCheck, converter


@pytest.mark.parametrize(
    ("value", "order", "iso"),
    [
        ("12/31/2026", dates.MDY, "2026-12-31"),
        ("31/12/2026", dates.DMY, "2026-12-31"),
        ("31.12.2026", dates.DMY, "2026-12-31"),
        ("1-2-2026", dates.DMY, "2026-02-01"),
        ("1-2-2026", dates.MDY, "2026-01-02"),
        ("2026/12/31", dates.YMD, "2026-12-31"),
        ("2026-12-31", dates.DMY, "2026-12-31"),  # already Salesforce's form: untouched
    ],
)
def test_dates_in_every_order_and_separator(value: str, order: int, iso: str) -> None:
    assert dates.to_iso_date(value, order) == iso


def test_date_classification_proves_an_order_or_is_ambiguous() -> None:
    assert dates.classify_date("31/12/2026") == dates.DMY
    assert dates.classify_date("12/31/2026") == dates.MDY
    assert dates.classify_date("03/04/2026") & dates.DIFFERS
    assert not dates.classify_date("04/04/2026") & dates.DIFFERS
    assert dates.classify_date("31/12/26") == dates.TWO_DIGIT_YEAR
    assert dates.classify_date("31/02/2026") == dates.BAD
    assert dates.classify_date("2026-12-31") == dates.ISO


def test_datetimes_get_the_offset_of_the_chosen_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert dates.to_iso_datetime("31.12.2026 13:05", dates.DMY, berlin) == "2026-12-31T13:05:00.000+01:00"
    assert dates.to_iso_datetime("7/1/2026 1:05 PM", dates.MDY, berlin) == "2026-07-01T13:05:00.000+02:00"
    assert dates.to_iso_datetime("2026-07-01 00:00:00", dates.MDY, UTC) == "2026-07-01T00:00:00.000+00:00"
    assert dates.to_iso_datetime("2026-07-01T10:00:00Z", dates.MDY, berlin) == "2026-07-01T10:00:00Z"
    assert dates.classify_datetime("1/2/2026 25:00") == dates.BAD


@pytest.mark.parametrize(
    ("value", "sep", "whole", "plain"),
    [
        ("1,234.50", numbers.POINT, False, "1234.50"),
        ("1.234,50", numbers.COMMA, False, "1234.50"),
        ("1 234,5", numbers.COMMA, False, "1234.5"),
        ("$1,234", numbers.POINT, False, "1234"),
        ("12,5%", numbers.COMMA, False, "12.5"),
        ("(1,234.00)", numbers.POINT, False, "-1234.00"),
        ("42.0", numbers.POINT, True, "42"),
        ("1.234", numbers.COMMA, True, "1234"),
        ("-17.25", numbers.POINT, False, "-17.25"),
    ],
)
def test_numbers_read_with_their_separators(value: str, sep: int, whole: bool, plain: str) -> None:
    assert numbers.to_plain(value, sep, whole) == plain


def test_number_classification() -> None:
    assert numbers.classify_number("1,234.50") & (numbers.POINT | numbers.COMMA) == numbers.POINT
    assert numbers.classify_number("1.234,50") & (numbers.POINT | numbers.COMMA) == numbers.COMMA
    assert numbers.classify_number("1,234") & numbers.DIFFERS
    assert numbers.classify_number("abc") == numbers.BAD
    assert numbers.classify_number("1.5", whole=True) == numbers.BAD


def test_checkboxes_and_picklist_labels() -> None:
    assert [to_checkbox(v) for v in ("Yes", "N", "1", "x", "FALSE", "", "maybe")] == [
        "true", "false", "true", "true", "false", "", None,
    ]  # fmt: skip
    assert to_checkbox("", x_style=True) == "false"
    tier = Picklist(["T1", "T2"], ["Gold", "Silver"], restricted=True)
    assert [tier.convert(v) for v in ("T1", "gold", " Silver ", "Platinum")] == ["T1", "T1", "T2", None]
    assert Picklist(["A"], ["A"], restricted=False).convert("B") == "B"


def _check(kind: str, values: list[str], **choices: str) -> tuple[object, list[str]]:
    check = ColumnCheck("Col", "Field__c", kind, Choices(**choices))
    for n, v in enumerate(values, start=1):
        check.see(v, n)
    rule, findings = check.finish(Path("f.csv"))
    return rule, [f.code for f in findings]


def test_a_column_order_is_proved_by_one_value_and_ambiguity_blocks() -> None:
    rule, codes = _check("date", ["03/04/2026", "31/12/2026", ""])
    assert codes == [] and rule.choice == "DMY" and rule.inferred  # type: ignore[attr-defined]
    rule, codes = _check("date", ["03/04/2026", "05/06/2026"])
    assert codes == ["ambiguous_date"]
    rule, codes = _check("date", ["03/04/2026", "05/06/2026"], date_format="MDY")
    assert codes == [] and rule.choice == "MDY" and not rule.inferred  # type: ignore[attr-defined]
    convert = converter(rule)  # type: ignore[arg-type]
    assert convert("03/04/2026") == "2026-03-04"
    _, codes = _check("date", ["31/12/2026", "12/31/2026", "1/1/26"])
    assert sorted(codes) == ["bad_value", "bad_value"]


def test_a_number_column_is_ambiguous_until_proved() -> None:
    _, codes = _check("number", ["1,234", "5,678"])
    assert codes == ["ambiguous_number"]
    rule, codes = _check("number", ["1,234", "5,678.25"])
    assert codes == [] and rule.choice == "."  # type: ignore[attr-defined]
    rule, codes = _check("number", ["1.500", "2.25"])  # already Salesforce's form: a decimal point
    assert codes == [] and rule.choice == "."  # type: ignore[attr-defined]
