"""The stream sent for a mapped, converted file: header of API names, ignored columns cut, quoting intact."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sfloader_gui.core.csvio.dialect import sniff
from sfloader_gui.core.mapping.columns import Choices
from sfloader_gui.core.mapping.model import ColumnMap, Mapping
from sfloader_gui.core.mapping.source import CsvSource
from sfloader_gui.core.mapping.transform import analyze


@dataclass(frozen=True)
class F:
    name: str
    type: str
    picklist_values: tuple[str, ...] = ()


FIELDS = {"ext__c": F("Ext__c", "string"), "name": F("Name", "string"), "when__c": F("When__c", "date"),
          "amount__c": F("Amount__c", "currency"), "notes__c": F("Notes__c", "textarea")}  # fmt: skip


def _sent(path: Path, part_limit: int = 100_000_000) -> tuple[list[list[str]], int]:
    dialect = sniff(path, encoding="cp1252")
    pairs = [("Key", "Ext__c"), ("Company", "Name"), ("Skip me", None), ("Date", "When__c"),
             ("Amount", "Amount__c"), ("Notes", "Notes__c")]  # fmt: skip
    mapping = Mapping(tuple(ColumnMap(c, f, "label" if f else "ignored") for c, f in pairs))
    transform, findings, parts, records = analyze(
        path, CsvSource(path, dialect), mapping, FIELDS, Choices(), "Ext__c", part_limit, dialect.terminator
    )
    assert findings == [] and transform.mode == "rewrite"
    rows: list[list[str]] = []
    for span in parts:
        body = b"".join(transform.iter_part(span)).decode("utf-8")
        assert len(body.encode()) <= transform.part_size(span) <= part_limit
        got = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
        assert got[0] == ["Ext__c", "Name", "When__c", "Amount__c", "Notes__c"]
        rows += got[1:]
    assert records == len(rows)
    return rows, len(parts)


def test_quoted_separators_newlines_and_quotes_survive_the_rewrite(tmp_path: Path) -> None:
    src = tmp_path / "tricky.csv"
    text = (
        "Key;Company;Skip me;Date;Amount;Notes\r\n"
        'K1;"Müller; Söhne";x;31.12.2026;"1.234,50";"line one\r\nline ""two"""\r\n'
        'K2;Plain;"y;z";01.02.2026;7;\r\n'
        'K3;"Quote "" inside";;;"";"a;b"\r\n'
    )
    src.write_bytes(text.encode("cp1252"))
    rows, _ = _sent(src)
    assert rows == [
        ["K1", "Müller; Söhne", "2026-12-31", "1234.50", 'line one\r\nline "two"'],
        ["K2", "Plain", "2026-02-01", "7", ""],
        ["K3", 'Quote " inside', "", "", "a;b"],
    ]


def test_parts_are_cut_by_what_is_sent(tmp_path: Path) -> None:
    src = tmp_path / "many.csv"
    lines = ["Key;Company;Skip me;Date;Amount;Notes"]
    lines += [
        f"K{n};Firm {n};{'x' * 50};{n % 28 + 1}.{n % 12 + 1}.2026;{n},5;note {n}" for n in range(1, 401)
    ]
    src.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    rows, parts = _sent(src, part_limit=4_000)
    assert parts > 3 and [r[0] for r in rows] == [f"K{n}" for n in range(1, 401)]
    assert rows[0][2:4] == ["2026-02-02", "1.5"]
