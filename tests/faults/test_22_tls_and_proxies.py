"""Case 22: TLS against the operating system's trust store (truststore), a CA bundle when one is set, a
clear error for a certificate that cannot be verified (which host, why, what to do), never verify=False;
HTTPS_PROXY with NO_PROXY for the org's host; a whole load through a TLS-inspecting proxy (CONNECT, then
its own certificate from a private root) trusted through the OS store, and refused with a clear message
when its root is not trusted. The OS store is OpenSSL's (SSL_CERT_FILE) on Linux; the macOS Keychain and
the Windows store that truststore reads there are not reachable from this machine."""

from __future__ import annotations

import json
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme

from sfloader_gui.core.auth.network import apply_ca_bundle
from sfloader_gui.core.salesforce.connection import CertificateError, SalesforceConnection
from sfloader_gui.core.salesforce.tokens import StaticToken
from tests.core.load.loadkit import FAST_RETRY


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"sobjects": [{"name": "Account"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(autouse=True)
def _no_ca_bundle_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine sets REQUESTS_CA_BUNDLE; the tests choose their own trust."""
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()  # a private root, like the one a company's TLS-inspecting proxy signs with


@pytest.fixture
def https_org(ca: trustme.CA) -> Iterator[str]:
    """An HTTPS server for "localhost" whose certificate chains to the private root."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(ctx)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"https://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def connection(url: str) -> SalesforceConnection:
    return SalesforceConnection(url, StaticToken("00D000000000001!token"), retry=FAST_RETRY)


def test_an_untrusted_certificate_says_which_host_why_and_what_to_do(https_org: str) -> None:
    with connection(https_org) as conn, pytest.raises(CertificateError) as info:
        conn.get_json("sobjects/")
    message = str(info.value)
    assert "localhost" in message and "certificate" in message
    assert "CA bundle" in message and "network settings" in message
    assert "unable to get local issuer certificate" in message or "self-signed" in message


def test_the_os_trust_store_is_used_without_any_setting(
    https_org: str, ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The proxy's root installed in the OS store (on Linux, OpenSSL's SSL_CERT_FILE stands for it).
    root = tmp_path / "os-store.pem"
    ca.cert_pem.write_to_path(str(root))
    monkeypatch.setenv("SSL_CERT_FILE", str(root))
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(https_org, timeout=5)  # requests alone trusts certifi only
    with connection(https_org) as conn:
        assert conn.get_json("sobjects/")["sobjects"]


def test_a_ca_bundle_setting_is_used_as_it_is(https_org: str, ca: trustme.CA, tmp_path: Path) -> None:
    bundle = tmp_path / "corp.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with connection(https_org) as conn:
        apply_ca_bundle(conn.session, str(bundle))
        assert conn.get_json("sobjects/")["sobjects"]
        assert conn.session.verify == str(bundle)  # never False


def test_no_proxy_keeps_the_org_direct_while_https_proxy_is_set(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with SalesforceConnection(emulator.instance_url, StaticToken(emulator.access_token)) as conn:
        assert conn.get_json("sobjects/")["sobjects"]
    monkeypatch.delenv("NO_PROXY")
    with (
        SalesforceConnection(
            emulator.instance_url, StaticToken(emulator.access_token), retry=FAST_RETRY
        ) as c,
        pytest.raises(Exception, match="connection to Salesforce failed"),
    ):
        c.get_json("sobjects/")  # the proxy is honoured when the host is not exempt


class _Intercepting(BaseHTTPRequestHandler):
    """A company's TLS-inspecting proxy: answers CONNECT, then presents its own certificate for the asked
    host (signed by its private root) and relays the decrypted bytes to the org (here, the emulator)."""

    server: _InterceptingServer

    def do_CONNECT(self) -> None:
        host = self.path.rsplit(":", 1)[0]
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server.ca.issue_cert(host).configure_cert(ctx)
        try:
            tls = ctx.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate: what an untrusted proxy gets
        self.server.intercepted.append(host)
        with tls, socket.create_connection(self.server.upstream) as up:
            while True:
                ready = [tls] if tls.pending() else select.select([tls, up], [], [], 10)[0]
                if not ready:
                    return
                for sock in ready:
                    try:
                        data = sock.recv(65536)
                    except (ssl.SSLError, OSError):
                        return
                    if not data:
                        return
                    (up if sock is tls else tls).sendall(data)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _InterceptingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, ca: trustme.CA, upstream: tuple[str, int]) -> None:
        super().__init__(("127.0.0.1", 0), _Intercepting)
        self.ca, self.upstream = ca, upstream
        self.intercepted: list[str] = []


@pytest.fixture
def inspecting_proxy(
    ca: trustme.CA, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[_InterceptingServer]:
    """HTTPS_PROXY points at the inspecting proxy, which relays to the emulator whatever host is asked."""
    host, port = emulator.instance_url.split("//", 1)[1].split(":")
    server = _InterceptingServer(ca, (host, int(port)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    yield server
    server.shutdown()
    server.server_close()


ORG = "https://acme.my.salesforce.com"  # never resolved here: the proxy is asked for it by CONNECT


def test_an_inspecting_proxy_s_root_unknown_says_which_host_and_what_to_do(
    inspecting_proxy: _InterceptingServer, emulator: Any
) -> None:
    with (
        SalesforceConnection(ORG, StaticToken(emulator.access_token), retry=FAST_RETRY) as conn,
        pytest.raises(CertificateError) as info,
    ):
        conn.get_json("sobjects/")
    assert "acme.my.salesforce.com" in str(info.value) and "CA bundle" in str(info.value)
    assert inspecting_proxy.intercepted == []


def test_a_load_through_an_inspecting_proxy_trusted_by_the_os_store(
    inspecting_proxy: _InterceptingServer, ca: trustme.CA, emulator: Any, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from tests.core.load.loadkit import load, write_accounts
    from tests.faults.kit import nothing_lost

    root = tmp_path / "os-store.pem"  # the company root the IT department installed in the OS store
    ca.cert_pem.write_to_path(str(root))
    monkeypatch.setenv("SSL_CERT_FILE", str(root))
    src = write_accounts(tmp_path / "a.csv", 1, 40)
    with SalesforceConnection(ORG, StaticToken(emulator.access_token), retry=FAST_RETRY) as conn:
        result = load(emulator, [src], tmp_path / "out", conn=conn)
    assert result.ok and "acme.my.salesforce.com" in inspecting_proxy.intercepted
    assert emulator.stats.uploads == 1
    nothing_lost(result.run_dir, emulator, records=40)
