"""Sniffing: delimiter, line ending, BOM, header, overrides, and refusing files that are not UTF-8 CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfloader_gui.core.csvio.dialect import sniff
from sfloader_gui.core.csvio.encoding import convert_to_utf8
from sfloader_gui.core.csvio.errors import CsvInputError
from tests.core.csvio.conftest import WriteCsv


@pytest.mark.parametrize(
    ("delim", "name"),
    [(",", "COMMA"), (";", "SEMICOLON"), ("\t", "TAB"), ("|", "PIPE"), ("^", "CARET"), ("`", "BACKQUOTE")],
)
def test_each_salesforce_delimiter_is_recognised(write_csv: WriteCsv, delim: str, name: str) -> None:
    path = write_csv("a.csv", f"Ext__c{delim}Name{delim}City\n1{delim}Acme{delim}Paris\n")
    d = sniff(path)
    assert (d.delimiter, d.delimiter_name) == (delim, name)
    assert d.header == ["Ext__c", "Name", "City"]


def test_semicolon_file_with_commas_in_values(write_csv: WriteCsv) -> None:
    path = write_csv("eu.csv", "Ext__c;Amount;Note\n1;3,5;a, b\n2;4,25;c\n")
    assert sniff(path).delimiter_name == "SEMICOLON"


def test_crlf_and_lf_line_endings(write_csv: WriteCsv) -> None:
    assert sniff(write_csv("w.csv", "A,B\r\n1,2\r\n")).line_ending == "CRLF"
    assert sniff(write_csv("u.csv", "A,B\n1,2\n")).line_ending == "LF"


def test_bom_is_recorded_and_left_out_of_the_header_sent(write_csv: WriteCsv) -> None:
    path = write_csv("bom.csv", b"\xef\xbb\xbfExt__c,Name\r\n1,A\r\n")
    d = sniff(path)
    assert d.bom and d.header == ["Ext__c", "Name"]
    assert d.header_bytes == b"Ext__c,Name\r\n"
    assert d.data_offset == 3 + len(b"Ext__c,Name\r\n")


def test_quoted_header_with_newline_and_delimiter(write_csv: WriteCsv) -> None:
    path = write_csv("q.csv", 'Ext__c,"Odd,\nName"\n1,2\n')
    d = sniff(path)
    assert d.header == ["Ext__c", "Odd,\nName"]
    assert d.data_offset == len('Ext__c,"Odd,\nName"\n')


def test_overrides_win(write_csv: WriteCsv) -> None:
    path = write_csv("o.csv", "A;B,C\n1;2,3\n")
    d = sniff(path, delimiter="COMMA", line_ending="CRLF")
    assert (d.delimiter_name, d.line_ending, d.header) == ("COMMA", "CRLF", ["A;B", "C"])
    assert sniff(path, delimiter=";").delimiter_name == "SEMICOLON"


def test_header_only_without_newline_gets_a_terminator(write_csv: WriteCsv) -> None:
    d = sniff(write_csv("h.csv", "Ext__c,Name"))
    assert d.header_bytes == b"Ext__c,Name\n"


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", "empty_file", "is empty"),
        (b"\xef\xbb\xbf", "empty_file", "is empty"),
        (b"\n1,2\n", "no_header", "no header"),
    ],
)
def test_unusable_starts_are_refused_with_the_file_name(
    write_csv: WriteCsv, content: bytes, code: str, words: str
) -> None:
    path = write_csv("bad.csv", content)
    with pytest.raises(CsvInputError) as err:
        sniff(path)
    assert err.value.code == code
    assert "bad.csv" in err.value.message and words in err.value.message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(CsvInputError, match="does not exist") as err:
        sniff(tmp_path / "nope.csv")
    assert "nope.csv" in str(err.value)
    with pytest.raises(CsvInputError, match="is a folder") as err:
        sniff(tmp_path)
    assert err.value.code == "not_a_file"


def test_cp1252_text_is_refused_naming_the_encoding_and_conversion_works(
    write_csv: WriteCsv, tmp_path: Path
) -> None:
    text = "Ext__c,Name\n1,Caf\u00e9 \u2019s \u20ac\n"
    path = write_csv("win.csv", text.encode("cp1252"))
    with pytest.raises(CsvInputError) as err:
        sniff(path)
    assert err.value.suggested_encoding == "cp1252"
    assert "win.csv" in err.value.message and "Windows-1252" in err.value.message
    assert "Convert" in err.value.message
    out = convert_to_utf8(path, tmp_path / "win-utf8.csv", "cp1252")
    assert out.read_text(encoding="utf-8") == text
    assert sniff(out).header == ["Ext__c", "Name"]
    with pytest.raises(FileExistsError):
        convert_to_utf8(path, out, "cp1252")


def test_latin1_only_bytes_are_named_latin1(write_csv: WriteCsv) -> None:
    path = write_csv("l1.csv", b"Ext__c,Name\n1,A\x81\xe9\n")
    with pytest.raises(CsvInputError) as err:
        sniff(path)
    assert err.value.suggested_encoding == "latin-1"
    assert "latin-1" in err.value.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_refused_and_can_be_converted(write_csv: WriteCsv, tmp_path: Path, encoding: str) -> None:
    text = "Ext__c,Name\n1,Zoë\n"
    path = write_csv("u16.csv", text.encode(encoding))
    with pytest.raises(CsvInputError) as err:
        sniff(path)
    assert err.value.suggested_encoding == "utf-16"
    assert "u16.csv" in err.value.message and "UTF-16" in err.value.message
    if encoding == "utf-16":
        out = convert_to_utf8(path, tmp_path / "u8.csv", "utf-16")
        assert out.read_text(encoding="utf-8") == text


def test_conversion_with_the_wrong_encoding_says_so(write_csv: WriteCsv, tmp_path: Path) -> None:
    path = write_csv("x.csv", b"A\n\x81\n")
    with pytest.raises(CsvInputError, match="cannot be read as"):
        convert_to_utf8(path, tmp_path / "y.csv", "ascii")
    assert not (tmp_path / "y.csv").exists()


def test_classic_mac_line_endings_are_refused(write_csv: WriteCsv) -> None:
    with pytest.raises(CsvInputError) as err:
        sniff(write_csv("mac.csv", "Ext__c,Name\r1,A\r2,B\r"))
    assert err.value.code == "line_ending" and "mac.csv" in err.value.message


def test_excel_sep_hint_line_is_refused(write_csv: WriteCsv) -> None:
    with pytest.raises(CsvInputError) as err:
        sniff(write_csv("excel.csv", "sep=;\r\nExt__c;Name\r\n1;A\r\n"))
    assert (
        err.value.code == "excel_sep_line"
        and "excel.csv" in err.value.message
        and "sep=;" in err.value.message
    )
