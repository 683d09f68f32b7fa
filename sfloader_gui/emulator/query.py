"""A small SOQL subset so users and tests can look at the data like in a real org.

Supported: SELECT COUNT() | f1, f2, Parent.f FROM Object [WHERE f op value [AND ...]]
[ORDER BY f [ASC|DESC]] [LIMIT n]; op is =, !=, <, <=, >, >=, LIKE or IN ('a', 'b').
Results come in pages of 2,000 records with `nextRecordsUrl`, like the REST query resource.
"""

from __future__ import annotations

import itertools
import re
import threading
from typing import Any

from sfloader_gui.emulator import ids
from sfloader_gui.emulator.errors import ApiError
from sfloader_gui.emulator.schema import OBJECTS, Field, SObject, find_object
from sfloader_gui.emulator.store import Store, quote

PAGE = 2000
_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>\w+(?:\.\w+)?)(?:\s+(?P<dir>ASC|DESC))?)?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.I | re.S,
)
_COND = re.compile(
    r"^\s*(?P<f>\w+)\s*(?P<op>=|!=|<>|<=|>=|<|>|\bLIKE\b|\bIN\b)\s*"
    r"(?P<v>'(?:[^'\\]|\\.)*'|\((?:[^()']|'(?:[^'\\]|\\.)*')*\)|[\w.+-]+)\s*$",
    re.I | re.S,
)
_cursors: dict[str, tuple[str, int]] = {}
_cursor_ids = itertools.count(1)
_lock = threading.Lock()


def _malformed(text: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", text)


def _field(obj: SObject, name: str) -> Field:
    f = obj.field(name)
    if f is None:
        raise ApiError(
            400,
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{obj.name}'. If you are attempting to use a custom field, "
            "be sure to append the '__c' after the custom field name.",
        )
    return f


def _literal(f: Field, text: str) -> Any:
    if text.startswith("'"):
        value: Any = re.sub(r"\\(.)", r"\1", text[1:-1])
        if f.type in ("id", "reference") and ids.is_valid_id(value):
            value = ids.normalize(value)
        return value
    low = text.lower()
    if low == "null":
        return None
    if low in ("true", "false"):
        return 1 if low == "true" else 0
    try:
        return float(text) if "." in text or "e" in low else int(text)
    except ValueError:
        raise _malformed(f"unexpected token: '{text}'") from None


def _where(obj: SObject, where: str | None) -> tuple[str, list[Any]]:
    if not where:
        return "", []
    sql, params = [], []
    for cond in re.split(r"\s+AND\s+", where, flags=re.I):
        m = _COND.match(cond)
        if not m:
            raise _malformed(f"unexpected token in WHERE: '{cond.strip()}'")
        f = _field(obj, m["f"])
        op = m["op"].upper()
        op = "!=" if op == "<>" else op
        if op == "IN":
            items = re.findall(r"'(?:[^'\\]|\\.)*'|[\w.+-]+", m["v"][1:-1])
            values = [_literal(f, i) for i in items]
            sql.append(f"{quote(f.name)} IN ({','.join('?' * len(values))})")
            params.extend(values)
            continue
        value = _literal(f, m["v"])
        if value is None:
            sql.append(f"{quote(f.name)} IS {'NOT ' if op == '!=' else ''}NULL")
        else:
            sql.append(f"{quote(f.name)} {op} ?")
            params.append(value)
    return " WHERE " + " AND ".join(sql), params


def _json_value(f: Field, value: Any) -> Any:
    if value is None:
        return None
    if f.type == "boolean":
        return bool(value)
    return value


def _attributes(obj: SObject, rec_id: str | None, version: str) -> dict[str, str]:
    out = {"type": obj.name}
    if rec_id:
        out["url"] = f"/services/data/v{version}/sobjects/{obj.name}/{rec_id}"
    return out


def execute(store: Store, soql: str, version: str, offset: int = 0) -> dict[str, Any]:
    m = _QUERY.match(soql)
    if not m:
        raise _malformed(f"unexpected token: '{soql.strip()[:40]}'")
    obj = find_object(m["obj"])
    if obj is None:
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{m['obj']}' is not supported.")
    where_sql, params = _where(obj, m["where"])
    table = quote(obj.name)
    if re.fullmatch(r"\s*COUNT\(\s*\)\s*", m["fields"], re.I):
        (n,) = store.select(f"SELECT COUNT(*) FROM {table}{where_sql}", params)[0]
        return {"totalSize": n, "done": True, "records": []}
    names = [n.strip() for n in m["fields"].split(",")]
    plain = [_field(obj, n) for n in names if "." not in n]
    related = [n for n in names if "." in n]
    rel_fields = {n: obj.relationship(n.split(".")[0]) for n in related}
    for n, ref in rel_fields.items():
        if ref is None:
            raise ApiError(
                400, "INVALID_FIELD", f"Didn't understand relationship '{n.split('.')[0]}' in field path."
            )
    cols = ["Id", *[f.name for f in plain if f.name != "Id"], *[r.name for r in rel_fields.values() if r]]
    order = ""
    if m["order"]:
        order = f" ORDER BY {quote(_field(obj, m['order']).name)} {(m['dir'] or 'ASC').upper()}"
    limit = int(m["limit"]) if m["limit"] else None
    (total,) = store.select(f"SELECT COUNT(*) FROM {table}{where_sql}", params)[0]
    total = min(total, limit) if limit is not None else total
    page = min(PAGE, total - offset)
    select = ",".join(quote(c) for c in cols)
    sql = f"SELECT {select} FROM {table}{where_sql}{order} LIMIT {page} OFFSET {offset}"
    rows = store.select(sql, params)
    records = [_record(store, obj, cols, row, plain, rel_fields, version) for row in rows]
    out: dict[str, Any] = {"totalSize": total, "done": offset + page >= total, "records": records}
    if not out["done"]:
        with _lock:
            cursor = f"01gEMU{next(_cursor_ids):012d}"
            _cursors[cursor] = (soql, offset + page)
        out["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor}-{offset + page}"
    return out


def next_page(store: Store, locator: str, version: str) -> dict[str, Any]:
    with _lock:
        found = _cursors.get(locator.rpartition("-")[0])
    if found is None:
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return execute(store, found[0], version, found[1])


def _record(
    store: Store,
    obj: SObject,
    cols: list[str],
    row: tuple[Any, ...],
    plain: list[Field],
    rel_fields: dict[str, Field | None],
    version: str,
) -> dict[str, Any]:
    values = dict(zip(cols, row, strict=True))
    rec: dict[str, Any] = {"attributes": _attributes(obj, values["Id"], version)}
    for f in plain:
        rec[f.name] = _json_value(f, values[f.name])
    for path, ref in rel_fields.items():
        assert ref is not None
        rel, _, fname = path.partition(".")
        parent_id = values[ref.name]
        key = ref.relationship_name or rel
        if parent_id is None:
            rec[key] = None
            continue
        # a polymorphic lookup points at whichever object the id's key prefix names
        parent = next((o for o in OBJECTS.values() if o.key_prefix == parent_id[:3]), None)
        assert parent is not None
        pf = _field(parent, fname)
        got = store.select(f"SELECT {quote(pf.name)} FROM {quote(parent.name)} WHERE Id = ?", (parent_id,))
        entry = rec.setdefault(key, {"attributes": _attributes(parent, parent_id, version)})
        entry[pf.name] = _json_value(pf, got[0][0]) if got else None
    return rec
