"""The one-shot loopback listener that receives the browser's OAuth redirect on 127.0.0.1."""

from __future__ import annotations

import errno
import html
import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sfloader_gui.core.salesforce.errors import AuthError

log = logging.getLogger(__name__)

CALLBACK_PATH = "/OauthRedirect"
# At most this many connections are served at once (browsers open up to 6 per host); more are dropped.
MAX_CONNECTIONS = 16
# A connection gets this long in all to send its request and read the page: a slow sender cannot hold a
# thread (the per-read socket timeout alone lets one byte every few seconds keep it forever).
CONNECTION_DEADLINE_S = 5.0

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sfloader - {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f6f9; color: #181818; }}
main {{ max-width: 32rem; margin: 12vh auto; background: #fff; border-radius: 8px; padding: 2rem;
        box-shadow: 0 2px 8px rgba(0,0,0,.12); border-top: 6px solid {colour}; }}
h1 {{ font-size: 1.4rem; margin-top: 0; }}
</style></head>
<body><main><h1>{title}</h1><p>{body}</p></main></body></html>
"""


@dataclass
class _Outcome:
    code: str | None = None
    error: str | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _OneShotServer
    # Browsers open speculative connections that never send a request: drop them instead of waiting.
    timeout = CONNECTION_DEADLINE_S

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.deadline_s)  # no read may outlast the connection's time

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != CALLBACK_PATH:
            # Browsers also ask for /favicon.ico: answer, but keep waiting for the real redirect.
            self._page(404, "Not found", "This address is only used to finish an sfloader login.", ok=False)
            return
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.finish(query, self)

    def _page(self, status: int, title: str, body: str, *, ok: bool) -> None:
        colour = "#2e844a" if ok else "#ba0517"
        data = _PAGE.format(title=html.escape(title), body=html.escape(body), colour=colour).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        # The request line holds the authorization code: never let http.server print it.
        log.debug("loopback listener answered a request")


class _OneShotServer(ThreadingHTTPServer):
    # A thread per connection, so an idle preconnect cannot hold up the real redirect behind it;
    # at most ``max_connections`` of them, each cut off at its deadline by ``expire_slow``.
    daemon_threads = True

    def __init__(self, port: int, expected_state: str, max_connections: int, deadline_s: float) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.expected_state = expected_state
        self.outcome = _Outcome()
        self.done = threading.Event()
        self._lock = threading.Lock()
        self.deadline_s = deadline_s
        self._slots = threading.BoundedSemaphore(max_connections)
        self._open: dict[socket.socket, float] = {}  # connection -> monotonic deadline
        self._open_lock = threading.Lock()

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        if not self._slots.acquire(blocking=False):
            log.info("loopback listener busy: dropped a connection")
            self.shutdown_request(request)
            return
        with self._open_lock:
            self._open[request] = time.monotonic() + self.deadline_s
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(request)
            self.shutdown_request(request)
            raise

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def _release(self, request: socket.socket) -> None:
        with self._open_lock:
            if self._open.pop(request, None) is not None:
                self._slots.release()

    @property
    def open_connections(self) -> int:
        with self._open_lock:
            return len(self._open)

    def expire_slow(self, everything: bool = False) -> None:
        """Cut off connections past their deadline (all of them when closing): their threads then end."""
        now = time.monotonic()
        with self._open_lock:
            late = [conn for conn, deadline in self._open.items() if everything or deadline <= now]
        for conn in late:
            try:
                conn.shutdown(socket.SHUT_RDWR)  # wakes the handler's blocked read with end-of-file
            except OSError:
                pass

    def finish(self, query: dict[str, str], handler: _Handler) -> None:
        with self._lock:  # the first redirect wins; any later one is told the link was used
            self._finish(query, handler)

    def _finish(self, query: dict[str, str], handler: _Handler) -> None:
        if self.done.is_set():
            handler._page(
                410, "Already used", "This login link was already used. Return to sfloader.", ok=False
            )
            return
        state = query.get("state", "")
        if not secrets.compare_digest(state.encode(), self.expected_state.encode()):
            # Not the login this app started (another program or a web page): refuse it, and keep
            # waiting for the real redirect, so no one can cancel a login in progress.
            log.warning("loopback listener refused a redirect with a wrong 'state'; still waiting")
            handler._page(
                400,
                "Login refused",
                "This login was not started by sfloader (the 'state' value did not match), so it was "
                "refused. If you started a login in sfloader, finish it in the browser window it opened.",
                ok=False,
            )
            return
        if "error" in query:
            detail = query.get("error_description") or query["error"]
            self.outcome.error = f"Salesforce did not complete the login: {detail}."
            handler._page(400, "Login not completed", self.outcome.error + " Return to sfloader.", ok=False)
        elif not query.get("code"):
            self.outcome.error = "The browser came back without an authorization code. Try the login again."
            handler._page(400, "Login not completed", self.outcome.error, ok=False)
        else:
            self.outcome.code = query["code"]
            handler._page(
                200,
                "You are logged in",
                "sfloader received the login. You can close this tab and return to the app.",
                ok=True,
            )
        self.done.set()


class LoopbackListener:
    """Listens on 127.0.0.1:PORT for exactly one ``/OauthRedirect`` with the right ``state``, then closes.

    A redirect with a wrong ``state`` gets a 400 page and the listener keeps waiting; at most
    ``max_connections`` are served at once, each for at most ``connection_deadline_s``.

    ``port=0`` picks a free port (tests); real logins use the port registered in the app's callback URL.
    """

    def __init__(
        self,
        port: int,
        expected_state: str,
        *,
        max_connections: int = MAX_CONNECTIONS,
        connection_deadline_s: float = CONNECTION_DEADLINE_S,
    ) -> None:
        try:
            self._server = _OneShotServer(port, expected_state, max_connections, connection_deadline_s)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES, 10048, 10013):  # 100xx: Windows WSA codes
                raise AuthError(
                    f"Port {port} on this computer is in use by another program (the Salesforce CLI uses "
                    "1717 while it logs in). Close it, or pick another callback port in the org settings and "
                    f"add http://127.0.0.1:<port>{CALLBACK_PATH} to the app's callback URLs."
                ) from None
            raise
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._serve, name="oauth-loopback", daemon=True)
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        """The loopback IP literal, not ``localhost`` (RFC 8252 section 8.3): it is exactly what we bind."""
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    @property
    def open_connections(self) -> int:
        return self._server.open_connections

    def _serve(self) -> None:
        while not self._server.done.is_set():
            self._server.timeout = 0.05  # wake up to notice close() even when nobody connects
            self._server.handle_request()
            self._server.expire_slow()

    def wait(self, timeout: float, cancel: threading.Event | None = None) -> str:
        """Block until the redirect arrives; return the code or raise ``AuthError``. Always closes."""
        try:
            deadline_hit = not self._wait(timeout, cancel)
            if cancel is not None and cancel.is_set() and not self._server.done.is_set():
                raise AuthError("The login was cancelled.")
            if deadline_hit:
                raise AuthError(
                    f"No login arrived from the browser within {int(timeout)} seconds. Try again, and finish "
                    "the login in the browser window that opens."
                )
            if self._server.outcome.error:
                raise AuthError(self._server.outcome.error)
            assert self._server.outcome.code is not None
            return self._server.outcome.code
        finally:
            self.close()

    def _wait(self, timeout: float, cancel: threading.Event | None) -> bool:
        if cancel is None:
            return self._server.done.wait(timeout)
        waited = 0.0
        while waited < timeout:
            if self._server.done.wait(min(0.25, timeout - waited)):
                return True
            if cancel.is_set():
                return False
            waited += 0.25
        return self._server.done.is_set()

    def close(self) -> None:
        self._server.done.set()
        self._thread.join(timeout=5)
        self._server.expire_slow(everything=True)
        self._server.server_close()
