"""Box 1 of the main window: the object picker and the External ID picker that lists the object's fields."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QWidget

from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.ui.load import engine_bridge as engine
from sfloader_gui.ui.pickers import SearchablePicker
from sfloader_gui.ui.tasks import BackgroundTasks


class TargetBox(QGroupBox):
    """What to load into; the pickers load their lists off the UI thread."""

    def __init__(self, tasks: BackgroundTasks, parent: QWidget | None = None) -> None:
        super().__init__("1. What to load into", parent)
        self.object_picker = SearchablePicker(tasks, "objects")
        self.extid_picker = SearchablePicker(tasks, "External ID fields")
        row = QHBoxLayout(self)
        left, right = QFormLayout(), QFormLayout()
        left.addRow("&Object:", self.object_picker)  # Alt+O / Alt+X jump to the pickers
        right.addRow("E&xternal ID:", self.extid_picker)
        for layout, picker in ((left, self.object_picker), (right, self.extid_picker)):
            label = layout.labelForField(picker)
            if isinstance(label, QLabel):  # the mnemonic focuses the box itself, not its container
                label.setBuddy(picker.combo)
        row.addLayout(left, 1)
        row.addSpacing(16)
        row.addLayout(right, 1)

    def show_objects(self, conn: SalesforceConnection | None, select: str) -> None:
        """The org's objects (none without a connection); the External ID waits for an object."""
        if conn is None:
            self.object_picker.clear("Connect to an org to list objects.")
        else:
            self.object_picker.load(lambda: engine.object_choices(conn), select=select)
        self.extid_picker.clear("Choose an object first.")

    def show_external_ids(self, conn: SalesforceConnection | None, object_name: str, select: str) -> None:
        """The External ID fields of ``object_name`` (none while no object is chosen)."""
        if object_name and conn is not None:
            self.extid_picker.load(lambda: engine.external_id_picks(conn, object_name), select=select)
        else:
            self.extid_picker.clear("Choose an object first.")
