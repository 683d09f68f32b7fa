"""The record index finds every record of a CSV, whatever the quoting, line ends or chunk size."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfloader_gui.core.review.records import RecordIndex, parse

TRICKY = (
    b'"sf__Id","sf__Error",Name,Notes\n'
    b'"","E:one:--","Acme","line one\nline two"\n'
    b'"","E:two:--","Quote ""inside""","a,b"\n'
    b'"","E:three:--","Multi","x\n\ny\nz"\n'
    b'"","E:four:--","Last",""\n'
)


@pytest.mark.parametrize("chunk", [7, 31, 64, 1 << 20])
def test_every_record_is_found_at_any_chunk_size(tmp_path: Path, chunk: int) -> None:
    path = tmp_path / "failed.csv"
    path.write_bytes(TRICKY)
    index = RecordIndex(path, chunk=chunk)
    assert len(index) == 4
    assert index.complete
    assert [parse(index.raw(i))[3] for i in range(4)] == ["line one\nline two", "a,b", "x\n\ny\nz", ""]
    assert index.raw(1) == b'"","E:two:--","Quote ""inside""","a,b"\n'


def test_crlf_and_missing_final_line_break(tmp_path: Path) -> None:
    path = tmp_path / "failed.csv"
    path.write_bytes(b'"sf__Id","sf__Error",A\r\n"","X:y:--","1"\r\n"","X:y:--","2"')
    index = RecordIndex(path)
    assert len(index) == 2
    assert parse(index.raw(1)) == ["", "X:y:--", "2"]


def test_a_file_cut_inside_a_quoted_value_is_reported_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "failed.csv"
    path.write_bytes(TRICKY[: TRICKY.index(b"x\n\ny") + 3])
    index = RecordIndex(path, chunk=16)
    assert not index.complete
    assert len(index) == 2  # the two complete records before the cut are still reviewable
    assert index.tail_bytes > 0


def test_blocks_cover_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "failed.csv"
    path.write_bytes(TRICKY)
    index = RecordIndex(path)
    blocks = list(index.iter_blocks(chunk=40))
    assert b"".join(b for _, b in blocks) == TRICKY[len(index.header_bytes) :]
    assert [first for first, _ in blocks] == sorted({first for first, _ in blocks})
