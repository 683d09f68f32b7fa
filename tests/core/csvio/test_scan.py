"""The one-pass scan: record counts, parts at record boundaries, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfloader_gui.core.csvio.dialect import sniff
from sfloader_gui.core.csvio.findings import Finding
from sfloader_gui.core.csvio.scan import ScanResult, scan_file
from tests.core.csvio.conftest import WriteCsv

KEY = "Ext__c"


def scan(
    path: Path, max_part: int = 100_000_000, chunk_size: int = 1 << 20, max_listed: int = 20
) -> ScanResult:
    return scan_file(path, sniff(path), KEY, max_part, chunk_size=chunk_size, max_listed=max_listed)


def only(result: ScanResult, code: str) -> Finding:
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, result.findings
    return found[0]


def test_counts_records_with_quoted_newlines_and_crlf(write_csv: WriteCsv) -> None:
    text = 'Ext__c,Name,Note\r\n1,A,"two\r\nlines"\r\n2,"B, Inc","say ""hi"""\r\n3,C,\r\n'
    res = scan(write_csv("ok.csv", text))
    assert res.findings == []
    assert res.records == 3
    assert [(p.records, p.first_record) for p in res.parts] == [(3, 1)]
    assert res.parts[0].end == len(text)


def test_last_record_without_terminator(write_csv: WriteCsv) -> None:
    res = scan(write_csv("end.csv", "Ext__c,Name\n1,A\n2,B"))
    assert (res.records, res.findings) == (2, [])
    assert res.parts[0].end == len("Ext__c,Name\n1,A\n2,B")


def test_quoted_keys_and_keys_in_any_column(write_csv: WriteCsv) -> None:
    text = 'Name,Ext__c,City\nA,"k,1",X\nB,"k""2",Y\nC,k3,"Z\nZ"\n'
    res = scan(write_csv("keys.csv", text))
    assert res.findings == [] and res.records == 3


def test_parts_are_cut_at_record_boundaries_within_the_limit(write_csv: WriteCsv) -> None:
    header = "Ext__c,Note\n"
    rows = [f'{i},"line one\nline {i}"\n' for i in range(1, 201)]
    path = write_csv("big.csv", header + "".join(rows))
    res = scan(path, max_part=500, chunk_size=128)
    data = path.read_bytes()
    assert res.findings == []
    assert len(res.parts) > 5
    assert sum(p.records for p in res.parts) == res.records == 200
    pos, first = len(header), 1
    for i, p in enumerate(res.parts, start=1):
        assert (p.index, p.start, p.first_record) == (i, pos, first)
        assert len(header) + p.end - p.start <= 500
        body = data[p.start : p.end].decode()
        assert body.startswith(f"{first},") and body.endswith('"\n')
        pos, first = p.end, first + p.records
    assert pos == len(data)


def test_a_record_bigger_than_the_part_limit_is_an_error(write_csv: WriteCsv) -> None:
    path = write_csv("wide.csv", "Ext__c,Note\n1,short\n2," + "x" * 300 + "\n3,short\n")
    res = scan(path, max_part=100)
    f = only(res, "part_too_small")
    assert f.records == [2] and "wide.csv" in f.message and "part size" in f.message


def test_header_only(write_csv: WriteCsv) -> None:
    f = only(scan(write_csv("head.csv", "Ext__c,Name\n")), "header_only")
    assert "head.csv" in f.message and "no data rows" in f.message


def test_missing_external_id_column(write_csv: WriteCsv) -> None:
    f = only(scan(write_csv("nokey.csv", "Id,Name\n1,A\n")), "no_external_id_column")
    assert "nokey.csv" in f.message and "'Ext__c'" in f.message and "Id, Name" in f.message


def test_external_id_column_matches_case_insensitively(write_csv: WriteCsv) -> None:
    assert scan(write_csv("case.csv", "EXT__C,Name\n1,A\n")).findings == []


def test_duplicate_and_blank_column_names(write_csv: WriteCsv) -> None:
    res = scan(write_csv("cols.csv", "Ext__c,Name,name,\n1,A,B,C\n"))
    dup = only(res, "duplicate_column")
    assert "cols.csv" in dup.message and "columns 2 and 3" in dup.message
    assert "column 4" in only(res, "blank_column").message


def test_ragged_rows_are_listed_by_record_and_line(write_csv: WriteCsv) -> None:
    text = 'Ext__c,Name,City\n1,A,X\n2,"B\nB",Y,extra\n3,C\n4,D,Z\n'
    f = only(scan(write_csv("ragged.csv", text)), "ragged_row")
    assert f.records == [2, 3]
    assert "ragged.csv" in f.message and "records 2 and 3" in f.message and "line 3" in f.message
    assert "3 columns" in f.message


