"""The log pane: plain-language lines from the app and the engine, secrets redacted, safe from any thread."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from sfloader_gui.core.logs import redact

# Loggers whose INFO lines are written for users (the rest only reach the pane at WARNING and above).
_USER_FACING = ("sfloader_gui.ui", "sfloader_gui.core.load")
MAX_LINES = 5000


class _Bridge(QObject):
    line = Signal(str, int)


class PaneLogHandler(logging.Handler):
    """A logging handler that hands each (redacted) line to the pane through a queued signal."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.bridge = _Bridge()

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING and not record.name.startswith(_USER_FACING):
            return
        try:
            text = redact(record.getMessage())
        except Exception:  # noqa: BLE001 - a log line must never take the app down
            self.handleError(record)
            return
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        prefix = "" if record.levelno < logging.WARNING else f"{record.levelname.title()}: "
        self.bridge.line.emit(f"{stamp}  {prefix}{text}", record.levelno)


class LogPane(QPlainTextEdit):
    """Read-only, selectable text; keeps the last ``MAX_LINES`` lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logPane")
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setPlaceholderText("What the app does appears here, in plain words.")
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.handler = PaneLogHandler()
        self.handler.bridge.line.connect(self.add_line)
        app_logger = logging.getLogger("sfloader_gui")
        app_logger.addHandler(self.handler)
        if app_logger.getEffectiveLevel() > logging.INFO:
            app_logger.setLevel(logging.INFO)  # the pane shows INFO lines even when no file log is set up

    def add_line(self, text: str, level: int = logging.INFO) -> None:
        self.appendPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.End)

    def detach(self) -> None:
        logging.getLogger("sfloader_gui").removeHandler(self.handler)
