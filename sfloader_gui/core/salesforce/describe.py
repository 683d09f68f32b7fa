"""Object and field metadata (REST describe) for the pickers and the pre-flight checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sfloader_gui.core.salesforce.connection import SalesforceConnection


@dataclass(frozen=True)
class ObjectSummary:
    """One entry of the org's object list."""

    name: str
    label: str
    custom: bool = False
    createable: bool = False
    updateable: bool = False
    queryable: bool = False


@dataclass(frozen=True)
class FieldInfo:
    """The describe attributes of a field that loading cares about."""

    name: str
    label: str
    type: str
    length: int = 0
    external_id: bool = False
    id_lookup: bool = False
    createable: bool = False
    updateable: bool = False
    nillable: bool = True
    unique: bool = False
    case_sensitive: bool = True  # describe's caseSensitive; False on a unique key: ABC and abc are one value
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist_values: tuple[str, ...] = ()
    picklist_labels: tuple[str, ...] = ()  # the label of each value, in the same order
    restricted_picklist: bool = False  # a value not in the list is refused
    defaulted_on_create: bool = False  # Salesforce fills it in on insert (Name of auto-number objects)

    @property
    def can_be_upsert_key(self) -> bool:
        """Upsert matches on External ID fields and on idLookup fields such as Id."""
        return self.external_id or self.id_lookup

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldInfo:
        return cls(
            name=str(data["name"]),
            label=str(data.get("label") or data["name"]),
            type=str(data.get("type", "string")),
            length=int(data.get("length") or 0),
            external_id=bool(data.get("externalId")),
            id_lookup=bool(data.get("idLookup")),
            createable=bool(data.get("createable")),
            updateable=bool(data.get("updateable")),
            nillable=bool(data.get("nillable", True)),
            unique=bool(data.get("unique")),
            case_sensitive=bool(data.get("caseSensitive", True)),
            reference_to=tuple(data.get("referenceTo") or ()),
            relationship_name=data.get("relationshipName") or None,
            picklist_values=tuple(
                str(v["value"]) for v in data.get("picklistValues") or () if v.get("active", True)
            ),
            picklist_labels=tuple(
                str(v.get("label") or v["value"])
                for v in data.get("picklistValues") or ()
                if v.get("active", True)
            ),
            restricted_picklist=bool(data.get("restrictedPicklist")),
            defaulted_on_create=bool(data.get("defaultedOnCreate")),
        )


@dataclass(frozen=True)
class ObjectDescribe:
    """An object's describe: its fields by API name (case-insensitive lookups, as Salesforce does)."""

    name: str
    label: str
    fields: tuple[FieldInfo, ...]

    def field(self, name: str) -> FieldInfo | None:
        wanted = name.lower()
        return next((f for f in self.fields if f.name.lower() == wanted), None)

    @property
    def external_id_fields(self) -> list[FieldInfo]:
        """Fields an upsert can match on, for the External ID picker."""
        return [f for f in self.fields if f.can_be_upsert_key]

    def relationship(self, name: str) -> FieldInfo | None:
        """The lookup field whose relationship name is ``name`` (``Account`` in ``Account.Ext__c``)."""
        wanted = name.lower()
        return next((f for f in self.fields if (f.relationship_name or "").lower() == wanted), None)


def list_objects(conn: SalesforceConnection) -> list[ObjectSummary]:
    """The org's objects, sorted by label."""
    data = conn.get_json("sobjects/")
    objects = [
        ObjectSummary(
            name=str(o["name"]),
            label=str(o.get("label") or o["name"]),
            custom=bool(o.get("custom")),
            createable=bool(o.get("createable")),
            updateable=bool(o.get("updateable")),
            queryable=bool(o.get("queryable")),
        )
        for o in data.get("sobjects", [])
    ]
    return sorted(objects, key=lambda o: (o.label.lower(), o.name))


def describe_object(conn: SalesforceConnection, name: str) -> ObjectDescribe:
    """One object's fields. Raises ``NotFoundError`` for an object the org does not have."""
    data = conn.get_json(f"sobjects/{name}/describe/")
    return ObjectDescribe(
        name=str(data.get("name", name)),
        label=str(data.get("label") or name),
        fields=tuple(FieldInfo.from_json(f) for f in data.get("fields", [])),
    )


class Describer:
    """Caches describes per object for one load (pre-flight asks for the same object many times)."""

    def __init__(self, conn: SalesforceConnection) -> None:
        self._conn = conn
        self._cache: dict[str, ObjectDescribe] = {}

    def __call__(self, name: str) -> ObjectDescribe:
        key = name.lower()
        if key not in self._cache:
            self._cache[key] = describe_object(self._conn, name)
        return self._cache[key]
