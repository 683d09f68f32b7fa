"""Untrusted text (CSV values, headers, file names, org names, server messages) shown as text, never as HTML.

Qt guesses "rich text" from the text itself (``Qt.AutoText``): ``<script>…`` would silently vanish and
``<img src="…">`` makes Qt read a file (on Windows a UNC path reaches the network). Labels and message
boxes that show data are set to ``Qt.PlainText``; tooltips are always guessed, so their text is escaped.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows its text exactly as given."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def plain(label: QLabel) -> QLabel:
    """Make an existing label show its text exactly as given; returns it."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def tooltip(text: str) -> str:
    """Tooltip text that shows ``text`` literally (escaped inside rich text, line breaks kept)."""
    if not text:
        return ""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


def message_box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
) -> QMessageBox:
    """A message box whose text (and informative/detailed text) is plain, for the caller to exec()."""
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """``QMessageBox.warning`` with plain text."""
    message_box(parent, QMessageBox.Icon.Warning, title, text).exec()


def ask(parent: QWidget | None, title: str, text: str, default_no: bool = True) -> bool:
    """A Yes/No question with plain text; True when the user answers Yes."""
    yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
    box = message_box(parent, QMessageBox.Icon.Question, title, text, yes | no)
    box.setDefaultButton(no if default_no else yes)
    return box.exec() == yes
