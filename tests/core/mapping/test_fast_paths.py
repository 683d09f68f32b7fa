"""The fast paths of mapped and converted files send exactly what the slow, value-by-value reading would."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui.core.csvio.records import flat_fields, neutral_text, unquote, unquote_many
from sfloader_gui.core.load.plan import plan_load
from sfloader_gui.core.load.preflight import preflight
from sfloader_gui.core.mapping import numbers
from sfloader_gui.core.mapping.auto import auto_map
from sfloader_gui.core.mapping.columns import _SHAPE, ColumnRule, converter, many_converter
from sfloader_gui.core.mapping.model import Mapping
from sfloader_gui.core.models import LoadOptions
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.describe import Describer
from sfloader_gui.core.salesforce.tokens import StaticToken

LABELS = "External Id,Account Name,Annual Revenue,Employees,Industry,Account Description"


@pytest.fixture
def describer(emulator: Any) -> Iterator[Describer]:
    conn = SalesforceConnection(emulator.instance_url, StaticToken(emulator.access_token))
    yield Describer(conn)
    conn.close()


def _checked(path: Path, describer: Describer) -> Any:
    plan = plan_load([path], LoadOptions(object_name="Account", external_id_field="External_Id__c"))
    preflight(plan, describer("Account"), describer)
    return plan.files[0]


def _sent(fp: Any) -> bytes:
    return b"".join(b"".join(fp.transform.iter_part(span)) for span in fp.parts)


def _body(rows: int, start: int = 0) -> str:
    lines = []
    for n in range(start, start + rows):
        note = f'"line one, {n}\nline ""two"""' if n % 3 else f"plain {n}"
        key = f'"K-{n}"' if n % 7 == 0 else f"K-{n}"
        lines.append(f"{key},Firm {n},{n * 10}.50,{n % 500},Banking,{note}\n")
    return "".join(lines)


def test_a_label_header_file_is_sent_byte_for_byte_under_api_names(
    tmp_path: Path, describer: Describer
) -> None:
    src = tmp_path / "labels.csv"
    body = _body(3000)  # more than one block of the whole-file check
    src.write_text(LABELS + "\n" + body, encoding="utf-8")
    fp = _checked(src, describer)
    assert not fp.blocked and fp.transform.mode == "raw"
    sent = _sent(fp)
    header = b"External_Id__c,Name,AnnualRevenue,NumberOfEmployees,Industry,Description\n"
    assert sent == header + body.encode()  # the records' bytes untouched


def test_keys_equal_but_for_case_are_found_by_the_whole_file_check_of_a_label_header_file(
    tmp_path: Path, describer: Describer
) -> None:
    src = tmp_path / "labels.csv"
    body = _body(3000) + '"k-5",Late,1.5,1,Banking,x\nk-2999,Later,2,2,Energy,y\n'
    src.write_text(LABELS + "\n" + body, encoding="utf-8")
    fp = _checked(src, describer)
    assert fp.transform.mode == "raw"  # the check that fed the case-folded keys went to the end
    (finding,) = [f for f in fp.findings if f.code == "duplicate_external_id_case"]
    assert fp.blocked and finding.records == [6, 3000, 3001, 3002]
    assert "'K-5' (record 6) and 'k-5' (record 3,001)" in finding.message


def test_a_value_to_convert_late_in_the_file_leaves_the_fast_check_and_keys_are_still_all_read(
    tmp_path: Path, describer: Describer
) -> None:
    src = tmp_path / "labels.csv"
    body = _body(3000) + 'K-3000,Late,"1,234.50",1,Banking,x\nk-1,Case,2,2,Energy,y\n'
    src.write_text(LABELS + "\n" + body, encoding="utf-8")
    fp = _checked(src, describer)
    assert fp.transform.mode == "rewrite"
    (finding,) = [f for f in fp.findings if f.code == "duplicate_external_id_case"]
    assert finding.records == [2, 3002]
    rows = list(csv.reader(io.StringIO(_sent(fp).decode(), newline="")))
    assert rows[0][2] == "AnnualRevenue" and rows[3001][2] == "1234.50" and rows[11][2] == "100.50"
    assert rows[2][5] == 'line one, 1\nline "two"'


def _reference(
    src: Path, keep: list[int], convs: dict[int, Any], delimiter: str, enc: str
) -> list[list[str]]:
    with src.open(encoding=enc, newline="") as fh:
        rows = list(csv.reader(fh, delimiter=delimiter))[1:]
    return [[convs[i](row[i]) if i in convs else row[i] for i in keep] for row in rows]


