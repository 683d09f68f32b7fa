"""The Salesforce CLI method with a fake `sf` executable on PATH: list, display, not installed, errors."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from sfloader_gui.core.auth.sfcli import CliError, SalesforceCli

ORG_LIST = {
    "status": 0,
    "result": {
        "nonScratchOrgs": [
            {
                "alias": "prod",
                "username": "admin@acme.com",
                "instanceUrl": "https://acme.my.salesforce.com",
                "orgId": "00D000000000001",
                "connectedStatus": "Connected",
                "isDefaultUsername": True,
            },
            {
                "username": "dev@acme.com.uat",
                "instanceUrl": "https://acme--uat.sandbox.my.salesforce.com",
                "orgId": "00D000000000002",
                "connectedStatus": "RefreshTokenAuthError",
            },
        ],
        "scratchOrgs": [],
        "sandboxes": [
            {"username": "dev@acme.com.uat", "instanceUrl": "https://acme--uat.sandbox.my.salesforce.com"}
        ],
    },
}


def install_fake_sf(
    folder: Path, answers: dict[str, dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Write an executable `sf` that prints canned JSON per sub-command and logs its arguments."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    script = folder / "sf"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, pathlib, sys\n"
        "here = pathlib.Path(__file__).parent\n"
        "args = sys.argv[1:]\n"
        "with open(here / 'calls.log', 'a') as log: log.write(' '.join(args) + '\\n')\n"
        "answers = json.loads((here / 'answers.json').read_text())\n"
        "key = ' '.join(a for a in args[:2])\n"
        "answer = answers.get(key, {'status': 1, 'name': 'UnknownCommand', 'message': key})\n"
        "print(json.dumps(answer))\n"
        "sys.exit(answer.get('status', 0))\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return folder


def test_list_orgs_merges_groups_default_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_sf(tmp_path / "bin", {"org list": ORG_LIST}, monkeypatch)
    found = SalesforceCli().list_orgs()
    assert [o.target for o in found] == ["prod", "dev@acme.com.uat"]
    assert found[0].is_default and found[0].label == "prod (admin@acme.com) - https://acme.my.salesforce.com"
    assert found[1].connected == "RefreshTokenAuthError"


def test_display_error_is_passed_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {
        "status": 1,
        "name": "NamedOrgNotFoundError",
        "message": "No authorization information found for nope.",
    }
    install_fake_sf(tmp_path / "bin", {"org display": bad}, monkeypatch)
    with pytest.raises(CliError, match="No authorization information found for nope"):
        SalesforceCli().display("nope")


def test_http_instance_refused_outside_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {
        "status": 0,
        "result": {"accessToken": "00D000000000001!abc", "instanceUrl": "http://evil.example"},
    }
    install_fake_sf(tmp_path / "bin", {"org display": answer}, monkeypatch)
    with pytest.raises(CliError, match="https"):
        SalesforceCli().display("x")


def test_missing_cli_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    cli = SalesforceCli()
    assert not cli.available()
    with pytest.raises(CliError, match=r"not installed.*sf org login web"):
        cli.list_orgs()
