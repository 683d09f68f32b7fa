"""The redaction proof: a full run at DEBUG, then every file the app wrote is searched for secrets.

Each secret is searched in every form it could take in text: raw, escaped (repr), JSON- and URL-encoded.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from sfloader_gui.core import logs
from sfloader_gui.core.auth.login import LoginService
from sfloader_gui.core.credentials import CredentialStore, SecretKind
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.errors import AuthError
from tests.core.auth.browser import ScriptedBrowser
from tests.core.auth.test_sfcli import install_fake_sf
from tests.secret_forms import leaks

_TOKEN_SHAPE = re.compile(rb"00D\w{12,15}!")


@pytest.fixture
def debug_log() -> Iterator[Path]:
    """The app's file log at DEBUG (urllib3 included, it logs request lines); levels restored after."""
    root, urllib3 = logging.getLogger(), logging.getLogger("urllib3")
    levels = (root.level, urllib3.level)
    path = logs.setup_logging(logging.DEBUG)
    urllib3.setLevel(logging.DEBUG)
    yield path
    logs.shutdown_logging()
    root.setLevel(levels[0])
    urllib3.setLevel(levels[1])


def _app_files() -> list[Path]:
    home = Path(os.environ["SFLOADER_HOME"])
    return [p for p in home.rglob("*") if p.is_file()]


def _assert_clean(secrets: set[str], log_file: Path, streams: pytest.CaptureFixture[str]) -> None:
    out, err = streams.readouterr()  # what the run printed on the process's stdout and stderr
    assert leaks(out, secrets, "stdout") + leaks(err, secrets, "stderr") == []
    files = _app_files()
    assert log_file in files and log_file.stat().st_size > 1_000  # the run really logged at DEBUG
    for path in files:
        data = path.read_bytes()
        assert leaks(data, secrets, path.name) == []
        assert b"Bearer " not in data, f"{path.name} holds an Authorization header"
        assert not _TOKEN_SHAPE.search(data), f"{path.name} holds a Salesforce session id"


def test_every_login_method_leaves_no_secret_on_disk(
    debug_log: Path,
    emulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    secrets: set[str] = set()
    orgs, store = OrgStore(), CredentialStore()
    service = LoginService(orgs, store, open_browser=ScriptedBrowser())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    # 1. Browser login, then 15 workers hit an expired token at once: refresh + replay.
    oauth = build_profile(
        "OAuth", Environment.DEMO, LoginMethod.OAUTH, instance_url=emulator.instance_url, callback_port=port
    )
    orgs.upsert(oauth)
    result = service.login_oauth(oauth, client_secret="cs-SuperSecret-42")
    secrets |= {result.provider.access_token(), "cs-SuperSecret-42"}
    secrets.add(store.get(oauth.id, SecretKind.REFRESH_TOKEN) or "missing")
    emulator.expire_tokens()
    with SalesforceConnection(result.instance_url, result.provider, "66.0") as conn:
        threads = [threading.Thread(target=lambda: conn.get_json("sobjects/")) for _ in range(15)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        logging.getLogger("sfloader_gui.test").debug("headers were %s", conn.session.headers)
    secrets.add(result.provider.access_token())

    # 2. Legacy password (saved), 3. pasted token (saved), 4. the CLI (fake sf).
    pw = build_profile(
        "Password",
        Environment.DEMO,
        LoginMethod.PASSWORD,
        instance_url=emulator.instance_url,
        username="demo@sfloader.example",
    )
    orgs.upsert(pw)
    live = service.login_password(pw, "demo", save=True).provider.access_token()
    secrets.add(live)
    tok = build_profile("Token", Environment.DEMO, LoginMethod.TOKEN, instance_url=emulator.instance_url)
    orgs.upsert(tok)
    service.login_token(tok, emulator.instance_url, live, save=True)
    display = {"status": 0, "result": {"accessToken": live, "instanceUrl": emulator.instance_url}}
    install_fake_sf(tmp_path / "bin", {"org display": display}, monkeypatch)
    cli = build_profile(
        "CLI", Environment.DEMO, LoginMethod.CLI, cli_target="demo", instance_url=emulator.instance_url
    )
    orgs.upsert(cli)
    service.login_cli(cli)
    # A failed login logs the server's refusal: still nothing secret.
    with pytest.raises(AuthError, match="refused"):
        service.login_password(pw, "wrong-password-xyz", save=False)
    # A paste that took two lines is refused before it is used or saved, and never shown.
    two_lines = live[:30] + "\nSECOND-LINE-" + live[30:]
    secrets.add(two_lines)
    with pytest.raises(AuthError, match="line break") as refused:
        service.login_token(tok, emulator.instance_url, two_lines, save=True)
    assert leaks(str(refused.value), {two_lines}, "message") == []
    # An error that quotes secrets in repr / JSON / URL form still reaches the log redacted.
    try:
        raise RuntimeError(f"{two_lines!r} {json.dumps(live)} {quote(two_lines, safe='')}")
    except RuntimeError:
        logging.getLogger("sfloader_gui.test").exception("a bug quoting %r", [two_lines, live])

    assert len(secrets) >= 5
    _assert_clean(secrets, debug_log, capfd)
    text = debug_log.read_text(encoding="utf-8")
    assert "/OauthRedirect?code=[REDACTED]&state=" in text  # the redirect was logged, without its code
    assert "rotated" not in text and "refreshed" in text  # the refresh happened (and was logged) once


def test_a_load_with_a_token_refresh_leaves_no_secret_on_disk(
    debug_log: Path, emulator: Any, samples_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A real load (engine, run folder, manifest) after the session expired: refresh mid-run, then grep."""
    from sfloader_gui.core import paths
    from sfloader_gui.core.load.engine import run_load
    from sfloader_gui.core.load.plan import plan_load
    from sfloader_gui.core.models import CancelToken, LoadOptions

    orgs, store = OrgStore(), CredentialStore()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profile = build_profile(
        "OAuth", Environment.DEMO, LoginMethod.OAUTH, instance_url=emulator.instance_url, callback_port=port
    )
    orgs.upsert(profile)
    result = LoginService(orgs, store, open_browser=ScriptedBrowser()).login_oauth(profile)
    secrets = {result.provider.access_token(), store.get(profile.id, SecretKind.REFRESH_TOKEN) or "missing"}
    emulator.expire_tokens()  # the load starts with a dead session: 401 -> refresh -> replay
    options = LoadOptions("Account", "External_Id__c", poll_interval_s=0.2, max_concurrent_jobs=4)
    files = [samples_dir / "accounts.csv", samples_dir / "bad_accounts.csv"]
    plan = plan_load(files, options)
    with SalesforceConnection(result.instance_url, result.provider, "66.0") as conn:
        run = run_load(conn, plan, options, paths.default_output_dir(), lambda e: None, CancelToken())
    secrets.add(result.provider.access_token())
    assert run.outcomes and (run.run_dir / "manifest.json").is_file()
    assert getattr(result.provider, "refresh_count", 0) == 1  # one refresh for all the parallel jobs
    assert run.manifest["totals"]["success"] > 0
    assert run.run_dir.is_relative_to(Path(os.environ["SFLOADER_HOME"]))
    _assert_clean(secrets, debug_log, capfd)
