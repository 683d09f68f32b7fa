"""Parts fill up to the byte limit exactly, never beyond, at any block size."""

from __future__ import annotations

import pytest

from sfloader_gui.core.csvio.chunks import last_boundary, next_boundary
from sfloader_gui.core.csvio.dialect import sniff
from sfloader_gui.core.csvio.scan import scan_file
from tests.core.csvio.conftest import WriteCsv


def test_boundaries_respect_quotes() -> None:
    buf = b'1,"a\nb"\n2,c\n3,"d\n'
    assert last_boundary(buf) == len(b'1,"a\nb"\n2,c\n')
    assert last_boundary(buf, 0, 6) == 0  # the only newline so far is inside quotes
    assert next_boundary(buf) == len(b'1,"a\nb"\n')
    assert next_boundary(buf, len(b'1,"a\nb"\n2,c\n')) == len(buf)


@pytest.mark.parametrize("chunk", [3, 10, 11, 12, 64, 1 << 16])
def test_a_part_fills_to_exactly_the_limit(write_csv: WriteCsv, chunk: int) -> None:
    rows = [f"{i:04d},xxxxx\n" for i in range(10)]  # 11 bytes each
    path = write_csv("exact.csv", "Ext__c,Name\n" + "".join(rows))
    header = len("Ext__c,Name\n")
    res = scan_file(path, sniff(path), "Ext__c", header + 3 * 11, chunk_size=chunk)
    assert [p.records for p in res.parts] == [3, 3, 3, 1]
    assert [p.size for p in res.parts] == [33, 33, 33, 11]
    assert [p.first_record for p in res.parts] == [1, 4, 7, 10]
    res = scan_file(path, sniff(path), "Ext__c", header + 3 * 11 - 1, chunk_size=chunk)
    assert [p.records for p in res.parts] == [2, 2, 2, 2, 2]
