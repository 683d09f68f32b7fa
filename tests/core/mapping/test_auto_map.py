"""Auto-mapping against the demo org's describe (over HTTP): headers as report exports write them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sfloader_gui.core.mapping.auto import auto_map
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.describe import Describer
from sfloader_gui.core.salesforce.tokens import StaticToken


@pytest.fixture
def describer(emulator: Any) -> Iterator[Describer]:
    conn = SalesforceConnection(emulator.instance_url, StaticToken(emulator.access_token))
    yield Describer(conn)
    conn.close()


def mapped(header: list[str], obj: str, describer: Describer) -> dict[str, tuple[str | None, str]]:
    return {c.column: (c.target, c.how) for c in auto_map(header, describer(obj), describer).columns}


def test_the_objects_name_before_a_label_is_the_records_own_field_not_the_self_lookup(
    describer: Describer,
) -> None:
    # An Account report export: "Account External ID" is the account's own key; Parent Account is a
    # lookup to Account too, and named by its relationship ("Parent ...").
    header = ["Account External ID", "Account Name", "Account Phone", "Parent External Id"]
    assert mapped(header, "Account", describer) == {
        "Account External ID": ("External_Id__c", "label"),
        "Account Name": ("Name", "label"),
        "Account Phone": ("Phone", "label"),
        "Parent External Id": ("Parent.External_Id__c", "relationship"),
    }


def test_on_a_child_object_the_parents_name_still_names_the_relationship(describer: Describer) -> None:
    header = ["Contact External Id", "Account External Id", "Last Name"]
    assert mapped(header, "Contact", describer) == {
        "Contact External Id": ("External_Id__c", "label"),
        "Account External Id": ("Account.External_Id__c", "relationship"),
        "Last Name": ("LastName", "label"),
    }
