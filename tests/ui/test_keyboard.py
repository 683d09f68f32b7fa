"""A whole load with the keyboard only (demo org): mnemonics, Tab out of tables, Enter on a button,
Delete on a file, Ctrl+Enter to load; plus accessible names and the minimum window size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QApplication, QWidget
from pytestqt.qtbot import QtBot

from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.main_window import MainWindow
from sfloader_gui.ui.style import STYLE_SHEET
from tests.ui.helpers import WAIT_MS, open_window, wait_checked

ALT, CTRL, NONE = (
    Qt.KeyboardModifier.AltModifier,
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.NoModifier,
)


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "something always has the keyboard focus"
    return widget


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = NONE) -> None:
    """A key press as the user makes it: to whatever has the focus (shortcuts and mnemonics included).

    QTest's own modifier releases leave Qt believing the modifier is still held (PySide6 6.11): a last
    plain release tells it the keys are up, as a real keyboard would, so later clicks are not Ctrl-clicks.
    """
    QTest.keyClick(focused(), key, modifier)
    if modifier != NONE:
        QTest.keyRelease(focused(), Qt.Key.Key_Alt if modifier == ALT else Qt.Key.Key_Control)


def type_text(text: str) -> None:
    QTest.keyClicks(focused(), text)


def tab_to(window: MainWindow, target: QWidget, limit: int = 60) -> None:
    for _ in range(limit):
        if focused() is target:
            return
        press(Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target!r}: stuck at {focused()!r}")


@pytest.fixture
def window(qtbot: QtBot, emulator: Any) -> MainWindow:
    win = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.2))
    win.enable_samples()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: bool(win.object_picker.choices()), timeout=WAIT_MS)
    return win


def test_the_focus_starts_on_step_1_not_on_switch_org(window: MainWindow) -> None:
    assert (
        focused() is window.object_picker.combo
    )  # typing picks the object; Space never opens the org dialog


# The completer's popup list: the offscreen platform cannot raise it or grab the keyboard for it.
@pytest.mark.qt_log_ignore(".*does not support raise.*", ".*does not support grabbing the keyboard.*")
def test_a_whole_load_with_key_presses_only(qtbot: QtBot, window: MainWindow) -> None:
    press(Qt.Key.Key_O, ALT)  # "&Object:"
    assert focused() is window.object_picker.combo
    type_text(dict(window.object_picker.choices())["Account"])
    press(Qt.Key.Key_Return)  # accepts the completion
    assert window.object_picker.value == "Account"
    qtbot.waitUntil(lambda: bool(window.extid_picker.choices()), timeout=WAIT_MS)
    press(Qt.Key.Key_X, ALT)  # "E&xternal ID:"
    type_text(dict(window.extid_picker.choices())["External_Id__c"])
    press(Qt.Key.Key_Tab)  # leaving the box commits the typed name, completion list open or not
    assert window.extid_picker.value == "External_Id__c"

    # Enter presses the focused button: the clean sample file.
    tab_to(window, window.files_panel.samples_button)
    press(Qt.Key.Key_Return)
    wait_checked(qtbot, window)
    press(Qt.Key.Key_E, ALT)  # "Add sample files with &errors" (a mnemonic clicks after a short flash)
    qtbot.waitUntil(lambda: window.files_model.rowCount() == 2, timeout=WAIT_MS)
    wait_checked(qtbot, window)
    assert [e.path.name for e in window.files_model.entries()] == ["accounts.csv", "bad_accounts.csv"]
    assert not window.load_button.isEnabled()

    # Into the file list, down to the bad file, Delete; then Tab leaves the table.
    view = window.files_panel.view
    tab_to(window, view)
    press(Qt.Key.Key_End)
    assert view.selectionModel().selectedRows()[0].row() == 1
    press(Qt.Key.Key_Delete)
    assert [e.path.name for e in window.files_model.entries()] == ["accounts.csv"]
    press(Qt.Key.Key_Tab)
    assert focused() is not view, "Tab leaves the table instead of moving between its cells"
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()

    before = focused()
    with qtbot.waitSignal(window.load_finished, timeout=60_000) as done:
        press(Qt.Key.Key_Return, CTRL)
    assert not done.args[0].cancelled
    assert window.jobs_model.rows()[0].processed == 25
    assert focused() is before  # Ctrl+Enter from elsewhere: the focus stays there


def test_after_a_load_from_the_load_button_the_focus_goes_to_the_next_step(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    src = tmp_path / "cities.csv"  # the long city passes pre-flight and fails in Salesforce
    src.write_text(f"External_Id__c,Name,BillingCity\nK1,Acme,Paris\nK2,Beta,{'Llanfair' * 8}\n")
    window.object_picker.select("Account")
    qtbot.waitUntil(lambda: bool(window.extid_picker.choices()), timeout=WAIT_MS)
    window.extid_picker.select("External_Id__c")
    window.files_panel.add_paths([src])
    wait_checked(qtbot, window)
    assert window.load_button.isEnabled(), window.blocking_reason()
    tab_to(window, window.load_button)
    with qtbot.waitSignal(window.load_finished, timeout=60_000):
        press(Qt.Key.Key_Space)
    assert focused() is window.jobs_panel.review_button  # rows failed: reviewing them comes next


def test_every_control_is_reachable_named_and_has_a_focus_ring(window: MainWindow) -> None:
    controls = [
        w for w in window.findChildren(QWidget)
        if w.isVisible() and w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isEnabled()
    ]  # fmt: skip
    assert len(controls) > 10
    unnamed = [
        w for w in controls
        if not (w.accessibleName() or (w.text() if isinstance(w, QAbstractButton) else "")).strip()
    ]  # fmt: skip
    assert not unnamed, f"no name for a screen reader: {unnamed}"
    for view in window.findChildren(QAbstractItemView):
        assert not view.tabKeyNavigation(), f"{view!r} would trap Tab"


def test_the_focused_button_has_a_visible_ring(qapp: QApplication, window: MainWindow) -> None:
    qapp.setStyleSheet(STYLE_SHEET)
    try:
        button = window.files_panel.add_folder_button
        window.bar.switch_button.setFocus()
        QApplication.processEvents()
        plain = button.grab().toImage()
        button.setFocus()
        QApplication.processEvents()
        ring = button.grab().toImage()
        edge = [(x, ring.height() // 2) for x in (0, 1)] + [(ring.width() // 2, y) for y in (0, 1)]
        changed = [p for p in edge if plain.pixelColor(*p) != ring.pixelColor(*p)]
        assert changed, "the focused button's border looks like any other"
        assert all(ring.pixelColor(*p).blue() > ring.pixelColor(*p).red() + 60 for p in changed)  # blue
    finally:
        qapp.setStyleSheet("")


def test_ctrl_o_adds_files_and_delete_removes_them(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, samples_dir: Any
) -> None:
    asked: list[bool] = []
    monkeypatch.setattr(window.files_panel, "choose_files", lambda: asked.append(True))
    press(Qt.Key.Key_O, CTRL)
    assert asked == [True], "Ctrl+O opens the file chooser"


def test_minimum_size_keeps_every_section_usable(window: MainWindow) -> None:
    window.resize(QSize(500, 300))  # smaller than anyone should be able to make it
    QApplication.processEvents()
    size = window.size()
    assert size.width() >= window.minimumWidth() > 500 and size.height() >= window.minimumHeight() > 300
    assert window.files_panel.drop_zone.height() >= 120, "room for a few files"
    assert window.jobs_panel.height() >= 100, "room for a few jobs"
    for button in (window.load_button, window.cancel_button, window.files_panel.add_files_button,
                   window.files_panel.bad_samples_button, window.bar.switch_button):  # fmt: skip
        assert button.width() >= button.minimumSizeHint().width(), f"{button.text()} is cut off"


@pytest.fixture(autouse=True)
def _no_key_left_down() -> Iterator[None]:
    yield
    assert QApplication.keyboardModifiers() == NONE


def test_enter_presses_a_focused_tool_button(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QHBoxLayout, QToolButton

    from sfloader_gui.ui.keyboard import make_keyboard_friendly

    box = QWidget()
    tool = QToolButton(box)
    tool.setText("Retry all failed")
    QHBoxLayout(box).addWidget(tool)
    make_keyboard_friendly(box)
    qtbot.addWidget(box)
    box.show()
    with qtbot.waitSignal(tool.clicked, timeout=WAIT_MS):
        QTest.keyClick(tool, Qt.Key.Key_Return)


def test_the_files_status_column_is_in_sight_at_the_usual_size(
    qtbot: QtBot, window: MainWindow, samples_dir: Path
) -> None:
    """The verdict ("Ready", "Loaded: 40 succeeded…") must not sit past the right edge of the file list."""
    from sfloader_gui.ui.files.files_model import Col

    window.resize(QSize(1280, 800))
    window.files_panel.add_paths([samples_dir / "contacts.csv", samples_dir / "bad_contacts.csv"])
    wait_checked(qtbot, window)
    view = window.files_panel.view
    header = view.horizontalHeader()
    # The stretched last column follows the viewport's width once the layout has settled.
    qtbot.waitUntil(lambda: header.length() >= view.viewport().width() - 1, timeout=WAIT_MS)
    right = header.sectionViewportPosition(Col.CHECK) + header.sectionSize(Col.CHECK)
    assert header.sectionSize(Col.CHECK) >= 120 and right <= view.viewport().width() + 1
    title = str(window.files_model.headerData(Col.CHECK, Qt.Orientation.Horizontal))
    assert header.fontMetrics().horizontalAdvance(title) < header.sectionSize(Col.CHECK), "header cut off"
