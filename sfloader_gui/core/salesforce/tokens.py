"""Where the connection gets its access token: the TokenProvider protocol and two simple providers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from sfloader_gui.core.salesforce.errors import AuthError


@runtime_checkable
class TokenProvider(Protocol):
    """Supplies the current access token and, when it can, a fresh one.

    ``refresh(stale)`` must be single-flight: when several threads report the same stale token at once,
    only one refresh happens and every caller gets the new token. It raises ``AuthError`` when the user
    has to log in again.
    """

    @property
    def can_refresh(self) -> bool: ...

    def access_token(self) -> str: ...

    def refresh(self, stale: str) -> str: ...


class StaticToken:
    """A token given once (``--access-token``, ``SF_ACCESS_TOKEN``); it cannot be renewed."""

    def __init__(self, token: str) -> None:
        if not token.strip():
            raise AuthError("No access token was given. Pass --access-token or set SF_ACCESS_TOKEN.")
        self._token = token.strip()

    @property
    def can_refresh(self) -> bool:
        return False

    def access_token(self) -> str:
        return self._token

    def refresh(self, stale: str) -> str:
        raise AuthError(
            "The access token has expired or was revoked, and this session cannot renew it. "
            "Get a new access token (for example `sf org display`) and run again."
        )

    def __repr__(self) -> str:  # never show the token
        return "StaticToken(<hidden>)"


class RefreshingToken:
    """A token renewed by calling ``fetch_new()`` (an OAuth refresh grant, a CLI call...), single-flight.

    The lock makes concurrent 401s from many workers cost one refresh: a caller whose stale token was
    already replaced gets the new token without calling ``fetch_new`` again.
    """

    def __init__(self, initial: str, fetch_new: Callable[[], str]) -> None:
        self._token = initial
        self._fetch_new = fetch_new
        self._lock = threading.Lock()
        self.refresh_count = 0

    @property
    def can_refresh(self) -> bool:
        return True

    def access_token(self) -> str:
        with self._lock:
            return self._token

    def refresh(self, stale: str) -> str:
        with self._lock:
            if self._token != stale:
                return self._token
            self._token = self._fetch_new()
            self.refresh_count += 1
            return self._token

    def __repr__(self) -> str:
        return f"RefreshingToken(<hidden>, refreshes={self.refresh_count})"
