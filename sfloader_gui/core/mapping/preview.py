"""What the mapping view shows for one checked file: each column, sample values, its field, status, sent as.

API::

    @dataclass(frozen=True)
    class ColumnPreview: column, target, how, samples: tuple[str, ...], sent: tuple[str, ...],
                         suggestions, kind, choice
    @dataclass(frozen=True)
    class FieldChoice: name, label, required, missing   # the picker's entries, required-and-missing first
    preview_columns(fp, mapping, fields, n=3) -> list[ColumnPreview]
    field_choices(fields, mapping) -> list[FieldChoice]
"""

from __future__ import annotations

from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from typing import Any

from sfloader_gui.core.mapping.choices import Picklist
from sfloader_gui.core.mapping.columns import converter
from sfloader_gui.core.mapping.model import Mapping
from sfloader_gui.core.mapping.transform import FileTransform

STATUS = {
    "name": "matched by name", "name_case": "matched by name", "label": "matched by label",
    "relationship": "matched by relationship", "sdl": "from the mapping file", "saved": "saved mapping",
    "user": "chosen by you", "ignored": "ignored", "unlisted": "not in the mapping file",
    "unmatched": "needs a choice",
}  # fmt: skip
_DEFAULTED = {"ownerid", "createdbyid", "lastmodifiedbyid", "createddate", "lastmodifieddate", "id"}


@dataclass(frozen=True)
class ColumnPreview:
    column: str
    target: str | None
    how: str
    samples: tuple[str, ...]
    sent: tuple[str, ...]
    suggestions: tuple[str, ...] = ()
    kind: str | None = None
    choice: str | None = None

    @property
    def status(self) -> str:
        return STATUS.get(self.how, self.how)


@dataclass(frozen=True)
class FieldChoice:
    name: str
    label: str
    required: bool  # for insert (not nillable, not defaulted)
    missing: bool = False  # required and no column is sent to it yet


def preview_columns(
    rows: list[list[str]], mapping: Mapping, transform: FileTransform | None, n: int = 3
) -> list[ColumnPreview]:
    """One entry per source column: a few sample values and how each is sent."""
    out = []
    for i, cm in enumerate(mapping.columns):
        samples = tuple(dict.fromkeys(r[i] for r in rows if i < len(r) and r[i]))[:n]
        rule = transform.rules.get(i) if transform is not None else None
        sent = samples
        undecided = rule is not None and rule.choice is None and rule.kind not in ("checkbox", "picklist")
        if rule is not None and transform is not None and not undecided:
            pl: Picklist | None = transform.picklists.get(i)
            if rule.kind != "picklist" or pl is not None:
                convert = converter(rule, pl)
                sent = tuple(convert(v) for v in samples)
        if not cm.sent:
            sent = ()
        out.append(
            ColumnPreview(
                cm.column, cm.target, cm.how, samples, sent, cm.suggestions,
                rule.kind if rule else None, rule.choice if rule else None,
            )
        )  # fmt: skip
    return out


def field_choices(fields: AbcMapping[str, Any] | list[Any], mapping: Mapping) -> list[FieldChoice]:
    """Writable fields for the picker: required fields not mapped yet first, then by label."""
    values = list(fields.values()) if isinstance(fields, AbcMapping) else list(fields)
    mapped = {(c.target or "").lower() for c in mapping.columns if c.sent}
    # A relationship column (Account.External_Id__c) sets its lookup field (AccountId).
    rels = {t.rpartition(".")[0].split(":")[-1] for t in mapped if "." in t}
    mapped |= {f.name.lower() for f in values if (f.relationship_name or "").lower() in rels}
    out = []
    for f in values:
        if not (f.createable or f.updateable or f.external_id):
            continue
        required = (
            f.createable and not f.nillable and f.type != "boolean" and f.name.lower() not in _DEFAULTED
            and not getattr(f, "defaulted_on_create", False)
        )  # fmt: skip
        out.append(FieldChoice(f.name, f.label, required, required and f.name.lower() not in mapped))
    return sorted(out, key=lambda c: (not c.missing, c.label.lower()))
