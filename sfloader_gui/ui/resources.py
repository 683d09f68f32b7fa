"""Where bundled files live, in a source checkout and in a PyInstaller build alike."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon


def resource_root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)  # set by PyInstaller: data files are unpacked there
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


# The sample files of each demo object (see resources/samples/README.md): its External ID field, the
# clean file (loads fully) and the file with errors (shows pre-flight findings and failed rows).
SAMPLE_SETS: dict[str, tuple[str, str, str]] = {
    "Account": ("External_Id__c", "accounts.csv", "bad_accounts.csv"),
    "Contact": ("External_Id__c", "contacts.csv", "bad_contacts.csv"),
    "Shipment__c": ("Shipment_Number__c", "shipments.csv", "bad_shipments.csv"),
}


def samples_dir() -> Path:
    return resource_root() / "samples"


def sample_files(object_name: str, *, with_errors: bool = False) -> tuple[str, list[Path]]:
    """(External ID field, the clean sample file or the one with errors) of a demo object; Account's
    when it has none."""
    external_id, clean, bad = SAMPLE_SETS.get(object_name, SAMPLE_SETS["Account"])
    path = samples_dir() / (bad if with_errors else clean)
    return external_id, [path] if path.exists() else []


def app_icon() -> QIcon:
    path = resource_root() / "icons" / "sfloader.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
