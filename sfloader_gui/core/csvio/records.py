"""Records and fields of a block of whole CSV records, with C-speed bytes operations where possible.

``quotes_well_placed`` checks a block's quoting from its pieces between quotes. ``neutral_records``
replaces the delimiter and newline bytes *inside* quoted values by markers (same length), so that
splitting on newline gives exactly one piece per record, with every record's byte offsets intact: it
serves quoted External IDs and the slow path. ``lex_record`` is the one exact (slow) lexer:
``parse_record`` (one record) and ``tokenize_records`` (a block, record by record) both use it, only for
blocks that fail a fast check, to say precisely what is wrong.

API::

    quotes_well_placed(segs, d, crlf) -> bool
    neutral_records(data, d) -> tuple[list[bytes], list[bytes]]   # (pieces, quote segments)
    neutral_text(data, d, segs=None) -> bytes   # the same bytes, quoted delimiters/newlines masked
    fast_keys(recs, k, ncols, d) -> list[bytes]   # raw key field per record (may still be quoted)
    flat_fields(text, d, ncols, exact=True) -> list[bytes] | None   # every field of a block, in order
    outside_quotes(data, segs) -> bytes   # the block with each quoted value cut down to one '"'
    unquote(raw) -> bytes
    unquote_many(raw, d) -> list[bytes]   # unquote of a column of fields, in bulk
    parse_record(rec, d) -> tuple[list[bytes], list[str]]        # fields and problem codes
    tokenize_records(data, d) -> Iterator[tuple[int, list[str]]]  # (start, problems) per record
    lex_record(data, pos, d) -> tuple[list[bytes], list[str], int]  # fields, problems, next record
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import repeat
from operator import itemgetter

# Stand-ins for delimiter and newline inside quoted values (NUL bytes stop the scan before this).
DELIM_MARK = b"\x00"
NL_MARK = b"\x01"
_QUOTED = re.compile(rb'"((?:[^"]|"")*)"')


def quotes_well_placed(segs: list[bytes], d: bytes, crlf: bool) -> bool:
    """True when every double quote opens or closes a field or is a doubled quote inside one.

    ``segs`` is ``data.split(b'"')``; even-indexed pieces are outside quotes. An outside piece
    between two quotes must be empty (a doubled quote) or start after a closing quote with a
    delimiter/terminator and end before an opening quote with a delimiter/newline. A space before an
    opening quote or text glued to a quote fails this, and the slow path explains it.
    """
    if len(segs) < 2:
        return True
    starts = (d, b"\r\n") if crlf else (d, b"\n")
    ends = (d, b"\n")
    evens = segs[::2]
    first, last, inner = evens[0], evens[-1], evens[1:-1]
    if first and not first.endswith(ends):
        return False
    if last and not last.startswith(starts):
        return False
    filled = len(inner) - inner.count(b"")
    good_start = sum(map(bytes.startswith, inner, repeat(starts)))
    good_end = sum(map(bytes.endswith, inner, repeat(ends)))
    return good_start == good_end == filled


def neutral_text(data: bytes, d: bytes, segs: list[bytes] | None = None) -> bytes:
    """``data`` with the delimiter and newline bytes inside quoted values masked (same length): every
    newline left ends a record, every delimiter left ends a field. ``segs``: ``data.split(b'"')`` if known."""
    segs = data.split(b'"') if segs is None else segs
    if len(segs) < 2:
        return data
    odd = segs[1::2]
    odd = list(map(bytes.replace, odd, repeat(d), repeat(DELIM_MARK)))
    segs2 = segs.copy()
    segs2[1::2] = list(map(bytes.replace, odd, repeat(b"\n"), repeat(NL_MARK)))
    return b'"'.join(segs2)


def neutral_records(data: bytes, d: bytes) -> tuple[list[bytes], list[bytes]]:
    """One piece per record (terminator removed, same byte lengths), quoted separators masked."""
    segs = data.split(b'"')
    neutral = neutral_text(data, d, segs)
    recs = neutral.split(b"\n")
    if data.endswith(b"\n"):
        recs.pop()
    return recs, segs


def fast_keys(recs: list[bytes], k: int, ncols: int, d: bytes) -> list[bytes]:
    """The raw text of field ``k`` of each record; every record must have ``ncols`` fields."""
    if k == 0:
        return list(map(itemgetter(0), map(bytes.partition, recs, repeat(d))))
    if k == ncols - 1:
        return list(map(itemgetter(2), map(bytes.rpartition, recs, repeat(d))))
    return list(map(itemgetter(k), map(bytes.split, recs, repeat(d), repeat(k + 1))))


def outside_quotes(data: bytes, segs: list[bytes]) -> bytes:
    """The block with each quoted value (delimiters and newlines included) cut down to one ``"``: one line
    per record, and the unquoted fields as they are (``segs`` is ``data.split(b'"')``)."""
    return b'"'.join(segs[::2]) if len(segs) > 1 else data


def flat_fields(text: bytes, d: bytes, ncols: int, exact: bool = True) -> list[bytes] | None:
    """Every field of a block of LF-terminated records whose quoted separators are masked or cut
    (``neutral_records`` / ``outside_quotes``), in one list: field k of record r is at ``r * ncols + k``,
    so ``fields[k::ncols]`` is column k. One split in C for the whole block, instead of one per record.
    None when some record has not exactly ``ncols`` fields. ``exact=False`` only compares the total count
    of fields (a short record and a long one in the same block go unseen): for a caller that reads values
    of a file whose every record the plan's scan counted, and that sends nothing it built from them."""
    if not text:
        return []
    terminated = text.endswith(b"\n")
    n = text.count(b"\n") + (0 if terminated else 1)
    if exact:
        # Every record has ncols - 1 delimiters: keep only delimiters and newlines, compare the skeleton.
        unit = d * (ncols - 1) + b"\n"
        expected = unit * n if terminated else unit * (n - 1) + unit[:-1]
        if text.translate(None, _strip_table(unit)) != expected:
            return None
    flat = text.replace(b"\n", d).split(d)
    if terminated:
        flat.pop()
    return flat if len(flat) == n * ncols else None


