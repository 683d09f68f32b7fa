"""Data is shown as text everywhere: markup in values, headers, file names, org names and error messages
reaches the screen literally, never interpreted (``<script>`` would vanish, ``<img>`` would read a file)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from sfloader_gui.core.auth.login import LoginService
from sfloader_gui.core.credentials import CredentialStore
from sfloader_gui.core.load.engine import run_load
from sfloader_gui.core.load.plan import plan_load
from sfloader_gui.core.models import CancelToken, LoadOptions
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from sfloader_gui.ui.error_dialog import handle_exception
from sfloader_gui.ui.failures import open_workbench
from sfloader_gui.ui.failures.table_model import MESSAGE
from sfloader_gui.ui.files.files_model import Col as FileCol
from sfloader_gui.ui.orgs.confirm import ProductionConfirmDialog
from sfloader_gui.ui.orgs.org_manager import OrgManagerDialog
from tests.core.review.emulator_runs import connect, load
from tests.ui.failures.conftest import HEADER, settle
from tests.ui.helpers import WAIT_MS, open_window, pick, wait_checked
from tests.ui.shown import box_shown, label_shown, tooltip_shown

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src="x.png">'
BOLD = "<b>bold</b>"
NAME = f"{IMG}<b>bold contacts.csv"  # markup without '/', which a file name cannot hold


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *rows])
    return path


def test_the_workbench_shows_values_messages_and_names_literally(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    src = _write(tmp_path / NAME, HEADER, [
        ["X-1", "Ada", "", "x1@example.com", "555", SCRIPT, "1980-01-02", "ACC-0001"],  # no LastName
        ["X-2", "Ada", "Two", f"{BOLD}@", "555", IMG, "1980-01-02", "ACC-0001"],  # a bad e-mail
    ])  # fmt: skip
    options = LoadOptions("Contact", "External_Id__c", poll_interval_s=0.05)
    with connect(emulator) as conn:
        load(conn, ["accounts.csv"], "Account", tmp_path / "accounts")
        run = run_load(conn, plan_load([src], options), options, tmp_path / "runs", lambda _e: None,
                       CancelToken())  # fmt: skip
    manifest = json.loads((run.run_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["jobs"].append({**manifest["jobs"][0], "failed_file": f"../{BOLD}{SCRIPT}.csv"})
    (run.run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    win = open_workbench(run.run_dir)
    win.quiet = True
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    settle(win)
    model = win.model
    assert model is not None and model.rowCount() == 2
    cells = {model.index(r, c).data() for r in range(model.rowCount()) for c in range(model.columnCount())}
    assert {SCRIPT, IMG, f"{BOLD}@", NAME} <= cells
    for row in range(model.rowCount()):
        error = model.row_data(row)[0].error
        tip = tooltip_shown(model.index(row, MESSAGE).data(Qt.ItemDataRole.ToolTipRole))
        assert f"{error.code}: {error.message}" in tip  # Salesforce's message, exactly as it sent it
        win.table.selectRow(row)
        assert label_shown(win.detail) == win.detail.text() and error.message in win.detail.text()
    messages = [model.row_data(r)[0].error.message for r in range(2)]
    assert "Email: invalid email address: &lt;b&gt;bold&lt;/b&gt;@" in messages  # Salesforce escapes it
    groups = win.groups
    for r in range(groups.rowCount()):
        item = groups.item(r, 1)
        assert item is not None
        code, _, message = item.text().partition("\n")
        assert message in tooltip_shown(item.toolTip()) and code in tooltip_shown(item.toolTip())
    banner = win.banner
    assert f"{BOLD}{SCRIPT}" in label_shown(banner)  # the refused manifest path, quoted as it is
    win.tasks.wait()


def test_the_main_window_shows_file_names_headers_and_server_errors_literally(
    qtbot: QtBot, emulator: Any, tmp_path: Path
) -> None:
    src = _write(tmp_path / NAME, ["External_Id__c", "Name", f"{BOLD}{SCRIPT}"], [["K-1", "Acme", IMG]])
    window = open_window(qtbot, emulator)
    pick(qtbot, window, "Account", "External_Id__c")
    window.files_panel.add_paths([src])
    wait_checked(qtbot, window)
    assert not window.load_button.isEnabled()
    reason = label_shown(window.load_reason)
    assert NAME in reason
    model = window.files_model
    assert tooltip_shown(model.index(0, FileCol.FILE).data(Qt.ItemDataRole.ToolTipRole)) == str(src)
    findings = tooltip_shown(model.index(0, FileCol.CHECK).data(Qt.ItemDataRole.ToolTipRole))
    assert f"{BOLD}{SCRIPT}" in findings  # the unknown column, named as the file spells it

    # A server error quoting markup (here: the object list refused) is shown as the server sent it.
    emulator.faults.add_status(
        403, method="GET", path="/sobjects/?$", times=-1, error_code="INSUFFICIENT_ACCESS",
        message=f"No access {SCRIPT}{IMG}",
    )  # fmt: skip
    picker = window.object_picker
    picker.retry()
    qtbot.waitUntil(lambda: SCRIPT in picker.message.text(), timeout=WAIT_MS)
    assert f"No access {SCRIPT}{IMG}" in label_shown(picker.message)
    assert f"No access {SCRIPT}{IMG}" in tooltip_shown(picker.message.toolTip())


def test_org_names_and_login_errors_are_text_in_the_org_manager(qtbot: QtBot) -> None:
    orgs = OrgStore()
    profile = build_profile(f"{BOLD}{IMG}", Environment.SANDBOX, LoginMethod.TOKEN,
                            instance_url="https://acme--uat.sandbox.my.salesforce.com")  # fmt: skip
    orgs.upsert(profile)
    dialog = OrgManagerDialog(LoginService(orgs, CredentialStore()))
    qtbot.addWidget(dialog)
    dialog.show()
    row = next(r for r in range(dialog.org_list.count()) if BOLD in dialog.org_list.item(r).text())
    item = dialog.org_list.item(row)
    assert item is not None and item.text().startswith(f"{BOLD}{IMG}")
    assert f"{BOLD}{IMG}" in tooltip_shown(item.toolTip())
    dialog.show_error(f"Salesforce refused the login ({SCRIPT})")
    assert label_shown(dialog.status) == f"Salesforce refused the login ({SCRIPT})"

    seen: list[str] = []

    def answer_no() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box_shown(box))
        box.button(QMessageBox.StandardButton.No).click()

    dialog.org_list.setCurrentRow(row)
    QTimer.singleShot(0, answer_no)
    dialog.remove_button.click()
    assert seen and f"Remove {BOLD}{IMG}" in seen[0]
    assert OrgStore().get(profile.id) is not None  # "No" kept it

    confirm = ProductionConfirmDialog(f"{BOLD}Acme", Environment.PRODUCTION, 10, None)
    qtbot.addWidget(confirm)
    assert f"into {BOLD}Acme, a production org" in label_shown(confirm.intro)


@pytest.mark.app_warnings("error_dialog: Unexpected error")
def test_the_crash_dialog_shows_the_error_text_literally(qtbot: QtBot) -> None:
    try:
        raise ValueError(f"bad value {SCRIPT}{IMG}")
    except ValueError as exc:
        dialog = handle_exception(type(exc), exc, exc.__traceback__)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert label_shown(dialog.summary) == f"ValueError: bad value {SCRIPT}{IMG}"
    dialog.close()


@pytest.mark.app_warnings("error_dialog: Unexpected error")
def test_the_crash_dialog_redacts_a_token_past_its_line_break_in_every_form(qtbot: QtBot) -> None:
    from tests.secret_forms import leaks

    token = "00D5g000004ABCD!AQ0AQfirst\nSECOND-half-of-the-token"
    try:
        raise RuntimeError(f"header {token!r} body {json.dumps(token)}")
    except RuntimeError as exc:
        dialog = handle_exception(type(exc), exc, exc.__traceback__)
    assert dialog is not None
    qtbot.addWidget(dialog)
    shown = label_shown(dialog.summary) + dialog.details.toPlainText()
    assert leaks(shown, {token}, "crash dialog") == [] and "SECOND-half" not in shown
    dialog.close()
