"""Simulated drags from a file manager: a QMimeData with file URLs, sent as real drag and drop events."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget


def file_mime(paths: list[Path]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def _drag_enter(pos: QPoint, mime: QMimeData) -> QDragEnterEvent:
    # PySide6 6.12 wants QPointF here (QPoint is deprecated); 6.11 accepts only QPoint.
    try:
        return QDragEnterEvent(  # type: ignore[call-overload,unused-ignore]
            QPointF(pos),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    except TypeError:
        return QDragEnterEvent(
            pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )


def drop_paths(target: QWidget, paths: list[Path]) -> tuple[bool, bool]:
    """Drag ``paths`` onto ``target`` and drop them; returns (enter accepted, drop accepted)."""
    mime = file_mime(paths)
    pos = target.rect().center()
    enter = _drag_enter(pos, mime)
    QApplication.sendEvent(target, enter)
    drop = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, drop)
    return enter.isAccepted(), drop.isAccepted()