@pytest.mark.parametrize(("enc", "delimiter", "newline"), [("utf-8", ",", "\n"), ("cp1252", ";", "\r\n")])
def test_the_column_wise_rewrite_equals_a_csv_reader_and_the_converters_value_by_value(
    tmp_path: Path, describer: Describer, enc: str, delimiter: str, newline: str
) -> None:
    rng = random.Random(11)
    src = tmp_path / "local.csv"
    comma = delimiter == ";"
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(
        ["External Id", "Account Name", "Skip", "Annual Revenue", "Customer Since", "Active Customer"]
    )
    for n in range(6000):  # several blocks of the rewrite
        amount = rng.choice([f"{rng.random() * 1e7:,.2f}", f"{rng.randrange(10**6)}", "", "#N/A"])
        if comma:
            amount = amount.replace(",", "_").replace(".", ",").replace("_", ".")
        day, month, year = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(1990, 2030)
        when = f"{day}.{month}.{year}" if comma else f"{month}/{day}/{year}"
        name = rng.choice([f"Firm {n}", f'Müller{delimiter} "Söhne" {n}', f"two\nlines {n}"])
        writer.writerow([f"K-{n}", name, rng.choice(["x", f"a{delimiter}b", ""]), amount, when,
                         rng.choice(["Yes", "No", "y", "N", ""])])  # fmt: skip
    src.write_bytes(out.getvalue().encode(enc))
    # cp1252 is converted on the fly (as the app does after the user's click); Skip is left out
    options = LoadOptions(object_name="Account", external_id_field="External_Id__c", encoding=enc)
    plan = plan_load([src], options)
    fp = plan.files[0]
    assert fp.dialect is not None
    auto = auto_map(fp.dialect.header, describer("Account"), describer)
    mine = Mapping(tuple(replace(c, how="ignored") if c.column == "Skip" else c for c in auto.columns))
    preflight(plan, describer("Account"), describer, mappings={src: mine})
    assert fp.mapping is not None
    mapping = fp.mapping.columns
    assert [c.target for c in mapping][:2] == ["External_Id__c", "Name"]
    transform = fp.transform
    assert transform is not None and transform.mode == "rewrite" and not fp.blocked
    assert len(transform.changes) == 3  # amounts, dates, checkboxes
    rules = {i: r for i, r in transform.rules.items() if i in transform.changes}
    convs = {i: converter(r, transform.picklists.get(i)) for i, r in rules.items()}
    keep = [i for i, c in enumerate(mapping) if c.sent]
    got = list(csv.reader(io.StringIO(_sent(fp).decode("utf-8"), newline=""), delimiter=delimiter))
    assert got[1:] == _reference(src, keep, convs, delimiter, enc)


def test_unquote_many_equals_unquote_field_by_field() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        values = ["".join(rng.choice('a",\n\x02 ') for _ in range(rng.randrange(6))) for _ in range(5)]
        quoted = [
            '"' + v.replace('"', '""') + '"' if any(c in v for c in '",\n') or rng.random() < 0.3 else v
            for v in values
        ]
        raw = neutral_text(",".join(quoted).encode(), b",").split(b",")
        assert unquote_many(raw, b",") == [unquote(v, b",") for v in raw]


def test_flat_fields_refuses_a_block_with_a_short_record() -> None:
    assert flat_fields(b"a,b,c\nd,e,f\n", b",", 3) == [b"a", b"b", b"c", b"d", b"e", b"f"]
    assert flat_fields(b"a,b,c\nd,e,f", b",", 3) == [b"a", b"b", b"c", b"d", b"e", b"f"]
    assert flat_fields(b"a,b\nd,e,f,g\n", b",", 3) is None


@pytest.mark.parametrize("sep", [".", ","])
def test_amounts_converted_in_bulk_equal_the_value_by_value_conversion(sep: str) -> None:
    rng = random.Random(5)
    rule = ColumnRule("Amount", "AnnualRevenue", "number", sep)
    one, many = converter(rule), many_converter(rule)
    for _ in range(300):
        values = []
        for _ in range(rng.randrange(1, 40)):
            n = rng.random() * 10 ** rng.randrange(9)
            text = rng.choice(
                [f"{n:,.2f}", f"{n:.2f}", f"{int(n)}", f"{n:,.0f}", "", "#N/A", "1,234", "12,5"]
            )
            values.append(text.replace(",", "_").replace(".", ",").replace("_", ".") if sep == "," else text)
        assert many(values) == [one(v) for v in values]


def test_a_numbers_readings_depend_on_its_shape_only() -> None:
    rng = random.Random(9)
    alphabet = list("0123456789" * 3) + list(",. -'$%()") + ["\u00a0", "€", "USD"]
    for _ in range(20000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 12)))
        for whole in (False, True):
            shaped = value.translate(_SHAPE)
            assert numbers.classify_number(value, whole) == numbers.classify_number(shaped, whole)


def test_a_currency_sign_alone_is_not_a_number() -> None:
    assert numbers.classify_number("$") == numbers.BAD and numbers.to_plain("USD", numbers.POINT) is None


def _workbook(path: Path, keys: list[str]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Accounts")
    ws.append(["External Id", "Account Name"])
    for n, key in enumerate(keys):
        ws.append([key, f"Firm {n}"])
    wb.save(path)
    return path


def test_a_workbooks_repeated_keys_are_found_from_hashes_and_a_second_read(
    tmp_path: Path, describer: Describer
) -> None:
    keys = [f"K-{(n * 7919) % 5000}" for n in range(5000)]  # not in order: the hashes are kept
    keys[3999] = keys[9]
    fp = _checked(_workbook(tmp_path / "repeats.xlsx", keys), describer)
    (finding,) = [f for f in fp.findings if f.code == "duplicate_external_id"]
    assert finding.records == [10, 4000] and repr(keys[9]) in finding.message


def test_a_workbooks_keys_equal_but_for_case_are_found_from_hashes_and_a_second_read(
    tmp_path: Path, describer: Describer
) -> None:
    keys = [f"K-{(n * 7919) % 5000}" for n in range(5000)]
    keys[3999] = keys[9].lower()
    keys[4999] = ""
    fp = _checked(_workbook(tmp_path / "case.xlsx", keys), describer)
    (finding,) = [f for f in fp.findings if f.code == "duplicate_external_id_case"]
    assert finding.records == [10, 4000]
    (blank,) = [f for f in fp.findings if f.code == "blank_external_id"]
    assert blank.records == [5000]
