"""The main window's shortcuts, mnemonics and accessible names, for keyboard and screen-reader users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence, QShortcut

from sfloader_gui.ui.keyboard import make_keyboard_friendly, name

if TYPE_CHECKING:  # the window imports this module
    from sfloader_gui.ui.main_window import MainWindow


def install_keyboard(window: MainWindow) -> None:
    make_keyboard_friendly(window)
    for keys in ("Ctrl+Return", "Ctrl+Enter"):  # Enter on the main keys and on the keypad
        QShortcut(QKeySequence(keys), window, window.start_load)
    QShortcut(QKeySequence(QKeySequence.StandardKey.Open), window, lambda: window.files_panel.choose_files())
    window.load_button.setToolTip("Load the files into the org (Ctrl+Enter)")
    window.load_button.setAccessibleName("Load")
    window.cancel_button.setAccessibleName("Cancel the load")
    name(window.object_picker.combo, "Object", "The Salesforce object to load into; type to search")
    name(window.extid_picker.combo, "External ID field", "The field that identifies each record")
    name(window.jobs_panel.view, "Jobs", "One row per Salesforce job of the load")
    name(window.bottom_tabs, "Jobs and log")
    name(window.options.jobs, "Parallel jobs")
    name(window.options.uploads, "Uploads at once", "How many parts are uploaded at the same time")
    name(window.options.output, "Results folder")
    name(window.files_panel.details, "File preview and pre-flight findings")
