"""A tiny Bulk API 2.0 client for the emulator's own tests (plain requests, nothing from core)."""

from __future__ import annotations

from typing import Any

import requests

from sfloader_gui.emulator.server import EmulatorServer

V = "66.0"


class Bulk:
    def __init__(self, org: EmulatorServer) -> None:
        self.org = org
        self.s = requests.Session()
        self.s.headers["Authorization"] = "Bearer " + org.access_token
        self.base = f"{org.instance_url}/services/data/v{V}"
        self.jobs = f"{self.base}/jobs/ingest"

    def create(self, obj: str = "Account", operation: str = "upsert", ext: str | None = "External_Id__c",
               **extra: Any) -> requests.Response:  # fmt: skip
        spec: dict[str, Any] = {"object": obj, "operation": operation, **extra}
        if ext is not None:
            spec["externalIdFieldName"] = ext
        return self.s.post(self.jobs, json=spec)

    def new_job(self, obj: str = "Account", operation: str = "upsert", ext: str | None = "External_Id__c",
                **extra: Any) -> dict[str, Any]:  # fmt: skip
        r = self.create(obj, operation, ext, **extra)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def put(self, job: dict[str, Any], data: bytes | str, **headers: str) -> requests.Response:
        body = data.encode("utf-8") if isinstance(data, str) else data
        hdrs = {"Content-Type": "text/csv", **headers}
        return self.s.put(f"{self.org.instance_url}/{job['contentUrl']}", data=body, headers=hdrs)

    def state(self, job_id: str, state: str) -> requests.Response:
        return self.s.patch(f"{self.jobs}/{job_id}", json={"state": state})

    def info(self, job_id: str) -> dict[str, Any]:
        r = self.s.get(f"{self.jobs}/{job_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def results(self, job_id: str, kind: str, **headers: str) -> requests.Response:
        return self.s.get(f"{self.jobs}/{job_id}/{kind}", headers=headers)

    def load(
        self,
        data: str,
        obj: str = "Account",
        operation: str = "upsert",
        ext: str | None = "External_Id__c",
        **extra: Any,
    ) -> dict[str, Any]:
        """Create, upload, close and wait: the finished JobInfo."""
        job = self.new_job(obj, operation, ext, **extra)
        assert self.put(job, data).status_code == 201
        assert self.state(job["id"], "UploadComplete").status_code == 200
        self.org.wait_job(job["id"])
        return self.info(job["id"])

    def query(self, soql: str) -> dict[str, Any]:
        r = self.s.get(f"{self.base}/query", params={"q": soql})
        assert r.status_code == 200, r.text
        return dict(r.json())

    def count(self, obj: str, where: str = "") -> int:
        return int(self.query(f"SELECT COUNT() FROM {obj} {where}")["totalSize"])


def control(emulator: Any) -> requests.Session:
    """A session for the /__emulator__ control endpoints: the emulator's own token, JSON bodies."""
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {emulator.access_token}"
    return s
