"""Randomised files: the fast scan agrees with Python's csv module on records and parts, at any block
size, and a defect planted in any record is reported with that record's number."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from typing import Literal

import pytest

from sfloader_gui.core.csvio.dialect import DELIMITERS, sniff
from sfloader_gui.core.csvio.parts import iter_part
from sfloader_gui.core.csvio.scan import scan_file

PIECES = ["a", "Zoë", "x y", "", "1.5", "é€", "word"]


def value(rnd: random.Random, d: str) -> str:
    v = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 3)))
    r = rnd.random()
    if r < 0.15:
        v += d
    elif r < 0.25:
        v += '"q"'
    elif r < 0.35:
        v += rnd.choice(["\n", "\r\n"]) + "next"
    return v


def make_rows(rnd: random.Random, n: int, ncols: int, key: int, d: str) -> list[list[str]]:
    keys = [f"K{i:05d}" for i in range(n)]
    if rnd.random() < 0.5:
        rnd.shuffle(keys)
    rows = []
    for i in range(n):
        row = [value(rnd, d) for _ in range(ncols)]
        row[key] = keys[i] + (d if rnd.random() < 0.1 else "")
        rows.append(row)
    return rows


def render(
    rows: list[list[str]],
    header: list[str],
    d: str,
    le: str,
    rnd: random.Random,
    quoting: Literal[0, 1] | None = None,
) -> bytes:
    out = io.StringIO(newline="")
    style: Literal[0, 1] = (0 if rnd.random() < 0.5 else 1) if quoting is None else quoting
    w = csv.writer(out, delimiter=d, lineterminator=le, quoting=style)  # QUOTE_MINIMAL or QUOTE_ALL
    w.writerow(header)
    w.writerows(rows)
    text = out.getvalue()
    if rnd.random() < 0.3:
        text = text.removesuffix(le)  # the last record without a terminator
    return text.encode("utf-8")


def plant(rows: list[list[str]], code: str | None, victim: int, key: int) -> None:
    """A ragged row, a blank or a repeated External ID at row ``victim`` (other codes: nothing here)."""
    if code == "ragged_row":
        rows[victim] = rows[victim][:-1]
    elif code == "blank_external_id":
        rows[victim][key] = ""
    elif code == "duplicate_external_id":
        rows[victim][key] = rows[victim - 1][key]


@pytest.mark.parametrize("seed", range(12))
def test_random_valid_files_scan_clean_and_parts_rebuild_the_rows(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    d = rnd.choice(list(DELIMITERS.values()))
    le = rnd.choice(["\n", "\r\n"])
    ncols = rnd.randint(1, 5)
    key = rnd.randrange(ncols)
    header = [f"C{i}" for i in range(ncols)]
    header[key] = "Ext__c"
    rows = make_rows(rnd, rnd.randint(1, 400), ncols, key, d)
    path = tmp_path / "f.csv"
    path.write_bytes(render(rows, header, d, le, rnd))
    dialect = sniff(path, delimiter=d)
    limit = rnd.choice([len(dialect.header_bytes) + 400, 2000, 10**8])
    for chunk in (5, 300, 1 << 16):
        res = scan_file(path, dialect, "Ext__c", limit, chunk_size=chunk)
        assert res.findings == [], (seed, chunk, res.findings)
        assert res.records == len(rows)
        got: list[list[str]] = []
        pos = dialect.data_offset
        for span in res.parts:
            assert span.start == pos and span.first_record == len(got) + 1
            body = b"".join(iter_part(path, dialect, span))
            assert len(body) <= max(limit, len(dialect.header_bytes) + span.size)
            parsed = list(csv.reader(io.StringIO(body.decode(), newline=""), delimiter=d))
            assert parsed[0] == header and len(parsed) - 1 == span.records
            got += parsed[1:]
            pos = span.end
        assert pos == path.stat().st_size
        assert got == rows


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    "code", ["ragged_row", "blank_external_id", "duplicate_external_id", "space_before_quote"]
)
def test_a_planted_defect_is_reported_with_its_record_number(tmp_path: Path, seed: int, code: str) -> None:
    rnd = random.Random(seed)
    d = rnd.choice([",", ";", "\t", "|"])
    ncols = rnd.randint(2, 4)
    key = rnd.randrange(ncols)
    header = [f"C{i}" for i in range(ncols)]
    header[key] = "Ext__c"
    rows = make_rows(rnd, 300, ncols, key, d)
    victim = rnd.randrange(1, 300)
    other = next(i for i in range(ncols) if i != key)
    plant(rows, code, victim, key)
    le = rnd.choice(["\n", "\r\n"])
    if code == "space_before_quote":
        rows[victim][other] = "SBQ"
        data = render(rows, header, d, le, rnd, 0)  # QUOTE_MINIMAL
        data = data.replace(b"SBQ", f' "S{d}Q"'.encode())
    else:
        data = render(rows, header, d, le, rnd)
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    dialect = sniff(path, delimiter=d)
    for chunk in (7, 4096):
        res = scan_file(path, dialect, "Ext__c", 10**8, chunk_size=chunk)
        found = [f for f in res.findings if f.code == code]
        assert found, (chunk, res.findings)
        assert "bad.csv" in found[0].message
        if code == "duplicate_external_id":
            assert victim + 1 in found[0].records and victim in found[0].records
        else:
            assert found[0].records == [victim + 1]
