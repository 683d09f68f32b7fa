"""The demo's business-style samples (issue 11) load in the app as they are: labels, local formats, cp1252."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from sfloader_gui.core.settings import AppSettings
from tests.ui.helpers import connect, open_window, pick, wait_checked

SAMPLES = [  # in the README's order: the accounts first, the others point at them
    ("accounts_business.csv", "Account", "External_Id__c", 10),
    ("contacts_business.csv", "Contact", "External_Id__c", 8),
    ("shipments_business.csv", "Shipment__c", "Shipment_Number__c", 12),
    ("shipments_business.xlsx", "Shipment__c", "Shipment_Number__c", 8),
]


def test_the_business_samples_load_in_the_app_with_no_edit(
    qtbot: QtBot, emulator: Any, samples_dir: Path, tmp_path: Path
) -> None:
    window = open_window(qtbot, emulator, AppSettings(poll_interval_s=0.2))
    readme = (samples_dir / "README.md").read_text(encoding="utf-8")
    for name, obj, key, count in SAMPLES:
        assert f"`{name}`" in readme
        path = tmp_path / name
        shutil.copyfile(samples_dir / name, path)
        pick(qtbot, window, obj, key)
        window.files_panel.clear()
        window.files_panel.add_paths([path])
        wait_checked(qtbot, window)
        window.files_panel.view.selectRow(0)
        view = window.files_panel.details.mapping
        window.files_panel.details.setCurrentWidget(view)  # the "Columns" tab
        if view.convert_button.isVisibleTo(window):  # the README's one click: Read as Windows-1252
            assert path.suffix == ".csv" and "Windows-1252" in window.blocking_reason()
            view.convert_button.click()
            wait_checked(qtbot, window)
        assert window.load_button.isEnabled(), (name, window.blocking_reason())
        with qtbot.waitSignal(window.load_finished, timeout=60_000) as done:
            window.load_button.click()
        totals = done.args[0].manifest["totals"]
        assert (totals["records"], totals["success"], totals["failed"]) == (count, count, 0), (name, totals)
        assert path.read_bytes() == (samples_dir / name).read_bytes()  # no edit, nothing rewritten
    with connect(emulator) as conn:

        def one(soql: str) -> dict[str, Any]:
            found = conn.get_json("query", params={"q": soql})["records"]
            assert len(found) == 1, soql
            return dict(found[0])

        acc = one("SELECT Name, AnnualRevenue, Customer_Since__c, Tier__c, Active__c FROM Account "
                  "WHERE External_Id__c = 'ACC-B001'")  # fmt: skip
        got = tuple(acc[f] for f in ("Name", "AnnualRevenue", "Customer_Since__c", "Tier__c", "Active__c"))
        assert got == ("Müller & Söhne GmbH", 125000.5, "2016-06-08", "T2", True)
        con = one("SELECT Birthdate, HasOptedOutOfEmail, AccountId FROM Contact "
                  "WHERE External_Id__c = 'CON-B003'")  # fmt: skip
        assert con["Birthdate"] == "1973-04-13" and con["HasOptedOutOfEmail"] is True and con["AccountId"]
        shp = one("SELECT Weight_Kg__c, Ship_Date__c, Insured__c, Declared_Value__c FROM Shipment__c "
                  "WHERE Shipment_Number__c = 'SHP-B0002'")  # fmt: skip
        assert (shp["Weight_Kg__c"], shp["Ship_Date__c"], shp["Insured__c"], shp["Declared_Value__c"]) == (
            2.5, "2026-03-03", False, 2000.5,
        )  # fmt: skip
        xl = one("SELECT Ship_Date__c, Weight_Kg__c, Insured__c FROM Shipment__c "
                 "WHERE Shipment_Number__c = 'SHP-X0001'")  # fmt: skip
        assert (xl["Ship_Date__c"], xl["Weight_Kg__c"], xl["Insured__c"]) == ("2026-01-11", 2.4, True)
