"""PKCE (RFC 7636, S256) verifier/challenge pairs and the OAuth ``state`` value."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, repr=False)
class Pkce:
    """A one-use verifier (kept by the app) and its S256 challenge (sent to the authorize page)."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        # 96 random bytes -> 128 base64url characters, the maximum RFC 7636 allows (as jsforce and sf do).
        verifier = _b64url(secrets.token_bytes(96))
        return cls(verifier, challenge_for(verifier))

    def __repr__(self) -> str:
        return "Pkce(<hidden>)"


def challenge_for(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_state() -> str:
    """An unguessable value tying the browser's redirect to this login attempt (CSRF protection)."""
    return secrets.token_urlsafe(32)
