"""The loopback listener: 127.0.0.1 only, one redirect, state checked, friendly pages, busy port explained."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from sfloader_gui.core.auth.loopback import LoopbackListener
from sfloader_gui.core.salesforce.errors import AuthError


def _url(listener: LoopbackListener, query: str) -> str:
    return f"http://127.0.0.1:{listener.port}/OauthRedirect?{query}"


def test_one_redirect_gives_the_code_and_a_friendly_page() -> None:
    listener = LoopbackListener(0, "state-1")
    assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/OauthRedirect"  # RFC 8252
    assert requests.get(f"http://127.0.0.1:{listener.port}/favicon.ico", timeout=5).status_code == 404
    page = requests.get(_url(listener, "code=aPrxCODE&state=state-1"), timeout=5)
    assert page.status_code == 200 and "You are logged in" in page.text
    assert "aPrxCODE" not in page.text
    assert listener.wait(5) == "aPrxCODE"
    with pytest.raises(requests.ConnectionError):  # closed after the one redirect
        requests.get(_url(listener, "code=again&state=state-1"), timeout=5)


def test_a_wrong_state_is_refused_and_the_real_login_still_arrives() -> None:
    """Another program (or a web page) cannot end a login in progress by sending a forged redirect."""
    listener = LoopbackListener(0, "expected")
    for query in ("code=attacker&state=forged", "error=access_denied&state=forged", "code=x", ""):
        page = requests.get(_url(listener, query), timeout=5)
        assert page.status_code == 400 and "Login refused" in page.text
    assert requests.get(_url(listener, "code=REAL&state=expected"), timeout=5).status_code == 200
    assert listener.wait(5) == "REAL"


def test_a_slow_sender_is_cut_off_at_the_deadline() -> None:
    listener = LoopbackListener(0, "s", connection_deadline_s=0.5)
    slow = socket.create_connection(("127.0.0.1", listener.port))
    slow.settimeout(0.1)
    started = time.monotonic()
    try:
        closed = False
        for byte in b"GET /OauthRedirect?code=slow&state=s HTTP/1.1\r\n" * 100:  # one byte per 0.1 s
            try:
                slow.sendall(bytes([byte]))
                closed = slow.recv(1024) == b""
            except TimeoutError:
                continue
            except OSError:
                closed = True
            if closed:
                break
        assert closed, "the listener kept serving a slow sender"
        assert time.monotonic() - started < 4  # deadline 0.5 s; generous for a loaded machine
        assert requests.get(_url(listener, "code=C&state=s"), timeout=5).status_code == 200
        assert listener.wait(5) == "C"
    finally:
        slow.close()


def test_connections_beyond_the_cap_are_dropped_not_given_threads() -> None:
    before = threading.active_count()
    listener = LoopbackListener(0, "s", max_connections=4, connection_deadline_s=30)
    idle = [socket.create_connection(("127.0.0.1", listener.port)) for _ in range(20)]
    try:
        for extra in idle[4:]:  # each one past the cap is closed by the listener straight away
            extra.settimeout(5)
            assert extra.recv(1) == b""
        assert listener.open_connections == 4
        assert threading.active_count() - before <= 4 + 1  # the serving thread + one per open connection
    finally:
        for conn in idle:
            conn.close()
        listener.close()


def test_salesforce_error_redirect_is_reported() -> None:
    listener = LoopbackListener(0, "s")
    requests.get(
        _url(listener, "error=access_denied&error_description=end-user+denied+authorization&state=s"),
        timeout=5,
    )
    with pytest.raises(AuthError, match="end-user denied authorization"):
        listener.wait(5)


def test_listens_on_loopback_only() -> None:
    listener = LoopbackListener(0, "s")
    try:
        addr = listener._server.server_address
        assert addr[0] == "127.0.0.1"
        found = {str(i[4][0]) for i in socket.getaddrinfo(socket.gethostname(), None)}
        other = [a for a in found if not a.startswith("127.") and ":" not in a]
        for ip in other:  # the machine's LAN address must not answer
            with pytest.raises(OSError):
                socket.create_connection((ip, listener.port), timeout=1).close()
    finally:
        listener.close()


def test_busy_port_gets_a_sentence() -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    try:
        with pytest.raises(AuthError, match="in use"):
            LoopbackListener(blocker.getsockname()[1], "s")
    finally:
        blocker.close()


def test_cancel_stops_waiting() -> None:
    listener = LoopbackListener(0, "s")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(AuthError, match="cancelled"):
        listener.wait(30, cancel)


def test_an_idle_browser_connection_does_not_block_the_redirect() -> None:
    listener = LoopbackListener(0, "s")
    idle = socket.create_connection(("127.0.0.1", listener.port))  # a preconnect that never speaks
    try:
        page = requests.get(_url(listener, "code=C1&state=s"), timeout=5)
        assert page.status_code == 200
        assert listener.wait(5) == "C1"
    finally:
        idle.close()
