"""Network rules for logins: env proxies, a corporate CA bundle, no netrc credentials, never verify=False."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from sfloader_gui.core.auth.network import new_session, tls_verify
from sfloader_gui.core.auth.oauth import password_grant
from sfloader_gui.core.salesforce.errors import AuthError


def _grant(emulator: Any) -> str:
    return password_grant(
        emulator.instance_url,
        "sfloader-test",
        "",
        "demo@sfloader.example",
        "demo",
        "",
        session=new_session(),
        allow_loopback_http=True,
    ).access_token


def test_proxy_variables_are_honoured(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    dead_proxy = "http://127.0.0.1:9"  # nothing listens there
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("HTTPS_PROXY", dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(AuthError, match="Could not reach"):
        _grant(emulator)  # the login went to the (dead) proxy
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert _grant(emulator).startswith("00D")  # NO_PROXY sends it straight to the org


def test_ca_bundle_is_used_and_verification_never_off(tmp_path: Path) -> None:
    assert tls_verify("") is True
    pem = tmp_path / "corp.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    assert new_session(str(pem)).verify == str(pem)
    with pytest.raises(FileNotFoundError, match="CA bundle"):
        tls_verify(str(tmp_path / "missing.pem"))


class _Capture(BaseHTTPRequestHandler):
    seen: ClassVar[list[str | None]] = []

    def do_POST(self) -> None:
        _Capture.seen.append(self.headers.get("Authorization"))
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b'{"error":"invalid_grant","error_description":"authentication failure"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


def test_netrc_credentials_are_never_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        netrc = tmp_path / ".netrc"
        netrc.write_text("machine 127.0.0.1 login someone password netrc-secret\n", encoding="utf-8")
        netrc.chmod(0o600)
        monkeypatch.setenv("NETRC", str(netrc))
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(AuthError, match="authentication failure"):
            password_grant(url, "c", "", "u", "p", "", session=new_session(), allow_loopback_http=True)
        assert _Capture.seen == [None]
    finally:
        server.shutdown()
        server.server_close()
