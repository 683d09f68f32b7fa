"""Screenshot of the mapping view for docs/: `uv run python -m tests.ui.mapping_shot docs/screenshots`.

Opens the real window on a private emulator, adds the business-style shipments sample (labels, local dates
and amounts), a copy of it (next month's export) and the shipments workbook (its row has the sheet drop-down):
the same columns, so one mapping for the three; clicks *Read as Windows-1252* where a file needs it, leaves
one column out, and grabs the window with the Columns tab showing.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QSplitter

from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.tokens import StaticToken
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer
from sfloader_gui.ui.main_window import MainWindow
from sfloader_gui.ui.orgs import OrgsController
from sfloader_gui.ui.style import apply_style

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
SAMPLE = SAMPLES / "shipments_business.csv"
WORKBOOK = SAMPLES / "shipments_business.xlsx"  # two sheets: its row shows the sheet drop-down


def _wait(app: QApplication, done: object, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.02)


def main(out: Path) -> None:
    os.environ["SFLOADER_HOME"] = tempfile.mkdtemp(prefix="sfloader-shot-")
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_style(app)
    with EmulatorServer(EmulatorConfig()) as org:
        window = MainWindow(AppSettings(), OrgsController())
        window.resize(1480, 860)
        window.show()
        window.set_connection(
            SalesforceConnection(org.instance_url, StaticToken(org.access_token)), "Demo org", "demo"
        )
        _wait(app, lambda: bool(window.object_picker.choices()))
        window.object_picker.select("Shipment__c")
        _wait(
            app,
            lambda: (
                window.extid_picker.value == "Shipment_Number__c"
                or window.extid_picker.select("Shipment_Number__c")
            ),
        )
        march = Path(os.environ["SFLOADER_HOME"]) / "shipments_march.csv"
        shutil.copyfile(SAMPLE, march)
        window.files_panel.add_paths([SAMPLE, march, WORKBOOK])
        settled = lambda: not window.checker.busy and not window.tasks.busy  # noqa: E731
        _wait(app, settled)
        splitter = window.files_panel.details.parentWidget()
        if isinstance(splitter, QSplitter):
            splitter.setSizes([480, 980])  # room for the Columns tab and the Format column
        view = window.files_panel.details.mapping
        window.files_panel.details.setCurrentWidget(view)
        for row in (1, 0):  # each file: one click on "Read as Windows-1252" if it needs it
            window.files_panel.view.selectRow(row)
            if view.convert_button.isVisible():
                view.convert_button.click()
                _wait(app, settled)
        _wait(app, lambda: view.table.rowCount() > 0)
        view.pick("Shipment Name", None)  # leave a column out: "ignored"
        _wait(app, settled)
        _wait(app, lambda: view.table.rowCount() > 0)
        for _ in range(20):
            app.processEvents()
        window.grab().save(str(out / "mapping.png"))
        window.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
