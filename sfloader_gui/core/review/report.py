"""A short summary of a run for a business user: counts, top errors, a per-file table, as HTML."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from pathlib import Path

from sfloader_gui.core.load.results import Manifest
from sfloader_gui.core.private import opener
from sfloader_gui.core.review.retry import RetryOutcomes
from sfloader_gui.core.review.session import ReviewSession

TOP_ERRORS = 10
_STYLE = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 10pt; color: #222; }
h1 { font-size: 16pt; margin-bottom: 2pt; } h2 { font-size: 12pt; margin-top: 14pt; }
table { border-collapse: collapse; } th, td { border: 1px solid #bbb; padding: 3px 6px; }
th { background: #eef1f5; text-align: left; } td.n { text-align: right; }
.muted { color: #666; } .warn { color: #9a4a00; }
"""


def summary_html(session: ReviewSession, retries: RetryOutcomes | None = None) -> str:
    """The report as one self-contained HTML page (no scripts, no external files).

    With ``retries`` it also says how many of the rows sent again succeeded, and in which runs.
    """
    m = session.manifest
    totals: Mapping[str, object] = m.get("totals", {}) if m else {}
    groups = session.groups.compute()
    name = m.get("object", "results") if m else "results"
    title = f"Load report: {name} — {session.run_id or session.target.name}"
    parts = [
        f"<html><head><meta charset='utf-8'><title>{escape(title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        _run_line(m),
    ]
    parts.append(
        "<h2>Counts</h2>"
        + _table(
            ["Records", "Succeeded", "Failed", "Unprocessed", "Jobs", "Jobs failed"],
            [
                [
                    _n(totals.get("records", "—")),
                    _n(totals.get("success", "—")),
                    _n(totals.get("failed", session.row_count)),
                    _n(totals.get("unprocessed", "—")),
                    _n(totals.get("jobs", len(session.files))),
                    _n(totals.get("jobs_failed", "—")),
                ]
            ],
        )
    )
    if retries is not None and retries.runs:
        names = ", ".join(escape(r.name) for r in retries.runs)
        parts.append(
            f"<p><b>After retries</b> ({names}): {_rows(retries.succeeded)} succeeded on retry, "
            f"{retries.not_succeeded:,} failed again or were not processed.</p>"
        )
    top = [[_n(g.count), escape(g.code), escape(g.message), escape(g.fields)] for g in groups[:TOP_ERRORS]]
    parts.append(
        "<h2>Top errors</h2>"
        + (_table(["Rows", "Code", "Message", "Fields"], top) if top else "<p>No failed rows.</p>")
    )
    if len(groups) > TOP_ERRORS:
        rest = sum(g.count for g in groups[TOP_ERRORS:])
        parts.append(f"<p class='muted'>…and {len(groups) - TOP_ERRORS} other causes ({rest:,} rows).</p>")
    parts.append(
        "<h2>Per file</h2>" + _table(["File", "Records", "Succeeded", "Failed", "Unprocessed"], _per_file(m))
    )
    if session.problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in session.problems)
        parts.append(f"<h2>Notes</h2><ul class='warn'>{items}</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_summary_html(session: ReviewSession, dest: Path, retries: RetryOutcomes | None = None) -> Path:
    with open(dest, "w", encoding="utf-8", opener=opener) as out:  # new files 0600, like every export
        out.write(summary_html(session, retries))
    return dest


def _run_line(m: Manifest | None) -> str:
    if not m:
        return (
            "<p class='muted'>A results file opened on its own: no run manifest, so totals are partial.</p>"
        )
    bits = [
        f"Object <b>{escape(str(m.get('object')))}</b>",
        f"External ID <b>{escape(str(m.get('external_id_field')))}</b>",
        f"started {escape(str(m.get('created_at')))}",
        f"finished {escape(str(m.get('finished_at') or '—'))}",
    ]
    if m.get("retry_of"):
        bits.append(f"retry of {escape(str(m['retry_of']))}")
    return "<p>" + " · ".join(bits) + "</p>"


def _per_file(m: Manifest | None) -> list[list[str]]:
    rows: dict[str, list[int]] = {}
    for job in m.get("jobs", []) if m else []:
        acc = rows.setdefault(str(job.get("file")), [0, 0, 0, 0])
        acc[0] += int(job.get("records", 0))
        acc[1] += int(job.get("records_processed", 0)) - int(job.get("records_failed", 0))
        acc[2] += int(job.get("records_failed", 0))
        acc[3] += int(job.get("records_unprocessed", 0))
    return [[escape(Path(f).name)] + [_n(v) for v in acc] for f, acc in rows.items()]


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _n(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else escape(str(value))


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(f"<td class='n'>{c}</td>" if c.replace(",", "").isdigit() else f"<td>{c}</td>" for c in r)
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"
