"""Secrets of each org in the OS keyring (never elsewhere): backend choice, chunking, one lock, a cache."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

import keyring
import keyring.backend
import keyring.core
from keyring.errors import InitError, KeyringError, KeyringLocked, NoKeyringError, PasswordDeleteError

from sfloader_gui import APP_NAME
from sfloader_gui.core.logs import register_secret

log = logging.getLogger(__name__)
_T = TypeVar("_T")

SERVICE = APP_NAME
# Windows Credential Manager refuses blobs over 2,560 bytes; it stores UTF-16, so 1,280 characters.
# Chunk everywhere at a size under that so a keyring written on one OS behaves the same on another.
CHUNK_CHARS = 1000
_CHUNK_MARK = "sfloader-chunked:"


class SecretKind(StrEnum):
    """What a stored secret is; one keyring entry (or chunk set) per org and kind."""

    REFRESH_TOKEN = "refresh_token"
    ACCESS_TOKEN = "access_token"  # only when the user asked to save a pasted token
    PASSWORD = "password"
    SECURITY_TOKEN = "security_token"
    CLIENT_SECRET = "client_secret"


class CredentialError(Exception):
    """The keyring cannot be used; the message says what happened and what to do."""


# Backends that keep secrets readable on disk, or that do nothing: never used, never silently.
_REFUSED_MODULES = ("keyrings.alt.file", "keyring.backends.fail", "keyring.backends.null")
_REFUSED_NAMES = ("PlaintextKeyring", "EncryptedKeyring")


def primary_backend(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
    """The backend that actually stores secrets (the first one when keyring chains several)."""
    chained = getattr(backend, "backends", None)
    return chained[0] if isinstance(chained, list) and chained else backend


def describe_backend(backend: keyring.backend.KeyringBackend) -> str:
    """A short human name for the backend, shown in the login dialog ("SecretService Keyring", ...)."""
    primary = primary_backend(backend)
    name = getattr(primary, "name", "") or type(primary).__name__
    return str(name)


def _refused(backend: keyring.backend.KeyringBackend) -> bool:
    cls = type(backend)
    if cls.__module__.startswith(_REFUSED_MODULES) or cls.__name__ in _REFUSED_NAMES:
        return True
    chained = getattr(backend, "backends", None)
    if isinstance(chained, list):
        # A chain falls through to its next backend when the first fails: every link must be secure.
        return not chained or any(_refused(b) or b.priority < 1 for b in chained)
    return False


_NO_STORE = (
    "No secure credential store was found, so logins cannot be saved. On Linux, install and start a "
    "Secret Service (GNOME Keyring or KWallet) and log in to a desktop session; on Windows and macOS "
    "the system store is used. Until then, you can still log in, but only until the app closes."
)


def _refusal_message(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    if cls.__module__.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return _NO_STORE
    return (
        f"The only credential store available is {describe_backend(backend)} ({cls.__module__}), which keeps "
        "secrets in a file anyone with access to your account can read. sfloader refuses to use it: "
        "uninstall "
        "the keyrings.alt package or remove PYTHON_KEYRING_BACKEND / keyringrc.cfg settings that select it, "
        "and use the system keyring (GNOME Keyring, KWallet, Windows Credential Manager, macOS Keychain)."
    )


def select_secure_backend() -> keyring.backend.KeyringBackend:
    """Pick the recommended system backend (priority >= 1) for the whole process; refuse plaintext ones.

    Call once at start-up. Raises ``CredentialError`` when only a plaintext or no backend exists.
    """
    keyring.core.init_backend(keyring.core.recommended)
    backend = keyring.get_keyring()
    if _refused(backend):
        raise CredentialError(_refusal_message(backend))
    return backend


def ensure_secure_backend() -> keyring.backend.KeyringBackend:
    """Keep the current backend if it is secure (an explicit choice, or tests), else select one."""
    backend = keyring.get_keyring()
    return backend if not _refused(backend) else select_secure_backend()


def friendly_error(exc: BaseException) -> CredentialError:
    """Turn a keyring exception into a message that says what to do."""
    if isinstance(exc, CredentialError):
        return exc
    if isinstance(exc, KeyringLocked):
        text = (
            "Your keyring is locked. Unlock it (log in to your desktop session, or open your keyring app, "
            "e.g. 'Passwords and Keys', and unlock the login keyring), then try again."
        )
    elif isinstance(exc, NoKeyringError):
        text = _NO_STORE
    elif isinstance(exc, InitError):
        text = (
            f"The keyring could not create its store ({exc}). Make sure the keyring service "
            "(gnome-keyring-daemon, KWallet) is running and unlocked, then try again."
        )
    else:
        text = f"The keyring refused the request ({type(exc).__name__}: {exc}). Try again, or restart it."
    return CredentialError(text)


class CredentialStore:
    """Read, write and delete an org's secrets under this app's service name.

    One lock serialises keyring access (Secret Service calls are slow, ~20 ms, and some backends are not
    thread-safe); values are cached in memory so 15 workers never hit the keyring per request.
    """

    _lock = threading.RLock()

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None, service: str = SERVICE) -> None:
        self._explicit = backend
        self._service = service
        self._cache: dict[tuple[str, str], str | None] = {}

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        backend = self._explicit or keyring.get_keyring()
        if _refused(backend):
            raise CredentialError(_refusal_message(backend))
        return backend

    def backend_name(self) -> str | None:
        """The keyring in use, or None when there is no secure one (nothing can be saved)."""
        try:
            return describe_backend(self.backend)
        except CredentialError:
            return None

    def get(self, org_id: str, kind: SecretKind) -> str | None:
        key = (org_id, kind.value)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            value = self._call(self._read, self._entry(org_id, kind))
            self._cache[key] = value
        register_secret(value)
        return value

    def set(self, org_id: str, kind: SecretKind, value: str) -> None:
        """Save ``value``; when this returns, the keyring holds it (so a rotated token is safe to use)."""
        register_secret(value)
        with self._lock:
            self._call(self._write, self._entry(org_id, kind), value)
            self._cache[(org_id, kind.value)] = value

    def delete(self, org_id: str, kind: SecretKind) -> None:
        with self._lock:
            self._call(self._erase, self._entry(org_id, kind))
            self._cache[(org_id, kind.value)] = None

    def delete_org(self, org_id: str) -> None:
        """Remove every secret of one org (the org profile is being removed)."""
        with self._lock:
            for kind in SecretKind:
                self.delete(org_id, kind)

    # -- keyring entries ------------------------------------------------------------------------------

    @staticmethod
    def _entry(org_id: str, kind: SecretKind) -> str:
        return f"{org_id}:{kind.value}"

    def _call(self, fn: Callable[..., _T], *args: str) -> _T:
        try:
            return fn(*args)
        except CredentialError:
            raise
        except KeyringError as exc:
            log.warning("keyring %s failed: %s", fn.__name__.strip("_"), type(exc).__name__)
            raise friendly_error(exc) from exc

    def _read(self, entry: str) -> str | None:
        backend = self.backend
        head = backend.get_password(self._service, entry)
        if head is None or not head.startswith(_CHUNK_MARK):
            return head
        count = int(head[len(_CHUNK_MARK) :])
        parts = [backend.get_password(self._service, f"{entry}#{i}") for i in range(1, count + 1)]
        if any(p is None for p in parts):
            log.warning("keyring entry %s lacks some of its %d chunks; treating it as absent", entry, count)
            return None
        return "".join(p for p in parts if p is not None)

    def _write(self, entry: str, value: str) -> None:
        backend = self.backend
        old_count = self._chunk_count(entry)
        if len(value) <= CHUNK_CHARS and not value.startswith(_CHUNK_MARK):
            backend.set_password(self._service, entry, value)
            new_count = 0
        else:
            chunks = [value[i : i + CHUNK_CHARS] for i in range(0, len(value), CHUNK_CHARS)]
            # Chunks first, head last: a reader never finds a head whose chunks are not written yet.
            for i, chunk in enumerate(chunks, start=1):
                backend.set_password(self._service, f"{entry}#{i}", chunk)
            backend.set_password(self._service, entry, f"{_CHUNK_MARK}{len(chunks)}")
            new_count = len(chunks)
        for i in range(new_count + 1, old_count + 1):
            self._delete_quietly(f"{entry}#{i}")

    def _erase(self, entry: str) -> None:
        count = self._chunk_count(entry)
        self._delete_quietly(entry)
        for i in range(1, count + 1):
            self._delete_quietly(f"{entry}#{i}")

    def _chunk_count(self, entry: str) -> int:
        head = self.backend.get_password(self._service, entry)
        if head is None or not head.startswith(_CHUNK_MARK):
            return 0
        return int(head[len(_CHUNK_MARK) :])

    def _delete_quietly(self, entry: str) -> None:
        try:
            self.backend.delete_password(self._service, entry)
        except PasswordDeleteError:
            pass  # nothing stored under that name: already gone
