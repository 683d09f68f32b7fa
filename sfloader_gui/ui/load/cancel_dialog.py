"""What Cancel (and closing while loading) asks: abort the jobs in Salesforce, or only stop waiting."""

from __future__ import annotations

from enum import Enum

from PySide6.QtWidgets import QMessageBox, QWidget


class CancelChoice(Enum):
    ABORT_JOBS = "abort"  # abort running jobs on the server
    STOP_WAITING = "stop"  # leave them running on the server, stop watching
    KEEP_GOING = "keep"


def ask_cancel_choice(parent: QWidget, closing: bool = False) -> CancelChoice:
    """Ask whether to abort the running jobs in Salesforce, only stop waiting, or keep loading."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Close while loading?" if closing else "Cancel the load?")
    box.setText(
        "Jobs are still running. What should happen to them?"
        if closing
        else "What should happen to the jobs already sent to Salesforce?"
    )
    box.setInformativeText(
        "Abort: Salesforce stops the jobs; rows it already processed stay loaded and are saved to the "
        "results folder.\nStop waiting: the jobs keep running in Salesforce; this app stops watching "
        "them. Queued files are not sent in either case."
    )
    abort = box.addButton("Abort jobs in Salesforce", QMessageBox.ButtonRole.DestructiveRole)
    stop = box.addButton("Stop waiting", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("Keep loading", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.exec()
    clicked = box.clickedButton()
    if clicked is abort:
        return CancelChoice.ABORT_JOBS
    if clicked is stop:
        return CancelChoice.STOP_WAITING
    return CancelChoice.KEEP_GOING


def cancel_reason(choice: CancelChoice, closing: bool) -> str:
    """The user's reason, in the words of the question they answered (logged with each aborted job)."""
    chose = "Abort jobs in Salesforce" if choice is CancelChoice.ABORT_JOBS else "Stop waiting"
    return f"you closed the window and chose {chose}" if closing else f"you chose Cancel, then {chose}"
