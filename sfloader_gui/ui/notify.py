"""Say a long load ended while the window was in the background: a tray message, else a taskbar alert."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

log = logging.getLogger(__name__)

LONG_RUN_S = 30.0  # shorter loads end while the user is still watching


class Notifier(QObject):
    def __init__(self, window: QWidget, threshold_s: float = LONG_RUN_S) -> None:
        super().__init__(window)
        self._window = window
        self.threshold_s = threshold_s
        self.last_message = ""
        self._tray: QSystemTrayIcon | None = None

    def run_finished(self, text: str, elapsed_s: float) -> bool:
        """Notify if the run was long and the window is not the active one; returns True when it did."""
        if elapsed_s < self.threshold_s or self._window.isActiveWindow():
            return False
        self.last_message = text
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self._window.windowIcon(), self)
            self._tray.show()
            self._tray.showMessage("sfloader: load finished", text, QSystemTrayIcon.MessageIcon.Information)
        else:
            QApplication.alert(self._window)  # flashes the taskbar entry where trays are missing
        log.debug("Notified: %s", text)
        return True

    def hide(self) -> None:
        if self._tray is not None:
            self._tray.hide()
