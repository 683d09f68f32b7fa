"""The streaming record counter (bench mode) agrees with a full CSV parse however the bytes are cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfloader_gui.emulator import ids
from sfloader_gui.emulator.csvdata import RecordCounter, count_records
from sfloader_gui.emulator.values import java_double

SAMPLES = [
    b'a,b\n1,"x\ny"\n2,"q""r"\n',
    b"a,b\r\n1,2\r\n\r\n3,4",
    b"a,b\n\n1,2\n\n",
    b'a\n"x\n\n"\n',
    b"\n\nh,i\n1,2",
    b'a,b\r\n"1\r\n2",3\r\n',
]


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("step", [1, 2, 3, 4096])
def test_counter_matches_the_csv_module(tmp_path: Path, sample: bytes, step: int) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(sample)
    header, expected = count_records(path, "COMMA")
    counter = RecordCounter()
    for i in range(0, len(sample), step):
        counter.feed(sample[i : i + step])
    assert counter.finish() == expected
    assert counter.header("COMMA") == header


def test_ids_have_salesforce_checksums() -> None:
    assert ids.to18("001A0000006Vm9r") == "001A0000006Vm9rIAC"  # a well-known real pair
    assert ids.make_ids("001", 62**5 - 2, 4) == [ids.make_id("001", n) for n in range(62**5 - 2, 62**5 + 2)]
    # bulk ids come in groups of 62 sharing a stem: runs that start, end and cross mid-group match one by one
    for first, n in ((1, 200), (61, 2), (62**4 - 5, 70), (3_844_000, 1)):
        assert ids.make_ids("a03", first, n) == [ids.make_id("a03", k) for k in range(first, first + n)]
    assert ids.is_valid_id("001A0000006Vm9rIAC", "001") and not ids.is_valid_id("001A0000006Vm9rAAA")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (912260031.0, "9.12260031E8"),  # the example in Salesforce's docs
        (123000.0, "123000.0"),
        (9999999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (0.0005, "5.0E-4"),
        (-2.5, "-2.5"),
        (0.0, "0.0"),
        (468098000.0, "4.68098E8"),  # whole numbers from 1e7 take a digits-only path
        (-12000000.0, "-1.2E7"),
        (1234567890123456.0, "1.234567890123456E15"),
        (1e16, "1.0E16"),
        (-0.0, "-0.0"),
    ],
)
def test_numbers_come_back_in_javas_double_form(value: float, text: str) -> None:
    assert java_double(value) == text
