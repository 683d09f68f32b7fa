"""Result lines for a batch: a function generated per header so each success line is one join."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sfloader_gui.emulator.csvdata import quote_all
from sfloader_gui.emulator.values import NULL, java_double

# (rows, converted values, errors, record ids, created flags) -> (success lines, failed lines)
ResultsBuilder = Callable[
    [Sequence[Sequence[str]], list[list[Any]], list[str | None], list[str | None], list[bool]],
    tuple[list[str], list[str]],
]

_NUMERIC = ("currency", "double", "percent")


def compile_results(width: int, numeric: Sequence[tuple[int, int]], sep: str) -> ResultsBuilder:
    """Success lines echo the row, numbers in Salesforce's stored form; failed lines echo it as sent.

    `numeric` holds (column index, value position) of the number columns. Every value is double-quoted;
    a line whose quote count shows an embedded quote takes the escaping path (`quote_all`).
    """
    glue = '"' + sep + '"'
    by_index = dict(numeric)
    cells = [f"n{i}" if i in by_index else f"row[{i}]" for i in range(width)]
    src = [
        "def build(rows, vals, errors, target, created):",
        "    success = []",
        "    failed = []",
        "    for r, row in enumerate(rows):",
        "        err = errors[r]",
        "        if err is not None:",
        "            failed.append(quote_all([target[r] or '', err, *row], SEP))",
        "            continue",
    ]
    if numeric:
        src.append("        v = vals[r]")
    for i, p in numeric:
        # empty input or #N/A echoes as sent; a stored number echoes as Java writes it
        src.append(f"        n{i} = row[{i}]")
        src.append(f"        if n{i} != '':")
        src.append(f"            x = v[{p}]")
        src.append("            if x is not NULL:")
        src.append(f"                n{i} = JD(x)")
    cells_src = ", ".join(["target[r] or ''", "'true' if created[r] else 'false'", *cells])
    src += [
        f"        text = GLUE.join(({cells_src},))",
        f"        if text.count('\"') == {2 * (width + 1)}:",
        "            success.append('\"' + text + '\"')",
        "        else:",
        f"            success.append(quote_all([{cells_src}], SEP))",
        "    return success, failed",
    ]
    env: dict[str, Any] = {"quote_all": quote_all, "SEP": sep, "GLUE": glue, "NULL": NULL, "JD": java_double}
    exec("\n".join(src), env)  # generated from the header's shape only, never from input
    fn: ResultsBuilder = env["build"]
    return fn


def numeric_columns(columns: Sequence[Any]) -> list[tuple[int, int]]:
    """(column index, value position) of the plan's own number columns (not relationship columns)."""
    return [(c.index, p) for p, c in enumerate(columns) if c.parent is None and c.field.type in _NUMERIC]
