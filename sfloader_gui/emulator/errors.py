"""The error every API handler raises: an HTTP status and Salesforce's JSON-array error body."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(
        self, status: int, error_code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message
        self.headers = headers or {}

    def body(self) -> list[dict[str, Any]]:
        if self.status == 401:  # real 401 bodies put the message first
            return [{"message": self.message, "errorCode": self.error_code}]
        return [{"errorCode": self.error_code, "message": self.message}]
