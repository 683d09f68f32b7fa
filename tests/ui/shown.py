"""What a user sees in a widget: Qt renders text as HTML when the format (or its guess) says rich text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox


def rendered(text: str, fmt: Qt.TextFormat = Qt.TextFormat.AutoText) -> str:
    """The text as shown for that format: rich text (given or guessed) goes through Qt's HTML renderer."""
    rich = fmt == Qt.TextFormat.RichText or (fmt == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(text))
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def tooltip_shown(tip: str | None) -> str:
    """Tooltips are always shown with the guessed format."""
    return rendered(tip or "")


def label_shown(label: QLabel) -> str:
    return rendered(label.text(), label.textFormat())


def box_shown(box: QMessageBox) -> str:
    return rendered(box.text(), box.textFormat())
