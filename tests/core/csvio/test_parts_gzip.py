"""Part streams carry the header and the file's own bytes; gzip streams decode to exactly those bytes."""

from __future__ import annotations

import gzip
import zlib

import pytest

from sfloader_gui.core.csvio.dialect import sniff
from sfloader_gui.core.csvio.gzipstream import DEFAULT_GZIP_LEVEL, gzip_chunks
from sfloader_gui.core.csvio.parts import iter_part, part_size
from sfloader_gui.core.csvio.scan import scan_file
from tests.core.csvio.conftest import WriteCsv


def test_parts_rebuild_the_file_without_bom_and_keep_quoted_crlf(write_csv: WriteCsv) -> None:
    rows = b"".join(b'%d,"x\r\ny",\xc3\xa9\r\n' % i for i in range(100))
    path = write_csv("p.csv", b"\xef\xbb\xbfExt__c,Note,Name\r\n" + rows)
    d = sniff(path)
    res = scan_file(path, d, "Ext__c", 400)
    assert len(res.parts) > 1
    bodies = []
    for span in res.parts:
        data = b"".join(iter_part(path, d, span, chunk_size=7))
        assert data.startswith(b"Ext__c,Note,Name\r\n") and b"\xef\xbb\xbf" not in data
        assert len(data) == part_size(d, span) <= 400
        bodies.append(data[len(d.header_bytes) :])
    assert b"".join(bodies) == rows


def test_gzip_stream_round_trips_and_is_one_member(write_csv: WriteCsv) -> None:
    chunks = [b"Ext__c,Name\n"] + [b"%d,name %d\n" % (i, i) for i in range(50_000)]
    out = list(gzip_chunks(iter(chunks)))
    body = b"".join(out)
    assert gzip.decompress(body) == b"".join(chunks)
    assert body[:2] == b"\x1f\x8b"
    assert len(body) < len(b"".join(chunks)) / 3
    assert len(out) < len(chunks)  # buffered into larger pieces, not one per input chunk


def test_gzip_levels_and_empty_input() -> None:
    assert gzip.decompress(b"".join(gzip_chunks([]))) == b""
    data = b"abc" * 10_000
    for level in (1, 6, 9):
        assert zlib.decompress(b"".join(gzip_chunks([data], level=level)), 31) == data
    assert DEFAULT_GZIP_LEVEL == 1


def test_a_file_that_shrank_after_planning_is_never_sent_short(write_csv: WriteCsv) -> None:
    path = write_csv("gone.csv", "Ext__c,Name\n" + "".join(f"{i},n\n" for i in range(1000)))
    d = sniff(path)
    (span,) = scan_file(path, d, "Ext__c", 10**8).parts
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(OSError, match=r"gone\.csv changed"):
        b"".join(iter_part(path, d, span))
