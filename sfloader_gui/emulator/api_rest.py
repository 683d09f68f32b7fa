"""REST endpoints besides Bulk: versions, sobjects list, describe, query, limits, single records."""

from __future__ import annotations

import re
from typing import Any

from sfloader_gui.emulator import query
from sfloader_gui.emulator.errors import ApiError
from sfloader_gui.emulator.http import Request, Response, Route, json_response
from sfloader_gui.emulator.org import Org
from sfloader_gui.emulator.schema import (
    API_VERSIONS,
    LATEST_VERSION,
    OBJECTS,
    child_relationships,
    find_object,
)

_V = r"/services/data/v(?P<v>\d+\.\d)"


def versions(org: Org, req: Request, m: re.Match[str]) -> Response:
    return json_response(
        200, [{"label": label, "url": f"/services/data/v{v}", "version": v} for label, v in API_VERSIONS]
    )


def version_root(org: Org, req: Request, m: re.Match[str]) -> Response:
    v = m["v"] if "v" in m.groupdict() and m["v"] else LATEST_VERSION
    base = f"/services/data/v{v}"
    return json_response(
        200,
        {
            "jobs": f"{base}/jobs",
            "limits": f"{base}/limits",
            "query": f"{base}/query",
            "sobjects": f"{base}/sobjects",
        },
    )


def sobjects(org: Org, req: Request, m: re.Match[str]) -> Response:
    return json_response(
        200,
        {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": [o.summary(m["v"]) for o in OBJECTS.values()]},
    )


def _object(name: str) -> Any:
    obj = find_object(name)
    if obj is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    return obj


def describe(org: Org, req: Request, m: re.Match[str]) -> Response:
    obj = _object(m["obj"])
    return json_response(200, obj.describe(m["v"], child_relationships(obj)))


def run_query(org: Org, req: Request, m: re.Match[str]) -> Response:
    soql = req.query.get("q")
    if not soql:
        raise ApiError(400, "MALFORMED_QUERY", "A query string is required: ?q=SELECT ...")
    return json_response(200, query.execute(org.store, soql, m["v"]))


def limits(org: Org, req: Request, m: re.Match[str]) -> Response:
    daily = org.config.api_limit
    return json_response(
        200,
        {
            "DailyApiRequests": {"Max": daily, "Remaining": max(0, daily - org.api_usage)},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
        },
    )


def get_record(org: Org, req: Request, m: re.Match[str]) -> Response:
    obj = _object(m["obj"])
    soql = f"SELECT {', '.join(f.name for f in obj.fields)} FROM {obj.name} WHERE Id = '{m['id']}'"
    found = query.execute(org.store, soql, m["v"])
    if not found["records"]:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    return json_response(200, found["records"][0])


def query_more(org: Org, req: Request, m: re.Match[str]) -> Response:
    return json_response(200, query.next_page(org.store, m["loc"], m["v"]))


ROUTES = [
    Route("GET", re.compile(_V + r"/query/(?P<loc>01g[\w-]+)/?"), query_more, "api"),
    Route("GET", re.compile(r"/services/data/?"), versions, "public"),
    Route("GET", re.compile(_V + "/?"), version_root, "api"),
    Route("GET", re.compile(r"/services/data/latest/?"), version_root, "api"),
    Route("GET", re.compile(_V + "/sobjects/?"), sobjects, "api"),
    Route("GET", re.compile(_V + r"/sobjects/(?P<obj>\w+)/describe/?"), describe, "api"),
    Route("GET", re.compile(_V + r"/sobjects/(?P<obj>\w+)/(?P<id>[A-Za-z0-9]{15,18})/?"), get_record, "api"),
    Route("GET", re.compile(_V + "/query/?"), run_query, "api"),
    Route("GET", re.compile(_V + "/limits/?"), limits, "api"),
]
