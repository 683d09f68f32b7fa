"""Whether Load may start, and the line beside the buttons that says why not (or what Load will do)."""

from __future__ import annotations

from collections.abc import Callable

from sfloader_gui.ui.files.files_model import FileEntry


def blocking_reason(
    *,
    running: bool,
    cancelling: bool,
    connected: bool,
    object_name: str,
    external_id: str,
    files: int,
    files_reason: Callable[[], str],
) -> str:
    """Why Load is disabled ('' when it is enabled); ``files_reason`` is the checker's word on the files."""
    if running:
        if cancelling:
            return "Cancelling: waiting for the running jobs to stop…"
        return "Loading… Cancel stops it; the table below shows each job."
    if not connected:
        return "Connect to an org first (Switch org…, or Try the demo org)."
    if not object_name:
        return "Choose the object to load into."
    if not external_id:
        return "Choose the External ID field that identifies each record."
    if files == 0:
        return "Add at least one CSV or Excel file."
    return files_reason()


def ready_text(entries: list[FileEntry]) -> str:
    """What Load will do with ``entries``, saying which of them a run of this session sent already."""
    loaded = [e for e in entries if e.loaded_now() is not None]
    if not loaded:
        return f"Ready to load {len(entries)} file(s)."
    if len(loaded) == len(entries):
        return f"Loaded: {len(loaded)} file(s) went to Salesforce. Load sends them again (it asks first)."
    return (
        f"Ready to load {len(entries)} file(s); {len(loaded)} of them were loaded already "
        "(Load asks before sending them again)."
    )
