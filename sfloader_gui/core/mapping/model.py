"""A file's column mapping: each source column goes to one field, a relationship column, or nowhere.

API::

    HOW: matched by "name" | "name_case" | "label" | "relationship" | "user" | "saved" | "sdl" |
         "ignored" (left out on purpose) | "unlisted" (.sdl does not list it) | "unmatched"
    @dataclass(frozen=True)
    class ColumnMap: column, target (API name or None), how, suggestions
        .sent -> bool ; .decided -> bool
    @dataclass(frozen=True)
    class Mapping: columns: tuple[ColumnMap, ...]
        .sent_header -> list[str]    # API names, in file order, ignored columns cut
        .kept -> list[int]           # source positions that are sent
        .undecided -> list[ColumnMap]
        .ignored -> list[str]
        .renames_only -> bool        # every column sent, under its own position
        .with_target(column, target, how="user") -> Mapping
        .to_json() / Mapping.from_json(data)
        .for_header(header) -> Mapping | None   # the same columns in another order (None: not the same)
        Mapping.identity(header)     # every column sent as it is
    header_key(header) -> tuple[str, ...]   # a header set: names ignoring case, spaces around and order
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

DECIDED = frozenset({"name", "name_case", "label", "relationship", "user", "saved", "sdl"})
NOT_SENT = frozenset({"ignored", "unlisted"})


def header_key(header: Sequence[str]) -> tuple[str, ...]:
    """Files with the same key share a mapping (saved mappings, the app's groups of files)."""
    return tuple(sorted(c.strip().lower() for c in header))


@dataclass(frozen=True)
class ColumnMap:
    column: str
    target: str | None
    how: str
    suggestions: tuple[str, ...] = ()

    @property
    def sent(self) -> bool:
        return self.target is not None and self.how in DECIDED

    @property
    def decided(self) -> bool:
        return self.how in DECIDED or self.how in NOT_SENT


@dataclass(frozen=True)
class Mapping:
    columns: tuple[ColumnMap, ...]

    @classmethod
    def identity(cls, header: list[str]) -> Mapping:
        return cls(tuple(ColumnMap(c, c, "name") for c in header))

    @property
    def sent_header(self) -> list[str]:
        return [c.target for c in self.columns if c.sent and c.target is not None]

    @property
    def kept(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.sent]

    @property
    def undecided(self) -> list[ColumnMap]:
        return [c for c in self.columns if not c.decided]

    @property
    def ignored(self) -> list[str]:
        return [c.column for c in self.columns if c.how in NOT_SENT]

    @property
    def renames_only(self) -> bool:
        return all(c.sent for c in self.columns)

    @property
    def is_identity(self) -> bool:
        return all(c.sent and c.target == c.column for c in self.columns)

    def with_target(self, column: str, target: str | None, how: str = "user") -> Mapping:
        """This mapping with ``column`` sent to ``target`` (None: ignored)."""
        how = "ignored" if target is None else how
        return Mapping(
            tuple(replace(c, target=target, how=how) if c.column == column else c for c in self.columns)
        )

    def for_header(self, header: Sequence[str]) -> Mapping | None:
        """This mapping for a file with the same columns, maybe in another order; None if they differ."""
        if header_key(header) != header_key([c.column for c in self.columns]):
            return None
        by_name = {c.column.strip().lower(): c for c in self.columns}
        return Mapping(tuple(replace(by_name[h.strip().lower()], column=h) for h in header))

    def to_json(self) -> list[dict[str, Any]]:
        return [{"column": c.column, "field": c.target, "how": c.how} for c in self.columns]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> Mapping:
        return cls(
            tuple(ColumnMap(str(d["column"]), d.get("field"), str(d.get("how", "saved"))) for d in data)
        )
