"""Case 23: no Secret Service with keyrings.alt present, a locked keyring, a 2,400-character token: the
plaintext store is refused, messages say what to do, the long token is stored and read back.

These are the fast stand-ins (a backend posing as keyrings.alt's, a locked in-memory one). The same cases
run for real elsewhere: tests/keyring/test_plaintext_store_refused.py with keyrings.alt installed and no
D-Bus (run by .ci/run in an isolated environment), tests/keyring/test_keyring_failures.py against a locked
gnome-keyring, tests/keyring/test_real_keyring.py chunking a long token in the Secret Service. Windows'
2,560-byte Credential Manager limit itself cannot be reached from Linux."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

from sfloader_gui.core.credentials import CredentialError, CredentialStore, SecretKind
from tests.memory_keyring import MemoryKeyring


class PlaintextKeyring(KeyringBackend):
    """keyrings.alt's plaintext file store, as keyring would pick it without a Secret Service."""

    priority = 0.5
    __module__ = "keyrings.alt.file"

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("a secret reached a plaintext store")

    def delete_password(self, service: str, username: str) -> None:
        return None


def test_a_plaintext_store_is_refused() -> None:
    with pytest.raises(CredentialError, match=r"plain|readable|keyrings\.alt"):
        CredentialStore(PlaintextKeyring()).set("org", SecretKind.REFRESH_TOKEN, "5AepSecret")


def test_a_locked_keyring_says_to_unlock_it() -> None:
    class Locked(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise KeyringLocked("Failed to unlock the collection!")

    with pytest.raises(CredentialError, match="locked"):
        CredentialStore(Locked()).get("org", SecretKind.PASSWORD)


def test_a_long_token_is_kept_whole() -> None:
    token = "00D8d0000001Emu!" + "A" * 2400
    CredentialStore().set("org", SecretKind.ACCESS_TOKEN, token)
    assert CredentialStore().get("org", SecretKind.ACCESS_TOKEN) == token
    assert all(len(v) <= 1280 for v in keyring.get_keyring().secrets.values())  # type: ignore[attr-defined]
