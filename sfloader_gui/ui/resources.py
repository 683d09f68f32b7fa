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


# The sample files of each demo object (see resources/samples/README.md), with its External ID field.
SAMPLE_SETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Account": ("External_Id__c", ("accounts.csv", "bad_accounts.csv")),
    "Contact": ("External_Id__c", ("contacts.csv", "bad_contacts.csv")),
    "Shipment__c": ("Shipment_Number__c", ("shipments.csv", "bad_shipments.csv")),
}


def samples_dir() -> Path:
    return resource_root() / "samples"


def sample_files(object_name: str) -> tuple[str, list[Path]]:
    """(External ID field, existing sample files) for a demo object; Account's when it has none."""
    external_id, names = SAMPLE_SETS.get(object_name, SAMPLE_SETS["Account"])
    return external_id, [samples_dir() / n for n in names if (samples_dir() / n).exists()]


def app_icon() -> QIcon:
    path = resource_root() / "icons" / "sfloader.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
