"""Last-chance handler: an unexpected exception is logged and shown in a dialog with copyable details."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QThread
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui import __version__
from sfloader_gui.core.logs import redact
from sfloader_gui.ui.plain import plain_label

log = logging.getLogger(__name__)
_shown: list[ExceptionDialog] = []  # a dialog without a parent must stay referenced while it is open


class ExceptionDialog(QDialog):
    def __init__(self, summary: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Something went wrong")
        intro = QLabel(
            "The app hit an unexpected problem. Your files were not changed. The details below are also in "
            "the log file; copy them into a bug report."
        )
        intro.setWordWrap(True)
        self.summary = plain_label(summary)  # an exception's text may quote data that looks like HTML
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold;")
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setMinimumSize(560, 220)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(intro)
        box.addWidget(self.summary)
        box.addWidget(self.details, 1)
        box.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


def format_details(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    return redact(f"sfloader-gui {__version__}, Python {sys.version.split()[0]}\n\n{text}")


def handle_exception(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None, show: bool = True
) -> ExceptionDialog | None:
    """Log the exception; on the UI thread of a running app also show it (returns the dialog shown)."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return None
    log.critical("Unexpected error", exc_info=(exc_type, exc, tb))
    app = QApplication.instance()
    if not show or app is None or QThread.currentThread() is not app.thread():
        return None
    dialog = ExceptionDialog(redact(f"{exc_type.__name__}: {exc}"), format_details(exc_type, exc, tb))
    dialog.setModal(True)
    _shown.append(dialog)
    dialog.finished.connect(lambda _code: _shown.remove(dialog))
    dialog.show()
    return dialog


def install_excepthook() -> None:
    """Route uncaught exceptions (UI thread and plain threads) to the log and the dialog."""
    sys.excepthook = lambda t, e, tb: (handle_exception(t, e, tb), None)[1]

    def _thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            handle_exception(args.exc_type, args.exc_value, args.exc_traceback, show=False)

    threading.excepthook = _thread_hook
