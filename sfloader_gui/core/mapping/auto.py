"""Auto-mapping: place each source column on a field by API name, then label, then relationship + key.

Order (the first unambiguous match wins): exact API name; API name ignoring case; the field's label (or
its API name without ``__c``) ignoring case, spaces, underscores and punctuation; a relationship column
named by the relationship plus an External ID field label of the parent ("Account External Id" ->
``Account.External_Id__c`` on a Contact file); last, the object's own name before a field's label, as
report exports name columns ("Account External Id" -> ``External_Id__c`` on an Account file: a lookup to
the same object, Parent Account, is named by its relationship, "Parent External Id", never by the object).
A column that matches nothing, or more than one field, stays unmatched with up to three suggestions. Two
columns never map to the same field.

API::

    normalize(text) -> str
    auto_map(header, describe, parents=None) -> Mapping
    suggestions(column, describe, n=3) -> tuple[str, ...]
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence

from sfloader_gui.core.mapping.model import ColumnMap, Mapping
from sfloader_gui.core.salesforce.shapes import DescribeLike, FieldLike

Parents = Callable[[str], DescribeLike]
_PUNCT = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Lower case, no spaces, underscores or punctuation: "Zip/Postal Code" -> "zippostalcode"."""
    return _PUNCT.sub("", text.casefold())


def _writable(f: FieldLike) -> bool:
    return f.createable or f.updateable or f.external_id


def _label_keys(describe: DescribeLike, parents: Parents | None) -> dict[str, set[str]]:
    """Normalized label (and API name without __c) -> the targets it names."""
    keys: dict[str, set[str]] = {}
    for f in describe.fields:
        if not _writable(f):
            continue
        for text in {f.label, f.name.removesuffix("__c")}:
            keys.setdefault(normalize(text), set()).add(f.name)
    for f in describe.fields:
        if not f.relationship_name or not (f.createable or f.updateable) or parents is None:
            continue
        rel = f.relationship_name
        for target in list(f.reference_to)[:1]:
            try:
                parent = parents(target)
            except Exception:  # noqa: BLE001 - a parent we cannot describe offers no columns
                continue
            heads = {rel.removesuffix("__r"), f.label}
            if target != describe.name:  # on an Account file, "Account ..." is the record's own field
                heads.add(parent.name.removesuffix("__c"))
            for pf in parent.fields:
                if not pf.external_id:
                    continue
                column = f"{rel}.{pf.name}"
                for head in heads:
                    for tail in {pf.label, pf.name.removesuffix("__c")}:
                        keys.setdefault(normalize(head) + normalize(tail), set()).add(column)
    return keys


def _prefixed_keys(describe: DescribeLike) -> dict[str, set[str]]:
    """The object's name before each writable field's label: "Account Phone" -> Phone on Account."""
    names = {describe.name.removesuffix("__c"), getattr(describe, "label", "") or ""} - {""}
    keys: dict[str, set[str]] = {}
    for f in describe.fields:
        if _writable(f):
            for head in names:
                for text in {f.label, f.name.removesuffix("__c")}:
                    keys.setdefault(normalize(head) + normalize(text), set()).add(f.name)
    return keys


def auto_map(header: Sequence[str], describe: DescribeLike, parents: Parents | None = None) -> Mapping:
    """The mapping auto-matching makes for ``header``; unmatched columns carry suggestions."""
    exact = {f.name: f.name for f in describe.fields}
    lower = {f.name.lower(): f.name for f in describe.fields}
    rels = {(f.relationship_name or "").lower() for f in describe.fields if f.relationship_name}
    keys = _label_keys(describe, parents)
    prefixed = _prefixed_keys(describe)
    out: list[ColumnMap] = []
    taken: set[str] = set()
    for column in header:
        col = column.strip()
        cm: ColumnMap
        if col in exact:
            cm = ColumnMap(column, exact[col], "name")
        elif col.lower() in lower:
            cm = ColumnMap(column, lower[col.lower()], "name_case")
        elif "." in col and col.rpartition(".")[0].split(":")[-1].lower() in rels:
            cm = ColumnMap(column, col, "name")  # Account.External_Id__c: already the API form
        elif (found := keys.get(normalize(col)) or prefixed.get(normalize(col), set())) or "." not in col:
            if len(found) == 1:
                target = next(iter(found))
                cm = ColumnMap(column, target, "relationship" if "." in target else "label")
            else:
                near = tuple(sorted(found))[:3] or suggestions(col, describe, keys)
                cm = ColumnMap(column, None, "unmatched", near)
        else:  # Rel.Field syntax with an unknown relationship: sent as written, pre-flight explains it
            cm = ColumnMap(column, col, "name")
        if cm.target is not None and cm.target.lower() in taken:
            cm = ColumnMap(column, None, "unmatched", (cm.target,))
        if cm.target is not None:
            taken.add(cm.target.lower())
        out.append(cm)
    return Mapping(tuple(out))


def suggestions(
    column: str, describe: DescribeLike, keys: dict[str, set[str]] | None = None, n: int = 3
) -> tuple[str, ...]:
    """Up to ``n`` targets whose label or name is close to ``column``."""
    keys = keys if keys is not None else _label_keys(describe, None)
    close = difflib.get_close_matches(normalize(column), list(keys), n=n * 2, cutoff=0.6)
    out: list[str] = []
    for k in close:
        for target in sorted(keys[k]):
            if target not in out:
                out.append(target)
    return tuple(out[:n])
