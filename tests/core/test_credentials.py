"""CredentialStore: secrets round-trip through the keyring, big ones chunked, plaintext stores refused."""

from __future__ import annotations

import threading

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import InitError, KeyringLocked, NoKeyringError

from sfloader_gui.core import credentials
from sfloader_gui.core.credentials import CHUNK_CHARS, CredentialError, CredentialStore, SecretKind
from tests.memory_keyring import MemoryKeyring


def _backend() -> MemoryKeyring:
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    return backend


def test_round_trip_and_removal_of_every_secret_of_an_org() -> None:
    store = CredentialStore()
    store.set("org1", SecretKind.REFRESH_TOKEN, "5AepRefresh")
    store.set("org1", SecretKind.PASSWORD, "hunter2!")
    store.set("org2", SecretKind.REFRESH_TOKEN, "5AepOther")
    # A new store (new process) reads what the keyring holds, not just its own cache.
    assert CredentialStore().get("org1", SecretKind.REFRESH_TOKEN) == "5AepRefresh"
    store.delete_org("org1")
    fresh = CredentialStore()
    assert fresh.get("org1", SecretKind.REFRESH_TOKEN) is None
    assert fresh.get("org1", SecretKind.PASSWORD) is None
    assert fresh.get("org2", SecretKind.REFRESH_TOKEN) == "5AepOther"
    assert all(user.startswith("org2") for _, user in _backend().secrets)


def test_secret_over_the_windows_limit_is_chunked_and_read_back() -> None:
    big = "x" * 1200 + "y" * 1200 + "z" * 37  # 2,437 chars: over Credential Manager's 1,280 UTF-16 chars
    store = CredentialStore()
    store.set("org1", SecretKind.ACCESS_TOKEN, big)
    entries = _backend().secrets
    assert all(len(v) <= CHUNK_CHARS for v in entries.values())
    assert len(entries) == 4  # head + 3 chunks
    assert CredentialStore().get("org1", SecretKind.ACCESS_TOKEN) == big
    # Overwriting with a short value leaves no stale chunk behind.
    store.set("org1", SecretKind.ACCESS_TOKEN, "short")
    assert list(entries.values()) == ["short"]
    store.delete_org("org1")
    assert entries == {}


def test_cache_answers_without_touching_the_keyring() -> None:
    calls = 0

    class Counting(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            nonlocal calls
            calls += 1
            return super().get_password(service, username)

    store = CredentialStore(Counting())
    store.set("o", SecretKind.REFRESH_TOKEN, "value-1")
    before = calls
    threads = [threading.Thread(target=lambda: store.get("o", SecretKind.REFRESH_TOKEN)) for _ in range(15)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == before  # 15 workers, zero keyring reads


class PlaintextKeyring(KeyringBackend):
    """Stands in for keyrings.alt.file.PlaintextKeyring (same class name, priority 0.5)."""

    priority = 0.5

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("a plaintext backend must never receive a secret")

    def delete_password(self, service: str, username: str) -> None:
        return None


def test_plaintext_backend_is_refused_with_a_message() -> None:
    store = CredentialStore(PlaintextKeyring())
    with pytest.raises(CredentialError, match=r"plain|readable|keyrings\.alt"):
        store.set("o", SecretKind.REFRESH_TOKEN, "secret-value")
    assert store.backend_name() is None


def test_fail_backend_is_refused_and_says_what_to_do() -> None:
    store = CredentialStore(fail.Keyring())
    with pytest.raises(CredentialError, match="Secret Service"):
        store.get("o", SecretKind.PASSWORD)


def test_selection_uses_recommended_backends_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """With only a priority-0.5 plaintext backend installed, selection ends at the fail backend: refused."""
    import keyring.backend

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setattr(keyring.core, "load_config", lambda: None)
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [PlaintextKeyring()])
    with pytest.raises(CredentialError, match="No secure credential store"):
        credentials.select_secure_backend()
    assert isinstance(keyring.get_keyring(), fail.Keyring)


def test_selection_refuses_a_plaintext_backend_forced_by_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keyring.core, "load_env", lambda: PlaintextKeyring())
    with pytest.raises(CredentialError, match=r"keyrings\.alt"):
        credentials.select_secure_backend()


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        (KeyringLocked("Failed to unlock the collection!"), "locked"),
        (NoKeyringError("no backend"), "No secure credential store"),
        (InitError("Failed to create the collection: Prompt dismissed.."), "could not create its store"),
    ],
)
def test_keyring_failures_become_messages_that_say_what_to_do(error: Exception, advice: str) -> None:
    class Broken(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise error

    with pytest.raises(CredentialError, match=advice) as info:
        CredentialStore(Broken()).get("o", SecretKind.PASSWORD)
    assert "try again" in str(info.value).lower() or "log in" in str(info.value).lower()
