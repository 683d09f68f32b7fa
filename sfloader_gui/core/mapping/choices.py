"""Small value conversions: checkboxes and picklists (labels -> API values).

API::

    TRUE_WORDS, FALSE_WORDS: frozenset[str]
    to_checkbox(value, x_style) -> str | None    # "true"/"false", "" kept; None if not a checkbox value
    Picklist(values, labels, restricted)
        .convert(value) -> str | None            # API value; None: not allowed (restricted only)
"""

from __future__ import annotations

from collections.abc import Sequence

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x", "t", "on", "checked", "wahr", "ja", "oui", "si", "sí"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "off", "unchecked", "falsch", "nein", "non"})


def to_checkbox(value: str, x_style: bool = False) -> str | None:
    """``true``/``false`` for a checkbox value; a blank stays blank (unchanged) unless the column marks
    checked boxes with an ``x``, where a blank cell is an unchecked box."""
    v = value.strip().lower()
    if not v:
        return "false" if x_style else ""
    if v == "#n/a":
        return "#N/A"
    if v in TRUE_WORDS:
        return "true"
    if v in FALSE_WORDS:
        return "false"
    return None


class Picklist:
    """A picklist's values, matched as Salesforce would store them: API value first, then its label."""

    def __init__(self, values: Sequence[str], labels: Sequence[str], restricted: bool) -> None:
        self.restricted = restricted
        self.exact = set(values)
        self.lookup: dict[str, str] = {}
        for value, label in zip(values, list(labels) + list(values[len(labels) :]), strict=False):
            self.lookup.setdefault(_key(label), value)
        for value in values:  # an API value wins over another entry's label
            self.lookup[_key(value)] = value

    def convert(self, value: str) -> str | None:
        if value in self.exact or not value.strip() or value == "#N/A":
            return value
        found = self.lookup.get(_key(value))
        if found is not None:
            return found
        return None if self.restricted else value


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()
