"""The loopback listener: 127.0.0.1 only, one redirect, state checked, friendly pages, busy port explained."""

from __future__ import annotations

import socket
import threading

import pytest
import requests

from sfloader_gui.core.auth.loopback import LoopbackListener
from sfloader_gui.core.salesforce.errors import AuthError


def _url(listener: LoopbackListener, query: str) -> str:
    return f"http://127.0.0.1:{listener.port}/OauthRedirect?{query}"


def test_one_redirect_gives_the_code_and_a_friendly_page() -> None:
    listener = LoopbackListener(0, "state-1")
    assert listener.redirect_uri == f"http://localhost:{listener.port}/OauthRedirect"
    assert requests.get(f"http://127.0.0.1:{listener.port}/favicon.ico", timeout=5).status_code == 404
    page = requests.get(_url(listener, "code=aPrxCODE&state=state-1"), timeout=5)
    assert page.status_code == 200 and "You are logged in" in page.text
    assert "aPrxCODE" not in page.text
    assert listener.wait(5) == "aPrxCODE"
    with pytest.raises(requests.ConnectionError):  # closed after the one redirect
        requests.get(_url(listener, "code=again&state=state-1"), timeout=5)


def test_wrong_state_is_refused() -> None:
    listener = LoopbackListener(0, "expected")
    page = requests.get(_url(listener, "code=attacker&state=forged"), timeout=5)
    assert page.status_code == 400 and "Login refused" in page.text
    with pytest.raises(AuthError, match="state"):
        listener.wait(5)


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
