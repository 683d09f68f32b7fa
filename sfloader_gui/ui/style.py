"""The app's look: the Fusion style everywhere (same picture on every OS) plus a few accents."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLayout, QPushButton, QStyle, QVBoxLayout, QWidget

STYLE_SHEET = """
QGroupBox { font-weight: bold; margin-top: 10px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }
QGroupBox > QWidget, QGroupBox QLabel { font-weight: normal; }
QFrame#connectionBar { background: #f4f5f7; border: 1px solid #d6d8dc; border-radius: 6px; }
QLabel#orgName { font-size: 11pt; font-weight: bold; }
QLabel#orgDetails { color: #555; }
QFrame#dropZone { border: 2px dashed #b8bcc4; border-radius: 8px; background: #fbfbfc; }
QFrame#dropZone[dragging="true"] { border-color: #1f5fa8; background: #eaf1fb; }
QLabel#emptyTitle { font-size: 13pt; font-weight: bold; color: #333; }
QLabel#emptyHint, QLabel#hint { color: #666; }
QLabel#summaryLine { color: #222; padding: 2px 0; }
QLabel#ignoredFiles { color: #8a5300; }
QPushButton#loadButton { background: #1f5fa8; color: white; font-weight: bold; padding: 6px 18px;
                         border-radius: 4px; border: 1px solid #174a85; }
QPushButton#loadButton:disabled { background: #c9d3df; color: #f4f6f8; border-color: #b9c4d1; }
QPushButton#loadButton:hover:!disabled { background: #2a6cb8; }
QPushButton#loadButton:focus { border: 3px solid #f2b705; padding: 4px 16px; }
/* A focus ring a keyboard user can see (Fusion's own is a faint 1 px line). */
QPushButton { border: 1px solid #a8adb5; border-radius: 4px; padding: 5px 12px;
              background: qlineargradient(x1:0, y1:0, x2:0, y2:1, stop:0 #fdfdfd, stop:1 #eceef1); }
QPushButton:hover:!disabled { background: #f4f7fb; border-color: #7d8796; }
QPushButton:pressed { background: #dfe5ee; }
QPushButton:disabled { color: #9aa0a8; border-color: #cfd3d8; background: #f3f4f6; }
QPushButton:focus { border: 2px solid #1f5fa8; padding: 4px 11px; }
QAbstractItemView:focus, QLineEdit:focus { border: 2px solid #1f5fa8; }
QComboBox:focus, QSpinBox:focus, QCheckBox:focus { background: #e3edf9; }
QTabBar::tab:focus { text-decoration: underline; }
"""


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE_SHEET)


def icon_button(owner: QWidget, icon: QStyle.StandardPixmap, text: str) -> QPushButton:
    """A push button with one of the style's standard icons (``owner``'s style) before its text."""
    return QPushButton(owner.style().standardIcon(icon), text)


def row_over(owner: QWidget, row: QLayout, below: QWidget, spacing: int) -> None:
    """``owner``'s layout: a row of controls with one widget (a message line) under it, edge to edge."""
    box = QVBoxLayout(owner)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(spacing)
    box.addLayout(row)
    box.addWidget(below)
