"""Where the connection gets its access token: the TokenProvider protocol and two simple providers."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from sfloader_gui.core.logs import register_secret
from sfloader_gui.core.salesforce.errors import AuthError

# Salesforce session ids, OAuth and refresh tokens are printable ASCII without spaces.
_TOKEN_TEXT = re.compile(r"[\x21-\x7e]+")


def checked_token(value: str, what: str = "The access token") -> str:
    """``value`` if it can be a token; else ``AuthError`` that never repeats it.

    A space, line break or control character inside a token is a copy-and-paste accident (two lines,
    a shell ``$'..\n..'``); sent on, it would break the Authorization header and end in an error that
    prints it. The bad value is registered as a secret, so no form of it reaches a log either.
    """
    if _TOKEN_TEXT.fullmatch(value):
        return value
    register_secret(value)
    raise AuthError(
        f"{what} contains a space, a line break or another character no Salesforce token has, so it "
        "was not used. Copy the token again, only the token itself, and retry."
    )


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
        self._token = checked_token(token)

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
