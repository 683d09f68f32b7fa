"""A drop target for files and folders from the file manager, with an empty state while nothing is added."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QStackedLayout, QStyle, QVBoxLayout, QWidget


def local_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class DropZone(QFrame):
    """Hosts ``content`` (the files table) and shows a friendly empty state until files are added.

    Signals:
        paths_dropped(list): local paths (files and folders) dropped on the zone.
        add_files_requested(): the empty state's "Add files…" button.
    """

    paths_dropped = Signal(list)
    add_files_requested = Signal()

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setProperty("dragging", False)

        empty = QWidget()
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon).pixmap(48, 48))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_title = QLabel("Drop CSV or Excel files here")
        self.empty_title.setObjectName("emptyTitle")
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel("Files or whole folders from your file manager: .csv files and workbooks are loaded.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        hint.setObjectName("emptyHint")
        self.add_button = QPushButton("Add files…")
        self.add_button.clicked.connect(self.add_files_requested)
        box = QVBoxLayout(empty)
        box.addStretch(1)
        for w in (icon, self.empty_title, hint):
            box.addWidget(w)
        box.addSpacing(8)
        box.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(1)

        self._stack = QStackedLayout(self)
        self._stack.addWidget(empty)
        self._stack.addWidget(content)
        self.set_empty(True)

    def set_empty(self, empty: bool) -> None:
        self._stack.setCurrentIndex(0 if empty else 1)

    @property
    def is_empty(self) -> bool:
        return self._stack.currentIndex() == 0

    def _set_dragging(self, on: bool) -> None:
        self.setProperty("dragging", on)
        self.style().unpolish(self)
        self.style().polish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()
            self._set_dragging(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_dragging(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_dragging(False)
        paths = local_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.paths_dropped.emit(paths)
