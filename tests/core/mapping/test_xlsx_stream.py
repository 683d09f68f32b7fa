"""The streamed .xlsx reader gives the same header and rows as python-calamine, in flat memory."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from sfloader_gui.core.mapping import source
from sfloader_gui.core.mapping.source import WorkbookError, glance_workbook, sheet_names, workbook_source
from sfloader_gui.core.mapping.xlsx import _expat_rows, _shared_strings, _styles, _valuer, iter_xlsx_rows

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _book(
    path: Path, sheets: dict[str, str], shared: str = "", date1904: bool = False, prefix: str = "x:",
    pretty: bool = False,
) -> Path:  # fmt: skip
    """A workbook written by hand, as other programs than openpyxl write them (shared strings, a
    namespace prefix, rich text with phonetic runs, cells without references, 1904 dates)."""
    pr = '<x:workbookPr date1904="1"/>' if date1904 else "<x:workbookPr/>"
    listed = "".join(
        f'<x:sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(sheets, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml" '
        f'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        for i in range(1, len(sheets) + 1)
    )
    styles = (
        f'<styleSheet xmlns="{_MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="d/m/yyyy;@"/>'
        '<numFmt numFmtId="165" formatCode="#,##0.00 &quot;days&quot;"/></numFmts><cellXfs count="5">'
        '<xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="22"/><xf numFmtId="165"/><xf numFmtId="46"/>'
        "</cellXfs></styleSheet>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<x:workbook xmlns:x="{_MAIN}" xmlns:r="{_R}">{pr}<x:sheets>{listed}</x:sheets></x:workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            "</Relationships>",
        )
        z.writestr("xl/styles.xml", styles)
        if shared:
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_MAIN}">{shared}</sst>')
        for i, body in enumerate(sheets.values(), start=1):
            if pretty:  # whitespace between rows and between cells, as some writers indent
                body = body.replace("</x:c><x:c", "</x:c>\n    <x:c").replace("</x:row>", "</x:row>\n  ")
            xml = f'<x:worksheet xmlns:x="{_MAIN}"><x:dimension ref="A1"/><x:sheetData>{body}</x:sheetData>'
            xml += "</x:worksheet>"
            if prefix != "x:":  # the default namespace, as Excel writes it
                xml = xml.replace('xmlns:x="', 'xmlns="').replace("<x:", "<").replace("</x:", "</")
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return path


SHARED = (
    "<si><t>Key</t></si><si><t>When</t></si><si><t>Amount</t></si><si><t>Flag</t></si>"
    '<si><r><t>Müller </t></r><r><rPr><b/></rPr><t xml:space="preserve">&amp; Söhne</t></r>'
    "<rPh><t>ミュラー</t></rPh></si><si><t>Note</t></si><si><t>Dur</t></si>"
)
MAIN_SHEET = (
    '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
    '<x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="s"><x:v>3</x:v></x:c>'
    '<x:c r="E1" t="s"><x:v>5</x:v></x:c>'
    '<x:c r="F1" t="s"><x:v>6</x:v></x:c></x:row>'
    '<x:row r="2"><x:c r="A2" t="s"><x:v>4</x:v></x:c><x:c r="B2" s="1"><x:v>46387</x:v></x:c>'
    '<x:c r="C2" s="3"><x:v>1234.5</x:v></x:c><x:c r="D2" t="b"><x:v>1</x:v></x:c>'
    '<x:c r="E2" t="str"><x:f>A2&amp;"!"</x:f><x:v>Müller &amp; Söhne!</x:v></x:c>'
    '<x:c r="F2" s="4"><x:v>1.5</x:v></x:c></x:row>'
    '<x:row r="4"><x:c t="inlineStr"><x:is><x:t>K3</x:t></x:is></x:c><x:c s="2"><x:v>46024.5</x:v></x:c>'
    '<x:c><x:v>42</x:v></x:c><x:c t="b"><x:v>0</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c>'
    '<x:c s="1"/></x:row>'
    '<x:row r="5"><x:c r="A5" s="1"/></x:row>'
    '<x:row r="6"><x:c r="A6" t="inlineStr"><x:is><x:t>K6</x:t></x:is></x:c><x:c r="C6"><x:v>1E-3</x:v></x:c>'
    '<x:c r="D6"><x:v>0.30000000000000004</x:v></x:c></x:row>'
)
OFFSET_SHEET = (
    '<x:row r="1"><x:c r="C1" t="inlineStr"><x:is><x:t>Head</x:t></x:is></x:c>'
    '<x:c r="D1" t="inlineStr"><x:is><x:t>Two</x:t></x:is></x:c></x:row>'
    '<x:row r="3"><x:c r="B3" t="inlineStr"><x:is><x:t>left</x:t></x:is></x:c><x:c r="C3"><x:v>1</x:v></x:c>'
    "</x:row>"
)
TEXT_SHEET = (
    '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>A</x:t></x:is></x:c>'
    '<x:c r="B1" t="inlineStr"><x:is><x:t>B</x:t></x:is></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>C</x:t>'
    "</x:is></x:c></x:row>"
    '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t xml:space="preserve"> a&#13;&#10;b &amp; c\r\nd </x:t>'
    '</x:is></x:c><x:c r="B2" t="inlineStr"><x:is><x:t>  &lt;trimmed&gt;  </x:t></x:is></x:c>'
    '<x:c r="C2" t="str"><x:v>&quot;quoted&quot; &#x263A;</x:v></x:c></x:row>'
    '<x:row r="3"/>'
    '<x:row r="4"><x:c r="A4"><x:f>1+1</x:f><x:v>2</x:v></x:c><x:c r="B4"><x:v></x:v></x:c>'
    '<x:c r="C4" t="inlineStr"><x:is><x:t></x:t></x:is></x:c></x:row>'
    '<x:row><x:c t="inlineStr"><x:is><x:t>no refs</x:t></x:is></x:c><x:c><x:v>7</x:v></x:c></x:row>'
    '<x:row r="7" spans="1:3"><x:c r="C7" s="1"><x:v>46387</x:v></x:c><x:c r="A7" t="b"><x:v>1</x:v></x:c>'
    "</x:row>"
)
LATE_SHEET = '<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>late</x:t></x:is></x:c></x:row>'


def _both(path: Path, sheet: str | None, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    def read() -> object:
        try:
            src = workbook_source(path, sheet)
        except WorkbookError as exc:
            return str(exc)
        return src.header, [row for batch in src.batches(sizes=False) for row in batch.rows]

    streamed = read()
    with monkeypatch.context() as m:
        m.setattr(source, "_STREAMED", frozenset())
        calamine = read()
    return streamed, calamine


@pytest.mark.parametrize(("prefix", "pretty"), [("x:", False), ("", False), ("", True)])
@pytest.mark.parametrize("sheet", [None, "Main", "Offset", "Late", "Text"])
def test_a_hand_written_workbook_reads_as_calamine_reads_it(
    tmp_path: Path, sheet: str | None, prefix: str, pretty: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheets = {"Main": MAIN_SHEET, "Offset": OFFSET_SHEET, "Late": LATE_SHEET, "Text": TEXT_SHEET}
    book = _book(tmp_path / "book.xlsx", sheets, SHARED, prefix=prefix, pretty=pretty)
    streamed, calamine = _both(book, sheet, monkeypatch)
    assert streamed == calamine
    # the regex fast path (default namespace) gives what the XML parser alone gives
    with zipfile.ZipFile(book) as z:
        part = f"xl/worksheets/sheet{list(sheets).index(sheet or 'Main') + 1}.xml"
        value = _valuer(_styles(z), _shared_strings(z), False)
        assert list(iter_xlsx_rows(book, sheet)) == list(_expat_rows([z.read(part)], value))
    if sheet == "Text":
        assert streamed == (
            ["A", "B", "C"],
            [[" a\r\nb & c\nd ", "<trimmed>", '"quoted" ☺'], ["2", "", ""], ["no refs", "7", ""],
             ["true", "", "2026-12-31"]],
        )  # fmt: skip
    if sheet in (None, "Main"):
        assert streamed == (
            ["Key", "When", "Amount", "Flag", "Note", "Dur"],
            [
                # a run's space is kept only under xml:space="preserve", as calamine reads it
                ["Müller& Söhne", "2026-12-31", "1234.5", "true", "Müller & Söhne!", "1 day, 12:00:00"],
                ["K3", "2026-01-02 12:00:00", "42", "false", "", ""],
                ["K6", "", "0.001", "0.30000000000000004", "", ""],
            ],
        )


def test_1904_dates_and_sheet_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>When</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" s="1"><x:v>44925</x:v></x:c></x:row>'
    )
    book = _book(tmp_path / "mac.xlsx", {"Old Mac": body, "Other": body}, date1904=True)
    assert sheet_names(book) == ["Old Mac", "Other"]
    streamed, calamine = _both(book, "Old Mac", monkeypatch)
    assert streamed == calamine == (["When"], [["2026-12-31"]])
    assert "has no sheet 'Nope'; its sheets are 'Old Mac', 'Other'" in str(
        _both(book, "Nope", monkeypatch)[0]
    )


def test_an_openpyxl_workbook_with_typed_cells_reads_as_calamine_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Name", "When", "At", "Time", "Amount", "Flag", "Pct"])
    ws.append(["a & <b>", dt.date(2026, 12, 31), dt.datetime(2026, 1, 2, 13, 5, 7), dt.time(9, 30), 1234.5,
               True, 0.125])  # fmt: skip
    ws.append(["  spaced  ", dt.date(1999, 1, 1), dt.datetime(2026, 1, 2), dt.time(0, 0, 1), 42.0, False, 1])
    ws.append([None] * 7)
    ws.append(["c", dt.date(2026, 2, 28), dt.datetime(2026, 3, 1, 23, 59, 59), dt.time(23, 59, 59), -0.5])
    ws["D2"].number_format = "h:mm:ss AM/PM"
    ws["G2"].number_format = "0.00%"
    wb.save(tmp_path / "typed.xlsx")
    streamed, calamine = _both(tmp_path / "typed.xlsx", None, monkeypatch)
    assert streamed == calamine
    first = ["a & <b>", "2026-12-31", "2026-01-02 13:05:07", "09:30:00", "1234.5", "true", "0.125"]
    assert isinstance(streamed, tuple) and streamed[1][0] == first


def test_rows_come_as_the_sheet_is_unzipped(tmp_path: Path) -> None:
    rows = "".join(
        f'<x:row r="{n}"><x:c r="A{n}" t="inlineStr"><x:is><x:t>K{n}</x:t></x:is></x:c></x:row>'
        for n in range(1, 20001)
    )
    book = _book(tmp_path / "long.xlsx", {"Long": rows})
    it = iter_xlsx_rows(book, None)
    assert next(it) == (1, {0: "K1"})  # before the rest is parsed: a generator over the unzipped stream
    assert sum(1 for _ in it) == 19999


def test_a_damaged_workbook_is_a_workbook_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(WorkbookError, match="cannot be read as an Excel/OpenDocument workbook"):
        workbook_source(bad, None)


@pytest.mark.parametrize("sheet", [None, "Offset", "Late", "Text"])
def test_the_quick_look_at_a_streamed_workbook_agrees_with_calamines(
    tmp_path: Path, sheet: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheets = {"Main": MAIN_SHEET, "Offset": OFFSET_SHEET, "Late": LATE_SHEET, "Text": TEXT_SHEET}
    book = _book(tmp_path / "book.xlsx", sheets, SHARED, prefix="")
    streamed = glance_workbook(book, sheet, 2)
    with monkeypatch.context() as m:
        m.setattr(source, "_STREAMED", frozenset())
        assert streamed == glance_workbook(book, sheet, 2)
    assert streamed.sheets == list(sheets)
