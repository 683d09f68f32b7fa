"""Export and report actions of the workbench: file choice, the core exporters, PDF via QTextDocument."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, Qt
from PySide6.QtGui import QCursor, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QToolButton

from sfloader_gui.core.review.export import ExportError, export_excel_safe, export_raw
from sfloader_gui.core.review.report import summary_html, write_summary_html

if TYPE_CHECKING:
    from sfloader_gui.ui.failures.window import WorkbenchWindow

RAW, EXCEL = "raw", "excel"
BACKGROUND_ROWS = 50_000  # Excel-safe exports above this run on a worker thread


def export_menu_button(win: WorkbenchWindow) -> QToolButton:
    button = QToolButton(win)
    button.setText("Export")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    for label, selected, form in (
        ("Selected rows — Excel-safe CSV…", True, EXCEL),
        ("Selected rows — raw CSV (as Salesforce returned it)…", True, RAW),
        ("All rows — Excel-safe CSV…", False, EXCEL),
        ("All rows — raw CSV (as Salesforce returned it)…", False, RAW),
    ):
        menu.addAction(label, partial(export_rows, win, selected, form))
    menu.addSeparator()
    # Once a retry loaded some rows, what is left to fix is usually what the user wants to send on.
    win.skip_fixed_action = menu.addAction("Leave out rows a retry loaded (Excel-safe)")
    win.skip_fixed_action.setCheckable(True)
    win.skip_fixed_action.setChecked(True)
    button.setMenu(menu)
    return button


def report_menu_button(win: WorkbenchWindow) -> QToolButton:
    button = QToolButton(win)
    button.setText("Summary report")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    menu.addAction("Save as HTML…", lambda: save_report(win, "html"))
    menu.addAction("Save as PDF…", lambda: save_report(win, "pdf"))
    button.setMenu(menu)
    return button


def export_rows(win: WorkbenchWindow, selected: bool, form: str, dest: Path | None = None) -> list[Path]:
    """Export the selected (or all) rows; asks for a file name unless ``dest`` is given."""
    session = win.session
    if session is None:
        return []
    rows = win.selected_rows() if selected else list(range(session.row_count))
    if not rows:
        win.show_message("Nothing to export", "Select the rows to export first.")
        return []
    if dest is None:
        suggested = (
            _default_dir(win) / f"{_run_name(win)}_failed_{'excel-safe' if form == EXCEL else 'raw'}.csv"
        )
        chosen, _ = QFileDialog.getSaveFileName(
            win, "Export failed rows", str(suggested), "CSV files (*.csv)"
        )
        if not chosen:
            return []
        dest = Path(chosen)
    target = dest
    outcomes = win.model.outcomes if win.model is not None else None
    skip_fixed = win.skip_fixed_action.isChecked()

    written_rows = [len(rows)]  # the Excel-safe export may leave out rows a retry loaded

    def run() -> list[Path]:
        if form == RAW:
            return export_raw(session, rows, target)
        written_rows[0] = export_excel_safe(session, rows, target, outcomes, skip_fixed=skip_fixed)
        return [target]

    if form == EXCEL and len(rows) > BACKGROUND_ROWS:
        # About a minute per million rows: write on a worker thread; the status bar says when it is done.
        def done(written: list[Path]) -> None:
            exported(win, written_rows[0], written)

        failed = partial(win.show_message, "Export failed")
        if win.tasks.submit(run, done, failed, name="export"):
            win.statusBar().showMessage(f"Exporting {len(rows):,} rows to {dest.name} in the background…")
        else:
            win.show_message("An export is running", "Wait for the running export to finish.")
        return []
    try:
        with busy():
            written = run()
    except (ExportError, OSError) as exc:
        win.show_message("Export failed", str(exc))
        return []
    exported(win, written_rows[0], written)
    return written


def exported(win: WorkbenchWindow, count: int, written: list[Path]) -> None:
    names = ", ".join(p.name for p in written)
    win.statusBar().showMessage(f"Exported {count:,} rows to {names}", 15000)


def save_report(win: WorkbenchWindow, fmt: str, dest: Path | None = None) -> Path | None:
    """Save the run summary as HTML, or as PDF laid out by QTextDocument on A4."""
    session = win.session
    if session is None:
        return None
    if dest is None:
        suggested = _default_dir(win) / f"{_run_name(win)}_summary.{fmt}"
        pattern = "HTML files (*.html)" if fmt == "html" else "PDF files (*.pdf)"
        chosen, _ = QFileDialog.getSaveFileName(win, "Save summary report", str(suggested), pattern)
        if not chosen:
            return None
        dest = Path(chosen)
    try:
        retries = win.model.outcomes if win.model is not None else None
        if fmt == "html":
            write_summary_html(session, dest, retries)
        else:
            write_pdf(summary_html(session, retries), dest)
    except OSError as exc:
        win.show_message("Report failed", str(exc))
        return None
    win.statusBar().showMessage(f"Saved the summary report to {dest}", 15000)
    return dest


@contextmanager
def busy() -> Iterator[None]:
    """A wait cursor while a large export runs."""
    QApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def write_pdf(html: str, dest: Path) -> None:
    writer = QPdfWriter(str(dest))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setTitle(dest.stem)
    doc = QTextDocument()
    doc.setHtml(html)
    doc.print_(writer)


def _default_dir(win: WorkbenchWindow) -> Path:
    session = win.session
    assert session is not None
    return session.run_dir or session.target.parent


def _run_name(win: WorkbenchWindow) -> str:
    session = win.session
    assert session is not None
    return session.run_id or session.target.stem
