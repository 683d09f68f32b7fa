"""Salesforce row errors in plain words: what the common codes mean, how to fix them, which columns."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sfloader_gui.core.review.errors import RowError


@dataclass(frozen=True)
class Explanation:
    """One line on what went wrong and one on what to do, for someone who does not know the API."""

    meaning: str
    fix: str

    def line(self) -> str:
        return f"{self.meaning} {self.fix}"


# Salesforce's wording (the code is stable; the message carries the field and the value).
_FOREIGN_KEY = re.compile(
    r"Foreign key external ID: (?P<key>.*) not found for field (?P<field>\S+) in entity (?P<entity>\S+)"
)
_MAX_LENGTH = re.compile(r"max length=(\d+)")
_LABELLED = re.compile(r"^(?P<label>[^:]{1,80}): ")


# Codes whose explanation only names the field ({field}): what it means, what to do.
_PLAIN = {
    "REQUIRED_FIELD_MISSING": (
        "A required field is empty: {field}.",
        "Fill it in for this row (or have your admin give the field a default), then retry.",
    ),
    "INVALID_EMAIL_ADDRESS": (
        "{field} is not a valid email address.",
        "Write it as name@example.com: one @, a domain with a dot, no spaces or commas.",
    ),
    "INVALID_TYPE_ON_FIELD_IN_RECORD": (
        "{field} holds a value of the wrong kind (text where a number, date or true/false is expected).",
        "Use digits with a dot for decimals (1234.5), whole numbers where no decimals are allowed, "
        "dates as YYYY-MM-DD and true/false for checkboxes.",
    ),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": (
        "{field} is not one of the values its picklist allows.",
        "Use one of the field's values exactly as Salesforce lists them (spelling and case), "
        "or ask your admin to add this value.",
    ),
    "UNABLE_TO_LOCK_ROW": (
        "Salesforce was saving the same or a related record for someone else at that moment.",
        "Retry these rows; if it keeps happening, load with fewer parallel jobs or sort by parent.",
    ),
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": (
        "A validation rule of your org refused the row; the message is the rule's own text.",
        "Change the row so it meets that rule, or ask your admin what the rule expects.",
    ),
    "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY": (
        "An automation of your org (a trigger, flow or process) failed while saving this record.",
        "The rest of the message is the automation's error: fix the data it names, or ask your admin.",
    ),
    "NOT_PROCESSED": (
        "Salesforce never got to this row: its job stopped first.",
        "Retry it; nothing was written for it.",
    ),
}


def explain(error: RowError) -> Explanation | None:
    """The plain-words explanation of a row error, or None for codes without one (the raw text stays)."""
    field = _what(error)
    code = error.code
    plain = _PLAIN.get(code)
    if plain is not None:
        meaning, fix = plain
        return Explanation(meaning.format(field=field), fix)
    if code == "STRING_TOO_LONG":
        limit = _MAX_LENGTH.search(error.message)
        most = f"at most {limit.group(1)} characters" if limit else "within the field's length"
        return Explanation(f"{field} is longer than the field allows.", f"Shorten it to {most}.")
    if code == "INVALID_FIELD":
        parent = _FOREIGN_KEY.search(error.message)
        if parent:
            return Explanation(
                f"The parent {parent['entity']} {parent['key']} does not exist in the org.",
                f"Load that {parent['entity']} first (or correct the key in the row), then retry.",
            )
        return Explanation(
            "A column does not match a field this object accepts.",
            "Check the column's API name and spelling in the file header.",
        )
    if code == "DUPLICATE_VALUE":
        if "Duplicate external id specified" in error.message:
            return Explanation(
                "The same External ID appears on more than one row of the load.",
                "Keep one row per External ID (merge the duplicates), then retry.",
            )
        return Explanation(
            f"Another record already has this value in {field}, which must be unique.",
            "Use a different value, or update the existing record instead.",
        )
    return None


def _what(error: RowError) -> str:
    """How the message names the field: its label (``Email: invalid…``), else its API names."""
    labelled = _LABELLED.match(error.message)
    if labelled and error.code != "REQUIRED_FIELD_MISSING":
        return labelled["label"]
    if error.fields:
        return ", ".join(error.fields.split())
    return "a field"


def error_columns(error: RowError, columns: list[str]) -> list[str]:
    """The data columns the error is about, for highlighting; [] when it names none of them.

    Fields match a column by API name (any case). A parent key not found names the parent's External ID
    field: the matching lookup column is ``<relationship>.<field>``, preferring the relationship named like
    the parent object (``Account.External_Id__c`` or ``Account__r.External_Id__c`` for entity Account).
    """
    by_name = {c.casefold(): c for c in columns}
    named = [by_name[f.casefold()] for f in error.fields.split() if f.casefold() in by_name]
    parent = _FOREIGN_KEY.search(error.message) if error.code == "INVALID_FIELD" else None
    if parent:
        field = parent["field"].casefold()
        lookups = [c for c in columns if "." in c and c.rsplit(".", 1)[1].casefold() == field]
        entity = parent["entity"].casefold()
        same = [
            c
            for c in lookups
            if c.split(".", 1)[0].casefold().removesuffix("__r") == entity.removesuffix("__c")
        ]
        return same or lookups
    return named
