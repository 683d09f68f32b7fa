"""The question asked before sending files again that a run of this session sent already."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from sfloader_gui.ui.files.files_model import FileEntry


def ask_resend(parent: QWidget, entries: list[FileEntry]) -> bool:
    """True when the user chose to load ``entries`` again."""
    lines = []
    for entry in entries[:6]:
        mark = entry.loaded_now()
        assert mark is not None
        lines.append(f"• {entry.path.name}: run {mark.run_id}, {mark.success + mark.fixed:,} succeeded, "
                     f"{mark.left:,} failed")  # fmt: skip
    box = QMessageBox(QMessageBox.Icon.Question, "Load the same files again?",
                      "These files were loaded already:\n" + "\n".join(lines), parent=parent)  # fmt: skip
    box.setTextFormat(Qt.TextFormat.PlainText)  # file names are data, not HTML
    box.setInformativeText(
        "Loading again sends every row to Salesforce again (existing records are updated). To send "
        "only the rows that failed, use Review failed records… and Retry."
    )
    again = box.addButton("Load again", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is again