_STRIP: dict[bytes, bytes] = {}


def _strip_table(keep: bytes) -> bytes:
    table = _STRIP.get(keep)
    if table is None:
        table = _STRIP[keep] = bytes(b for b in range(256) if b not in keep)
    return table


def unquote_many(raw: list[bytes], d: bytes) -> list[bytes]:
    """``unquote`` of many fields of a well-quoted file (as the scan checked: a field is unquoted without
    quotes, or quoted with its inner quotes doubled), with a few bytes operations on them all at once."""
    joined = b"\x02".join(raw)
    if b"\r" in joined or (b"\x02" in joined and joined.count(b"\x02") != len(raw) - 1):
        return [unquote(v, d) for v in raw]  # a stray CR to strip, or the separator in a value
    if b'"' in joined:
        # Opening and closing quotes are next to a separator; what is left are doubled quotes.
        joined = (b"\x02" + joined + b"\x02").replace(b'\x02"', b"\x02").replace(b'"\x02', b"\x02")
        joined = joined[1:-1].replace(b'""', b'"')
    out = joined.replace(DELIM_MARK, d).replace(NL_MARK, b"\n").split(b"\x02")
    return out if len(out) == len(raw) else [unquote(v, d) for v in raw]


def unquote(raw: bytes, d: bytes) -> bytes:
    """The value of a masked key field: quotes removed, doubled quotes and masked bytes restored."""
    raw = raw.strip(b"\r")
    if raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2:
        raw = raw[1:-1].replace(b'""', b'"')
    return raw.replace(DELIM_MARK, d).replace(NL_MARK, b"\n")


def parse_record(rec: bytes, d: bytes) -> tuple[list[bytes], list[str]]:
    """Exact fields of one record (terminator already removed) and the problems found in it.

    Problem codes: ``space_before_quote``, ``stray_quote`` (a quote inside an unquoted value),
    ``text_after_quote`` (a closing quote followed by other text), ``unterminated_quote``.
    """
    fields, problems, _ = lex_record(rec, 0, d)
    return fields, problems


def tokenize_records(data: bytes, d: bytes) -> Iterator[tuple[int, list[str]]]:
    """Walk ``data`` record by record as a lenient CSV reader would (a stray quote is literal),
    yielding each record's start offset and problem codes; an unterminated quote ends the walk.

    Slow (Python per field); used only to explain a file whose quotes do not pair up.
    """
    pos, n = 0, len(data)
    while pos < n:
        _, problems, nxt = lex_record(data, pos, d)
        yield pos, problems
        pos = nxt


def lex_record(data: bytes, pos: int, d: bytes) -> tuple[list[bytes], list[str], int]:
    """The one exact CSV lexer: the fields and problem codes of the record starting at ``pos``, and
    where the next record starts (past its newline; ``len(data)`` at the end or after an unterminated
    quote). A quoted value keeps only what is between its quotes; text after the closing quote is a
    ``text_after_quote`` problem, not part of the value."""
    fields: list[bytes] = []
    problems: list[str] = []
    n, dc = len(data), d[0]
    while True:
        lead = pos
        while lead < n and data[lead] == 0x20:
            lead += 1
        if lead < n and data[lead] == 0x22:
            if lead > pos:
                problems.append("space_before_quote")
            m = _QUOTED.match(data, lead)
            if m is None:
                problems.append("unterminated_quote")
                fields.append(data[lead + 1 :])
                return fields, problems, n
            value, pos = m.group(1).replace(b'""', b'"'), m.end()
            end = _field_end(data, pos, d)
            if end > pos:
                problems.append("text_after_quote")
        else:
            end = _field_end(data, pos, d)
            value = data[pos:end]
            if b'"' in value:
                problems.append("stray_quote")
        fields.append(value)
        pos = end
        if pos < n and data[pos] == dc:
            pos += 1  # past the delimiter; a trailing delimiter means one more, empty, field
            if pos == n:
                fields.append(b"")
                return fields, problems, n
            continue
        nl = data.find(b"\n", pos)
        return fields, problems, n if nl < 0 else nl + 1


def _field_end(data: bytes, pos: int, d: bytes) -> int:
    """Where an unquoted stretch starting at ``pos`` ends: the next delimiter or newline (before a CR)."""
    nd, nl = data.find(d, pos), data.find(b"\n", pos)
    ends = [e for e in (nd, nl) if e >= 0]
    end = min(ends) if ends else len(data)
    return end - 1 if end > pos and data[end - 1] == 0x0D and end == nl else end
