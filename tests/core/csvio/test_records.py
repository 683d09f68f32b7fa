"""The one exact CSV lexer: a record alone (``parse_record``) and in a block (``tokenize_records``) agree."""

from __future__ import annotations

import pytest

from sfloader_gui.core.csvio.records import parse_record, tokenize_records

CASES = [
    # record, fields, problems
    (b'"a"x,b"c,d', [b"a", b'b"c', b"d"], ["text_after_quote", "stray_quote"]),
    (b'"a""b",c', [b'a"b', b"c"], []),
    (b'15" screen,x', [b'15" screen', b"x"], ["stray_quote"]),
    (b' "a",b', [b"a", b"b"], ["space_before_quote"]),
    (b'"a" ,b', [b"a", b"b"], ["text_after_quote"]),
    (b'"a,b', [b"a,b"], ["unterminated_quote"]),
    (b'a,"b\nc",d', [b"a", b"b\nc", b"d"], []),
    (b"a,b,", [b"a", b"b", b""], []),
    (b'"",""', [b"", b""], []),
    (b'a"b"c,"d"e"f"', [b'a"b"c', b"d"], ["stray_quote", "text_after_quote"]),
]


@pytest.mark.parametrize(("record", "fields", "problems"), CASES)
def test_a_record_alone_and_in_a_block_report_the_same_problems(
    record: bytes, fields: list[bytes], problems: list[str]
) -> None:
    assert parse_record(record, b",") == (fields, problems)
    block = b"k,v\n" + record + b"\nz,z\n"
    walked = list(tokenize_records(block, b","))
    assert walked[0] == (0, [])
    assert walked[1] == (4, problems)
    if "unterminated_quote" not in problems:  # an unclosed quote swallows the rest of the block
        assert walked[2] == (5 + len(record), [])


def test_crlf_records_in_a_block() -> None:
    block = b'a,"b"\r\n"c"x,d\r\ne,f\r\n'
    assert list(tokenize_records(block, b",")) == [(0, []), (7, ["text_after_quote"]), (15, [])]


def test_other_delimiters() -> None:
    assert parse_record(b'"a;b";c"d', b";") == ([b"a;b", b'c"d'], ["stray_quote"])
