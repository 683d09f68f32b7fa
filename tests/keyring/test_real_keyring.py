"""Against a real Secret Service (gnome-keyring on a private D-Bus): selection, chunking, removal, locking."""

from __future__ import annotations

import uuid

import keyring
import pytest

from sfloader_gui.core.credentials import (
    CredentialStore,
    SecretKind,
    describe_backend,
    primary_backend,
    select_secure_backend,
)

pytestmark = pytest.mark.real_keyring


@pytest.fixture
def org_id() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def test_recommended_backend_is_the_secret_service() -> None:
    backend = primary_backend(select_secure_backend())
    assert type(backend).__module__ == "keyring.backends.SecretService", describe_backend(backend)


def test_secrets_round_trip_chunked_and_removed(org_id: str) -> None:
    backend = select_secure_backend()
    token = "00D8d0000001EmuEAE!" + "A" * 2400  # over Windows' 2,560-byte blob: chunked everywhere
    store = CredentialStore()
    store.set(org_id, SecretKind.ACCESS_TOKEN, token)
    store.set(org_id, SecretKind.REFRESH_TOKEN, "5AepRealKeyring")
    # A fresh store has no cache: this reads the Secret Service itself.
    assert CredentialStore().get(org_id, SecretKind.ACCESS_TOKEN) == token
    assert backend.get_password("sfloader-gui", f"{org_id}:access_token#1") is not None
    store.delete_org(org_id)
    assert CredentialStore().get(org_id, SecretKind.ACCESS_TOKEN) is None
    assert CredentialStore().get(org_id, SecretKind.REFRESH_TOKEN) is None
    for i in range(1, 5):
        assert backend.get_password("sfloader-gui", f"{org_id}:access_token#{i}") is None


def test_store_reports_the_secret_service_to_the_user() -> None:
    select_secure_backend()
    assert "SecretService" in (CredentialStore().backend_name() or "")
    assert keyring.get_keyring() is not None