def test_unterminated_quote(write_csv: WriteCsv) -> None:
    f = only(scan(write_csv("open.csv", 'Ext__c,Name\n1,A\n2,"B\n3,C\n')), "unterminated_quote")
    assert (
        f.records == [2] and "open.csv" in f.message and "never closed" in f.message and "line 3" in f.message
    )


def test_unterminated_quote_in_a_long_file_stops_without_reading_it_all(write_csv: WriteCsv) -> None:
    text = 'Ext__c,Name\n1,"never closed\n' + "".join(f"{i},x\n" for i in range(2, 200_000))
    res = scan(write_csv("long.csv", text), chunk_size=1 << 16)
    assert any(f.code in ("unterminated_quote", "record_too_long") and 1 in f.records for f in res.findings)


def test_space_before_opening_quote(write_csv: WriteCsv) -> None:
    f = only(scan(write_csv("space.csv", 'Ext__c,Name\n1,A\n2, "B, Inc"\n')), "space_before_quote")
    assert f.records == [2] and "space.csv" in f.message and "space between" in f.message


def test_stray_quote_inside_unquoted_value(write_csv: WriteCsv) -> None:
    res = scan(write_csv("stray.csv", 'Ext__c,Name\n1,15" screen\n2,B\n3,C"\n'))
    assert any(f.code == "stray_quote" and 1 in f.records for f in res.findings), res.findings
    assert all("stray.csv" in f.message for f in res.findings)


def test_text_after_closing_quote(write_csv: WriteCsv) -> None:
    f = only(scan(write_csv("after.csv", 'Ext__c,Name\n1,"A"B\n')), "text_after_quote")
    assert f.records == [1] and "after.csv" in f.message


def test_field_over_131072_characters(write_csv: WriteCsv) -> None:
    long_value = "é" * 131_073
    ok_value = "é" * 131_072
    text = f'Ext__c,Note\n1,"{ok_value}"\n2,"{long_value}"\n3,{long_value}\n'
    f = only(scan(write_csv("long.csv", text)), "field_too_long")
    assert f.records == [2, 3] and "long.csv" in f.message and "131,072" in f.message


def test_blank_external_ids(write_csv: WriteCsv) -> None:
    text = 'Name,Ext__c\nA,1\nB,\nC,""\nD,  \nE,5\n'
    f = only(scan(write_csv("blank.csv", text)), "blank_external_id")
    assert f.records == [2, 3, 4] and "blank.csv" in f.message and "Ext__c" in f.message


def test_duplicate_external_ids_with_record_numbers(write_csv: WriteCsv) -> None:
    rows = [f"K{i % 50},n{i}\n" for i in range(60)]  # K0..K9 appear twice
    res = scan(write_csv("dups.csv", "Ext__c,Name\n" + "".join(rows)), chunk_size=256)
    f = only(res, "duplicate_external_id")
    assert "dups.csv" in f.message and "20 records" in f.message
    assert "'K0' in records 1 and 51" in f.message
    assert f.records[:4] == [1, 2, 3, 4]


def test_duplicates_compare_values_not_quoting(write_csv: WriteCsv) -> None:
    f = only(scan(write_csv("q.csv", 'Ext__c,Name\n"A,1",x\nA,y\n"A,1",z\n')), "duplicate_external_id")
    assert "'A,1' in records 1 and 3" in f.message


def test_many_duplicates_are_summarised(write_csv: WriteCsv) -> None:
    res = scan(write_csv("same.csv", "Ext__c,Name\n" + "X,a\n" * 1000), max_listed=5)
    f = only(res, "duplicate_external_id")
    assert "1,000 records" in f.message and "(1,000 in all)" in f.message
    assert len(f.records) == 5


def test_line_ending_mismatch(write_csv: WriteCsv) -> None:
    res = scan_file(p := write_csv("mixed.csv", "Ext__c,Name\r\n1,A\r\n2,B\n3,C\r\n"), sniff(p), KEY, 10**8)
    f = only(res, "line_ending")
    assert f.records == [2] and "mixed.csv" in f.message and "CRLF" in f.message


def test_empty_lines(write_csv: WriteCsv) -> None:
    f = only(scan(write_csv("gaps.csv", "Ext__c,Name\n1,A\n\n2,B\n")), "empty_line")
    assert f.records == [2] and "gaps.csv" in f.message


def test_non_utf8_after_the_first_block(write_csv: WriteCsv) -> None:
    text = b"Ext__c,Name\n" + b"".join(b"%d,ok\n" % i for i in range(20_000)) + b"9,Caf\xe9\n"
    res = scan(write_csv("late.csv", text), chunk_size=1 << 12)
    f = only(res, "encoding")
    assert "late.csv" in f.message and "Windows-1252" in f.message and "line 20,002" in f.message


