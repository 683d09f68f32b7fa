"""The connection bar and the object / External ID pickers, filled from the emulator's describe."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from sfloader_gui.core.settings import AppSettings, load_settings
from tests.ui.helpers import WAIT_MS, open_window, pick


def test_connection_bar_shows_org_user_instance_and_badge(qtbot: QtBot, emulator: Any) -> None:
    window = open_window(qtbot, None)
    assert window.bar.badge.text() == "NOT CONNECTED"
    assert not window.load_button.isEnabled()
    assert "Connect to an org first" in window.load_reason.text()
    with qtbot.waitSignal(window.bar.switch_requested):
        window.bar.switch_button.click()

    from tests.ui.helpers import connect

    window.set_connection(connect(emulator), "Acme Prod", "production")
    assert window.bar.badge.text() == "PRODUCTION"
    window.set_connection(None, "", "")

    window.set_connection(connect(emulator), "QA sandbox", "sandbox", username="qa@acme.test")
    assert window.bar.badge.text() == "SANDBOX"
    assert window.bar.org_label.text() == "QA sandbox"
    assert "qa@acme.test" in window.bar.details_label.text()
    assert emulator.instance_url in window.bar.details_label.text()
    qtbot.waitUntil(lambda: bool(window.object_picker.choices()), timeout=WAIT_MS)


def test_pickers_are_filled_from_describe_off_the_ui_thread(qtbot: QtBot, emulator: Any) -> None:
    window = open_window(qtbot, emulator)
    picker = window.object_picker
    busy_at_start = picker.is_loading
    assert busy_at_start, "the busy state shows while describe runs"
    assert not picker.combo.isEnabled()
    qtbot.waitUntil(lambda: bool(picker.choices()), timeout=WAIT_MS)
    assert not picker.is_loading
    names = [name for name, _ in picker.choices()]
    assert "Account" in names and "Contact" in names
    assert any(text == "Account (Account)" for _, text in picker.choices())

    # Searchable: the completer matches any part of the text.
    completer = picker.combo.completer()
    assert completer is not None
    completer.setCompletionPrefix("ccount")
    assert completer.completionCount() >= 1
    assert "Account" in completer.currentCompletion()

    pick(qtbot, window, "Account", "External_Id__c")
    extids = [name for name, _ in window.extid_picker.choices()]
    assert extids[0] == "External_Id__c", "true External ID fields come first"
    assert "Id" in extids and "Industry" not in extids, "only externalId or idLookup fields are offered"
    assert load_settings().last_object == "Account"
    assert "Add at least one CSV or Excel file" in window.load_reason.text()


def test_last_choices_are_selected_again(qtbot: QtBot, emulator: Any) -> None:
    settings = AppSettings(last_object="Contact", last_external_id="External_Id__c")
    window = open_window(qtbot, emulator, settings)
    qtbot.waitUntil(lambda: window.extid_picker.value == "External_Id__c", timeout=WAIT_MS)
    assert window.object_picker.value == "Contact"


def test_describe_failure_is_shown_in_place_with_a_retry(qtbot: QtBot, emulator: Any) -> None:
    emulator.faults.add_status(403, method="GET", path=r"/sobjects/?$", times=1)
    window = open_window(qtbot, emulator)
    picker = window.object_picker
    qtbot.waitUntil(lambda: picker.retry_button.isVisibleTo(window), timeout=WAIT_MS)
    assert "Could not load objects" in picker.message.text()
    assert "API request limit" in picker.message.text()
    assert not picker.choices()

    with qtbot.waitSignal(picker.loaded, timeout=WAIT_MS):
        picker.retry_button.click()
    assert picker.retry_button.isHidden() and picker.message.isHidden()
    assert "Account" in [name for name, _ in picker.choices()]


def test_the_only_true_external_id_is_preselected_when_none_was_remembered(
    qtbot: QtBot, emulator: Any
) -> None:
    window = open_window(qtbot, emulator, AppSettings(last_external_id="Shipment_Number__c"))  # not Account's
    qtbot.waitUntil(lambda: bool(window.object_picker.choices()), timeout=WAIT_MS)
    assert window.object_picker.select("Account")
    qtbot.waitUntil(lambda: window.extid_picker.value == "External_Id__c", timeout=WAIT_MS)
    assert window.extid_picker.combo.currentText() == "External Id (External_Id__c)"
    assert "External ID" not in window.load_reason.text()  # the user is not asked to choose it


def test_a_remembered_external_id_wins_over_the_preselection(qtbot: QtBot, emulator: Any) -> None:
    window = open_window(qtbot, emulator, AppSettings(last_object="Account", last_external_id="Id"))
    qtbot.waitUntil(lambda: bool(window.extid_picker.value), timeout=WAIT_MS)
    assert window.extid_picker.value == "Id"
    assert window.extid_picker.combo.currentText().endswith("(Id)")


# The completer's popup list: the offscreen platform cannot raise it or grab the keyboard for it.
@pytest.mark.qt_log_ignore(".*does not support raise.*", ".*does not support grabbing the keyboard.*")
def test_typing_a_name_and_enter_picks_it_without_choosing_the_line(qtbot: QtBot, emulator: Any) -> None:
    window = open_window(qtbot, emulator)
    picker = window.object_picker
    qtbot.waitUntil(lambda: bool(picker.choices()), timeout=WAIT_MS)
    texts = dict(picker.choices())

    def enter(typed: str) -> str:
        picker.edit.clear()
        picker.combo.setFocus()
        QTest.keyClicks(picker.edit, typed)
        QTest.keyClick(picker.edit, Qt.Key.Key_Return)
        return picker.value

    assert enter("account") == "Account"  # the API name in any case (a real popup has no line chosen)
    assert picker.combo.currentText() == texts["Account"]  # the box then shows the whole choice
    assert enter("Shipment__C") == "Shipment__c"
    assert enter("hipmen") == "Shipment__c"  # the one line the completion list shows
    assert enter("c") == ""  # several lines contain it: nothing is guessed
    assert enter("Opportunity") == ""  # no such object here
    assert enter(texts["Contact"]) == "Contact"
    assert enter(texts["Contact"] + "x") == ""  # text typed after a choice names none: nothing chosen
    assert enter("contact") == "Contact"  # the choice the box still pointed at is chosen again
    assert picker.combo.currentText() == texts["Contact"]

    qtbot.waitUntil(lambda: bool(window.extid_picker.choices()), timeout=WAIT_MS)
    field = window.extid_picker
    field.edit.clear()
    field.combo.setFocus()
    QTest.keyClicks(field.edit, "external id")  # the label, as the user reads it
    QTest.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.value == "External_Id__c"
