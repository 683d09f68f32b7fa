"""Screenshots of the workbench for docs/: `uv run python -m tests.ui.failures.shots docs/screenshots`.

Loads the demo samples into a private emulator (accounts first, then contacts with deliberate bad rows),
opens the workbench over the real run folder, edits a cell, retries one row, and grabs the window.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QColor, QImage, QPainter, QTextDocument
from PySide6.QtWidgets import QApplication

from sfloader_gui.core.review.report import summary_html
from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from sfloader_gui.ui.failures import WorkbenchWindow, open_workbench
from sfloader_gui.ui.runs import RecentRunsDialog
from sfloader_gui.ui.style import apply_style
from tests.core.review.emulator_runs import SAMPLES, connect, load
from tests.ui.failures.conftest import app_retries


def _more_contacts(work: Path) -> None:
    """A second contacts file with the mistakes people make: blank last names, bad e-mails, a formula."""
    with (SAMPLES / "contacts.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    for i, row in enumerate(body):
        row[0] = row[0].replace("CON-00", "CON-05")
        if i % 5 == 1:
            row[2] = ""
        elif i % 7 == 3:
            row[3] = row[3].replace("@", " at ")
        elif i == 4:
            row[5] = '=HYPERLINK("http://example.com","Buyer")'
            row[6] = "12/31/1980"
    with (work / "contacts_q3.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *body])


def _report_picture(html: str, dest: Path) -> None:
    """The summary report as the PDF lays it out (QTextDocument), on a white page."""
    doc = QTextDocument()
    doc.setHtml(html)
    doc.setTextWidth(760)
    image = QImage(800, int(doc.size().height()) + 40, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.translate(20, 20)
    doc.drawContents(painter)
    painter.end()
    image.save(str(dest))


def _settle(win: WorkbenchWindow) -> None:
    for _ in range(3):
        QApplication.processEvents()
        win.tasks.wait()
        QApplication.processEvents()


def main(out: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_style(app)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sfl-shots-"))
    with (
        EmulatorServer(EmulatorConfig(db_path=work / "org.sqlite3")) as org,
        connect(org) as conn,
        app_retries(conn, work) as retries,
    ):
        load(conn, ["accounts.csv"], "Account", work)
        _more_contacts(work)
        import shutil

        shutil.copyfile(SAMPLES / "bad_contacts.csv", work / "bad_contacts.csv")
        from sfloader_gui.core.load.engine import run_load
        from sfloader_gui.core.load.plan import plan_load
        from sfloader_gui.core.models import CancelToken, LoadOptions

        options = LoadOptions("Contact", "External_Id__c", poll_interval_s=0.05)
        plan = plan_load([work / "bad_contacts.csv", work / "contacts_q3.csv"], options)
        run = run_load(conn, plan, options, work / "runs", lambda _e: None, CancelToken())
        win = open_workbench(run.run_dir, retry_launcher=retries)
        win.quiet = True
        win.resize(1640, 760)
        win.show()
        _settle(win)
        model = win.model
        assert model is not None
        ext = next(c for c in range(model.columnCount()) if model.column_name(c) == "External_Id__c")
        keys = [model.index(r, ext).data() for r in range(model.rowCount())]
        last = next(c for c in range(model.columnCount()) if model.column_name(c) == "LastName")
        fixed = keys.index("CON-0103")
        model.setData(model.index(fixed, last), "Berners-Lee")
        win.table.selectRow(fixed)
        win.retry(selected_only=True)
        _settle(win)
        while retries.controller.running:  # the retry runs as a load of the app
            QApplication.processEvents()
            retries.controller.pool.waitForDone(50)
        _settle(win)
        model.setData(model.index(keys.index("CON-0502"), last), "Hopper")
        win.table.clearSelection()
        win.table.scrollToTop()
        # The bad e-mail row is the current one (not selected, so its red cell shows): the detail line
        # under the table gives Salesforce's words and the plain ones.
        current = model.index(keys.index("CON-0104"), ext)
        win.table.selectionModel().setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
        _settle(win)
        win.grab().save(str(out / "workbench.png"))
        win.groups.selectRow(0)
        _settle(win)
        win.grab().save(str(out / "workbench-group.png"))
        assert win.session is not None
        assert win.model is not None
        _report_picture(summary_html(win.session, win.model.outcomes), out / "workbench-report.png")
        win.close()
        # Recent runs before the run is broken below: its line counts the row the retry loaded.
        runs = RecentRunsDialog(work / "runs")
        runs.resize(1180, 300)
        runs.show()
        for _ in range(300):  # the retries' counts are folded in from the background: picture them
            if not runs.folding:
                break
            runs.tasks.wait(100)
            QApplication.processEvents()
        runs.view.selectRow(1)
        QApplication.processEvents()
        runs.grab().save(str(out / "recent-runs.png"))
        runs.close()
        source = work / "contacts_q3.csv"
        source.write_text(source.read_text(encoding="utf-8") + "CON-0999,New,Row,,,,,\n", encoding="utf-8")
        next(run.run_dir.glob("jobs/01_*/failed.csv")).unlink()
        broken = open_workbench(run.run_dir)
        broken.resize(1360, 600)
        broken.show()
        _settle(broken)
        broken.grab().save(str(out / "workbench-problems.png"))
        broken.close()
    import shutil

    shutil.rmtree(work, ignore_errors=True)  # the private org and its runs: only the pictures are kept
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
