"""Planning a job's columns: map a CSV header onto the object and compile the per-value converters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sfloader_gui.emulator import values as V
from sfloader_gui.emulator.csvdata import JobDataError
from sfloader_gui.emulator.schema import Field, SObject, find_object
from sfloader_gui.emulator.values import NULL, RowError


@dataclass
class Column:
    index: int
    field: Field
    conv: V.Converter
    parent: SObject | None = None  # relationship column: the value is the parent's `parent_field`
    parent_field: Field | None = None
    plain: bool = False  # the field's own converter applies (so a number column may be converted inline)


RowsConverter = Callable[[Sequence[Sequence[str]], list[str | None]], list[list[Any]]]


def _width_error(row: Sequence[str], width: int) -> str:
    return f"INVALID_FIELD:Number of fields in this row ({len(row)}) does not match the header ({width}):--"


def compile_converter(plan: Plan) -> RowsConverter:
    """A function converting a batch of rows, generated for this header so the per-value work is inline.

    Each value: "" -> None (leave unchanged), "#N/A" -> NULL (set null), else the field's converter;
    text fields whose only rule is a length skip the call on the common path.
    """
    width = len(plan.header)
    names = ", ".join(f"a{p}" for p in range(len(plan.columns)))
    src = [
        "def convert(rows, errors):",
        "    out = []",
        "    for r, row in enumerate(rows):",
        f"        if len(row) != {width}:",
        f"            errors[r] = width_error(row, {width})",
        "            out.append([])",
        "            continue",
        "        try:",
    ]
    env: dict[str, Any] = {"NULL": NULL, "RowError": RowError, "width_error": _width_error}
    for p, col in enumerate(plan.columns):
        env[f"c{p}"] = col.conv
        src.append(f"            v = row[{col.index}]")
        src.extend(_value_source(col, p))
    src += [
        f"            out.append([{names}])",
        "        except RowError as e:",
        "            errors[r] = str(e)",
        "            out.append([])",
        "    return out",
    ]
    exec("\n".join(src), env)  # generated from schema metadata only, never from input
    fn: RowsConverter = env["convert"]
    return fn


def _value_source(col: Column, p: int) -> list[str]:
    """Generated lines setting a{p} from v; the common cases skip the converter call, errors still use it."""
    head = f"            a{p} = None if v == '' else NULL if v == '#N/A' else "
    f = col.field
    limit = V.text_limit(f) if col.parent is None else None
    if limit:
        return [head + f"(v if len(v) <= {limit} and v[0] != ' ' else c{p}(v))"]
    if col.plain and f.type == "int":
        # plain ASCII digits within the field's size cannot fail; anything else goes through the converter
        return [head + f"(int(v) if len(v) <= {f.digits or 9} and v.isdigit() and v.isascii() else c{p}(v))"]
    if col.plain and f.type in ("currency", "double", "percent"):
        bound = repr(10.0 ** (f.precision - f.scale)) if f.precision else "1e999"  # 1e999 is inf
        return [
            "            if v == '':",
            f"                a{p} = None",
            "            elif v == '#N/A':",
            f"                a{p} = NULL",
            "            else:",
            "                try:",
            f"                    a{p} = float(v)",
            "                except ValueError:",
            f"                    a{p} = c{p}(v)",  # raises the row error
            f"                if not -{bound} < a{p} < {bound}:",
            f"                    a{p} = c{p}(v)",  # out of range, inf or nan: raises the row error
        ]
    return [head + f"c{p}(v)"]


@dataclass
class Plan:
    obj: SObject
    operation: str
    header: list[str]
    sep: str
    key_index: int | None  # column holding the upsert key (external id or Id) or the Id for update/delete
    key_field: Field | None
    columns: list[Column] = field(default_factory=list)
    required_pos: list[tuple[int, str]] = field(default_factory=list)  # required fields among the columns
    required_absent: list[str] = field(default_factory=list)  # required fields with no column
    converter: RowsConverter | None = None
    results: Any = None  # the compiled result-line builder (results.ResultsBuilder), made on first use
    # (200-record transaction, key) pairs repeated inside that transaction; keys folded if the field does
    chunk_dups: set[tuple[int, str]] = field(default_factory=set)

    def finish(self) -> Plan:
        present = {c.field.name: p for p, c in enumerate(self.columns)}
        for f in self.obj.fields:
            if f.required:
                if f.name in present:
                    self.required_pos.append((present[f.name], f.name))
                else:
                    self.required_absent.append(f.name)
        return self


def _not_writable(f: Field) -> V.Converter:
    def conv(raw: str) -> Any:
        raise RowError(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {f.name}. Please check the security settings of this field and "
            "verify that it is read/write for your profile or permission set.",
            (f.name,),
        )

    return conv


def _id_on_insert(raw: str) -> Any:
    raise RowError("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ("Id",))


def _relationship_column(obj: SObject, index: int, name: str) -> Column:
    rel_part, _, parent_field_name = name.partition(".")
    poly_type, colon, rel_name = rel_part.rpartition(":")
    ref = obj.relationship(rel_name)
    if ref is None:
        raise JobDataError(f"InvalidBatch : Field name not found : {name}")
    if colon and len(ref.reference_to) < 2:
        raise JobDataError(
            "InvalidBatch : type is not needed for non polymorphic foreign key references: "
            f"{ref.relationship_name}"
        )
    if not colon and len(ref.reference_to) > 1:
        raise JobDataError(
            f"InvalidBatch : type is needed for polymorphic foreign key references: {ref.relationship_name}"
        )
    parent = find_object(poly_type if colon else ref.reference_to[0])
    if parent is None or parent.name not in ref.reference_to:
        raise JobDataError(f"InvalidBatch : Field name not found : {name}")
    pfield = parent.field(parent_field_name)
    if pfield is None or not (pfield.external_id or pfield.id_lookup):
        raise JobDataError(f"InvalidBatch : Field name not found : {name}")
    return Column(index, ref, V.converter(pfield), parent, pfield)


def plan_header(obj: SObject, operation: str, ext_field: str | None, header: list[str], sep: str) -> Plan:
    """Map header names to fields; an unknown name fails the whole job like Salesforce does."""
    key_name = "Id" if operation in ("update", "delete", "hardDelete") else ext_field
    plan = Plan(obj, operation, header, sep, None, obj.field(key_name) if key_name else None)
    seen: set[str] = set()
    for i, name in enumerate(header):
        if name.lower() in seen:
            raise JobDataError(f"InvalidBatch : Duplicate field name : {name}")
        seen.add(name.lower())
        if "." in name:
            plan.columns.append(_relationship_column(obj, i, name))
            continue
        f = obj.field(name)
        if f is None:
            raise JobDataError(f"InvalidBatch : Field name not found : {name}")
        if plan.key_field is not None and f.name == plan.key_field.name:
            plan.key_index = i
            if f.name == "Id":
                continue
        elif f.name == "Id" and operation == "insert":
            plan.columns.append(Column(i, f, _id_on_insert))
            continue
        elif f.name == "Id":
            continue  # an upsert by external id ignores an Id column
        if operation in ("delete", "hardDelete"):
            continue
        writable = f.createable if operation == "insert" else f.updateable or f.createable
        conv = V.converter(f) if writable else _not_writable(f)
        if f.type == "reference":
            prefixes = tuple(p.key_prefix for p in map(find_object, f.reference_to) if p)
            conv = V.converter(f, prefixes)
        plan.columns.append(Column(i, f, conv, plain=writable))
    return plan.finish()
