"""`sfloader --org NAME` runs on a login saved in the app (keyring + refresh); `sfloader orgs` lists them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keyring
import pytest

from sfloader_gui import cli
from sfloader_gui.core.auth.login import LoginService
from sfloader_gui.core.credentials import CredentialStore
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from tests.core.auth.browser import ScriptedBrowser
from tests.core.load.loadkit import write_accounts
from tests.memory_keyring import MemoryKeyring


def log_in_in_the_app(emulator: Any, name: str = "Acme Demo") -> tuple[str, str]:
    """What the app's org manager does: a browser login; returns (profile id, saved refresh token)."""
    orgs = OrgStore()
    other = build_profile("Other", Environment.DEMO, LoginMethod.OAUTH, instance_url=emulator.instance_url)
    orgs.upsert(other)
    profile = build_profile(name, Environment.DEMO, LoginMethod.OAUTH, instance_url=emulator.instance_url)
    orgs.upsert(profile)
    LoginService(orgs, CredentialStore(), open_browser=ScriptedBrowser()).login_oauth(profile, port=0)
    orgs.set_active(other.id)  # the app was last on another org
    backend = keyring.get_keyring()
    assert isinstance(backend, MemoryKeyring)
    refresh = next(v for (_, k), v in backend.secrets.items() if profile.id in k and "refresh" in k)
    return profile.id, refresh


def test_upsert_with_a_saved_login_refreshes_and_prints_no_secret(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, refresh = log_in_in_the_app(emulator)
    emulator.expire_tokens()  # the access token from the login is long gone when the script runs
    data = write_accounts(tmp_path / "a.csv", 1, 20)
    args = ["upsert", str(data), "--object", "Account", "--external-id", "External_Id__c", "--json"]
    code = cli.main([*args, "--org", "acme demo", "--poll-interval", "0.05", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["totals"]["success"] == 20
    assert refresh not in out + err and emulator.access_token not in out + err
    active = OrgStore().active()
    assert active is not None and active.name == "Other", "a script does not change what the app opens"


def test_orgs_lists_saved_logins_without_secrets(emulator: Any, capsys: pytest.CaptureFixture[str]) -> None:
    profile_id, refresh = log_in_in_the_app(emulator)
    assert cli.main(["orgs"]) == 0
    text = capsys.readouterr().out
    assert "Acme Demo" in text and "login saved" in text and "* Other" in text
    assert cli.main(["orgs", "--json"]) == 0
    out = capsys.readouterr().out
    rows = {r["name"]: r for r in json.loads(out)["orgs"]}
    assert rows["Acme Demo"]["saved_login"] is True and rows["Acme Demo"]["id"] == profile_id
    assert rows["Other"]["saved_login"] is False and rows["Other"]["active_in_app"] is True
    assert refresh not in text + out


def test_unknown_or_logged_out_org_exits_2_and_says_what_to_do(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_in_in_the_app(emulator)
    data = write_accounts(tmp_path / "a.csv", 1, 5)
    args = ["upsert", str(data), "--object", "Account", "--external-id", "External_Id__c"]
    assert cli.main([*args, "--org", "Nope"]) == 2
    err = capsys.readouterr().err
    assert "No saved org named 'Nope'" in err and "'Acme Demo'" in err and "sfloader orgs" in err
    # "Other" was never logged in: nothing saved, no browser opens, the user is told to log in in the app.
    assert cli.main([*args, "--org", "Other"]) == 2
    err = capsys.readouterr().err
    assert "Log in again in the app" in err or "Log in first" in err
    assert cli.main([*args, "--org", "Acme Demo", "--demo"]) == 2
    assert "not both" in capsys.readouterr().err