def test_nul_bytes_after_the_sniffed_start(write_csv: WriteCsv) -> None:
    rows = b"".join(b"%d,name\n" % i for i in range(20_000))
    f = only(scan(write_csv("bin.csv", b"Ext__c,Name\n" + rows + b"x,A\x00B\n")), "nul_bytes")
    assert "bin.csv" in f.message and "not a text CSV" in f.message and "line 20,002" in f.message


def test_on_read_sees_every_byte(write_csv: WriteCsv) -> None:
    text = b"\xef\xbb\xbfExt__c,Name\n1,A\n2,B\n"
    seen: list[bytes] = []
    scan_file(p := write_csv("all.csv", text), sniff(p), KEY, 10**8, on_read=seen.append, chunk_size=4)
    assert b"".join(seen) == text


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_block_size_does_not_change_the_answer(write_csv: WriteCsv, chunk: int) -> None:
    rows = "".join(f'{i},"a\n""b"",c",{i * 3}\n' for i in range(300))
    res = scan(write_csv("k.csv", "Ext__c,Note,N\n" + rows), max_part=2000, chunk_size=chunk)
    assert res.findings == [] and res.records == 300
    assert sum(p.records for p in res.parts) == 300


def test_duplicate_of_an_early_key_after_a_long_ordered_run(write_csv: WriteCsv) -> None:
    # Keys increase for 5,000 records (no hashes kept), then one repeats record 7's key.
    rows = "".join(f"K{i:06d},n\n" for i in range(5000)) + "K000006,again\n" + "Z1,n\n"
    f = only(scan(write_csv("late.csv", "Ext__c,Name\n" + rows), chunk_size=4096), "duplicate_external_id")
    assert "'K000006' in records 7 and 5,001" in f.message and f.records == [7, 5001]


def test_unordered_unique_keys_pass(write_csv: WriteCsv) -> None:
    rows = "".join(f"K{(i * 7919) % 10007},n\n" for i in range(10007))
    res = scan(write_csv("shuffled.csv", "Ext__c,Name\n" + rows), chunk_size=8192)
    assert res.findings == [] and res.records == 10007
    assert res.key_index is not None and not res.key_index.ordered


def test_line_ending_override_that_does_not_match_the_file(write_csv: WriteCsv) -> None:
    path = write_csv("win.csv", "Ext__c,Name\r\n1,A\r\n2,B\r\n")
    res = scan_file(path, sniff(path, line_ending="LF"), KEY, 10**8)
    f = only(res, "line_ending")
    assert f.records == [1, 2] and "LF line endings" in f.message and "win.csv" in f.message


def test_long_values_made_of_doubled_quotes(write_csv: WriteCsv) -> None:
    under = '"' + 'ab""' * 43_000 + '"'  # 129,000 characters: fine
    over = '"' + 'ab""' * 44_000 + '"'  # 132,000 characters: over the limit
    res = scan(write_csv("q.csv", f"Ext__c,Note\n1,{under}\n2,{over}\n3,x\n"))
    f = only(res, "field_too_long")
    assert f.records == [2]
    assert scan(write_csv("ok.csv", f"Ext__c,Note\n1,{under}\n2,{under}\n")).findings == []


def test_thousands_of_repeated_values_are_counted_without_listing_them_all(write_csv: WriteCsv) -> None:
    rows = "".join(f"V{i % 3000},{i}\n" for i in range(6000))  # 3,000 values, each twice
    f = only(scan(write_csv("many.csv", "Ext__c,N\n" + rows)), "duplicate_external_id")
    assert "6,000 records" in f.message and "(and 2,995 more values)" in f.message
    assert len(f.records) == 20


def test_part_size_smaller_than_the_header(write_csv: WriteCsv) -> None:
    res = scan(write_csv("tiny.csv", "Ext__c,Name\n1,A\n2,B\n"), max_part=5)
    f = only(res, "part_too_small")
    assert "header row alone" in f.message and "tiny.csv" in f.message and res.records == 2


@pytest.mark.parametrize(
    ("quote_every", "le", "quote_all", "d"),
    [(0, "\n", False, ","), (10_000, "\n", False, ","), (7, "\r\n", False, ";"), (1, "\r\n", True, "\t")],
)
def test_valid_files_never_take_the_record_by_record_path(
    write_csv: WriteCsv,
    monkeypatch: pytest.MonkeyPatch,
    quote_every: int,
    le: str,
    quote_all: bool,
    d: str,
) -> None:
    import sfloader_gui.core.csvio.scan as scan_module

    calls: list[bytes] = []
    real = scan_module.parse_record

    def counting(rec: bytes, d: bytes) -> tuple[list[bytes], list[str]]:
        calls.append(rec)
        return real(rec, d)

    monkeypatch.setattr(scan_module, "parse_record", counting)
    q = '"' if quote_all else ""
    rows = "".join(
        f'{q}K{i:07d}{q}{d}"a{d}\r\n""b"""{le}'
        if quote_every and i % quote_every == 0
        else f"{q}K{i:07d}{q}{d}{q}n {i}{q}{le}"
        for i in range(30_000)
    )
    res = scan(write_csv("fast.csv", f"Ext__c{d}Name{le}" + rows), chunk_size=1 << 19)
    assert res.findings == [] and res.records == 30_000
    assert calls == []


@pytest.mark.parametrize("text", ["Ext__c\nA\nB", "Ext__c\nA\nB\n", 'Ext__c\n"A"\n"B\nC"'])
def test_single_column_files(write_csv: WriteCsv, text: str) -> None:
    res = scan(write_csv("one.csv", text))
    assert res.findings == [] and res.records == 2
    assert res.parts[0].end == len(text)


def test_chance_hash_repeats_are_confirmed_by_value(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sfloader_gui.core.csvio.dupes as dupes

    monkeypatch.setattr(dupes, "_MASK", 0xF)  # 16 possible hashes: thousands of chance repeats
    rows = "".join(f"K{(i * 7919) % 5003},n\n" for i in range(5003))
    res = scan(write_csv("unique.csv", "Ext__c,Name\n" + rows))
    assert res.findings == []
    rows += "K17,again\n"
    f = only(scan(write_csv("dup.csv", "Ext__c,Name\n" + rows)), "duplicate_external_id")
    assert "'K17'" in f.message and "2 records" in f.message


def test_a_single_stray_quote_is_named_not_taken_for_an_open_quote(write_csv: WriteCsv) -> None:
    text = 'Ext__c,Name,Note\n1,"A\nA",x\n2,15" screen,y\n3,C,z\n4,"D"x,w\n'
    res = scan(write_csv("inch.csv", text))
    assert only(res, "stray_quote").records == [2]
    assert only(res, "text_after_quote").records == [4]
    assert "line 4" in only(res, "stray_quote").message
    assert not [f for f in res.findings if f.code == "unterminated_quote"]


def test_should_stop_ends_the_pass_with_a_blocking_finding(write_csv: WriteCsv) -> None:
    path = write_csv("long.csv", "Ext__c,Name\n" + "".join(f"K{i:06d},n\n" for i in range(50_000)))
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 2

    res = scan_file(path, sniff(path), KEY, 10**8, chunk_size=4096, should_stop=stop)
    f = only(res, "cancelled")
    assert "long.csv" in f.message and 0 < res.records < 50_000


def test_wide_records_with_short_values_stay_on_the_fast_path(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sfloader_gui.core.csvio.scan as scan_module

    def fail(rec: bytes, d: bytes) -> tuple[list[bytes], list[str]]:
        raise AssertionError("slow path")

    monkeypatch.setattr(scan_module, "parse_record", fail)
    header = "Ext__c," + ",".join(f"F{i}" for i in range(600))
    rows = "".join(f"K{r}," + ",".join(["v" * 300] * 600) + "\n" for r in range(5))  # 180 KB records
    res = scan(write_csv("wide.csv", header + "\n" + rows))
    assert res.findings == [] and res.records == 5


@pytest.mark.parametrize(
    ("text", "blank"),
    [
        ("Ext__c,Name\n1,A\n2,B\n\n\n", 2),
        ("Ext__c,Name\r\n1,A\r\n2,B\r\n\r\n", 1),
        ("Ext__c,Name\n1,A\n2,B\n\n", 1),
    ],
)
def test_empty_lines_at_the_end_are_left_out_with_a_warning(
    write_csv: WriteCsv, text: str, blank: int
) -> None:
    path = write_csv("tail.csv", text)
    res = scan(path)
    (f,) = res.findings
    assert f.severity == "warning" and f.code == "trailing_empty_lines" and "tail.csv" in f.message
    assert f"{blank} empty line" in f.message
    assert res.records == 2
    body = text.rstrip("\r\n") + ("\r\n" if "\r\n" in text else "\n")
    assert res.parts[-1].end == len(body)


def test_header_then_empty_lines_is_header_only(write_csv: WriteCsv) -> None:
    res = scan(write_csv("h.csv", "Ext__c,Name\n\n\n"))
    assert {f.code for f in res.findings} == {"header_only", "trailing_empty_lines"}


def test_sha256_still_covers_trailing_empty_lines(write_csv: WriteCsv) -> None:
    text = b"Ext__c,Name\n1,A\n\n\n"
    seen: list[bytes] = []
    scan_file(p := write_csv("t.csv", text), sniff(p), KEY, 10**8, on_read=seen.append)
    assert b"".join(seen) == text
