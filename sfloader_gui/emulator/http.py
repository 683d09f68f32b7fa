"""HTTP/1.1 plumbing: keep-alive, chunked and gzip/deflate request bodies, gzip responses, throttling."""

from __future__ import annotations

import gzip
import json
import logging
import re
import socket
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sfloader_gui.emulator.errors import ApiError
from sfloader_gui.emulator.org import Org
from sfloader_gui.emulator.stats import RequestRecord

log = logging.getLogger(__name__)
_CHUNK = 1 << 20


class DroppedConnection(Exception):
    """The fault injector closed the socket in the middle of a request body."""


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    file: Path | None = None  # stream this file (first `file_size` bytes) instead of `body`
    file_size: int = 0
    compressible: bool = True


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(data, separators=(",", ":")).encode("utf-8"), headers=headers or {})


def error_response(err: ApiError) -> Response:
    return json_response(err.status, err.body(), err.headers)


class Request:
    """One request; the body is read lazily so uploads can be streamed to disk."""

    def __init__(self, handler: EmulatorHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        self.handler = handler
        self.method = method
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = handler.headers
        self.content_encoding = (self.headers.get("Content-Encoding") or "").strip().lower() or None
        self.raw_bytes = 0
        self._raw: Iterator[bytes] | None = None  # one reader of the socket, shared by stream() and drain()
        self.dropped = False
        self.drop_after: int | None = None
        self.user_id: str | None = None  # set by dispatch from the bearer token
        self.on_finish: list[Callable[[], None]] = []  # run once the answer is sent (or the call dropped)

    def _raw_chunks(self) -> Iterator[bytes]:
        rfile = self.handler.rfile
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            while True:
                size_line = rfile.readline(1024)
                if not size_line:
                    raise DroppedConnection("client closed the connection")
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return
                yield from _exactly(rfile, size)
                rfile.readline(1024)
        else:
            yield from _exactly(rfile, int(self.headers.get("Content-Length") or 0))

    def _throttled(self) -> Iterator[bytes]:
        org = self.handler.org
        started = time.monotonic()
        if self._raw is None:
            self._raw = self._raw_chunks()
        for data in self._raw:
            if self.drop_after is not None and self.raw_bytes + len(data) >= self.drop_after:
                self.dropped = True
                self.handler.drop_connection()
                raise DroppedConnection("fault injection dropped the upload")
            self.raw_bytes += len(data)
            cap = org.faults.bandwidth
            if cap:
                due = started + self.raw_bytes / cap
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)  # server-side throttling of the socket, not a test wait
            yield data

    def raw_stream(self) -> Iterator[bytes]:
        """The body exactly as sent, still compressed if it was."""
        yield from self._throttled()

    def stream(self) -> Iterator[bytes]:
        """The decoded body in chunks (gzip/deflate request bodies are decompressed)."""
        enc = self.content_encoding
        if enc in (None, "identity"):
            yield from self._throttled()
            return
        if enc == "gzip":
            dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            dec = zlib.decompressobj()  # zlib-wrapped; raw deflate is retried below
        else:
            raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", f"Unsupported Content-Encoding: {enc}")
        first = True
        for data in self._throttled():
            try:
                out = dec.decompress(data)
            except zlib.error:
                if first and enc == "deflate":
                    dec = zlib.decompressobj(-zlib.MAX_WBITS)
                    out = dec.decompress(data)
                else:
                    raise ApiError(
                        400, "JSON_PARSER_ERROR", "Unable to decompress the request body"
                    ) from None
            first = False
            if out:
                yield out
        tail = dec.flush()
        if tail:
            yield tail

    def body(self) -> bytes:
        return b"".join(self.stream())

    def json(self) -> Any:
        raw = self.body()
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            raise ApiError(400, "JSON_PARSER_ERROR", "Unexpected character in the JSON body") from None

    def drain(self) -> None:
        """Read and discard whatever body is left so the connection stays usable."""
        if self.dropped:
            return
        if self._raw is None:
            self._raw = self._raw_chunks()
        for _ in self._raw:
            pass

    def wants_gzip(self) -> bool:
        return "gzip" in (self.headers.get("Accept-Encoding") or "").lower()


RouteFn = Callable[[Org, Request, "re.Match[str]"], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    fn: RouteFn
    kind: str  # "api" (bearer token, counted), "public", "oauth", "control"


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], org: Org, routes: list[Route]) -> None:
        super().__init__(address, EmulatorHandler)
        self.org, self.routes = org, routes
        self.connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._conn_lock:
            if alive:
                self.connections.add(conn)
            else:
                self.connections.discard(conn)

    def close_connections(self) -> None:
        """On stop: end idle keep-alive connections so their threads end and clients see a closed socket."""
        with self._conn_lock:
            conns = list(self.connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, delayed ACKs add ~40 ms per response.
    disable_nagle_algorithm = True
    server_version = "SFLoaderEmulator/1.0"
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    @property
    def org(self) -> Org:
        return self.server.org

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def drop_connection(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header tells the org's clock (which tests may move), as a real server's tells its own."""
        return super().date_time_string(self.org.jobs.now() if timestamp is None else timestamp)

    def _handle(self, method: str) -> None:
        req = Request(self, method)
        try:
            self._answer(req)
        finally:
            for done in req.on_finish:
                done()

    def _answer(self, req: Request) -> None:
        from sfloader_gui.emulator.dispatch import dispatch  # late: dispatch imports this module

        control = req.path.startswith("/__emulator__/")
        if not control and self.org.faults.network_down():
            self.drop_connection()  # injected outage: nothing reaches the org, nothing answers
            self._log(req, 0, None)
            return
        try:
            resp = dispatch(self.org, self.server.routes, req)
            req.drain()
        except DroppedConnection:
            self._log(req, 0, None)
            return
        except ApiError as err:
            resp = error_response(err)
            self._safe_drain(req)
        except Exception:  # noqa: BLE001 - any bug becomes a 500 like on a real server
            log.error("emulator handler failed:\n%s", traceback.format_exc())
            resp = json_response(
                500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred."}]
            )
            self._safe_drain(req)
        rule = None if control else self.org.faults.take_answer(req.method, req.path)
        if rule is not None:
            # The org has acted; its answer comes late, or never (a lost answer).
            if rule.hold > 0:
                self.org.processor.stop.wait(rule.hold)
            if rule.drop:
                self.drop_connection()
                self._log(req, 0, None)
                return
        self._send(req, resp)

    def _safe_drain(self, req: Request) -> None:
        try:
            req.drain()
        except DroppedConnection:
            self.close_connection = True

    def _log(self, req: Request, status: int, out_enc: str | None) -> None:
        self.org.stats.log(
            RequestRecord(req.method, req.path, status, req.content_encoding, out_enc, req.raw_bytes)
        )

    def _send(self, req: Request, resp: Response) -> None:
        body = resp.body
        out_enc = None
        gzip_it = resp.compressible and req.wants_gzip()
        if resp.file is not None and not gzip_it:
            self._send_file(req, resp)
            return
        if resp.file is not None:
            with open(resp.file, "rb") as f:
                body = f.read(resp.file_size)
        if body and gzip_it:
            body = gzip.compress(body, compresslevel=1 if len(body) > 8_000_000 else 6)
            out_enc = "gzip"
        self._log(req, resp.status, out_enc)
        try:
            self.send_response(resp.status)
            if resp.content_type and (body or resp.status not in (201, 204)):
                self.send_header("Content-Type", resp.content_type)
            for k, v in resp.headers.items():
                self.send_header(k, v)
            if out_enc:
                self.send_header("Content-Encoding", out_enc)
                self.send_header("Vary", "Accept-Encoding")
            if resp.status != 204:
                self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self._write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send_file(self, req: Request, resp: Response) -> None:
        """Stream a (possibly large) result file without holding it in memory."""
        assert resp.file is not None
        self._log(req, resp.status, resp.headers.get("Content-Encoding"))
        try:
            self.send_response(resp.status)
            if resp.content_type:
                self.send_header("Content-Type", resp.content_type)
            for k, v in resp.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(resp.file_size))
            self.end_headers()
            with open(resp.file, "rb") as f:
                left = resp.file_size
                while left > 0:
                    data = f.read(min(left, _CHUNK))
                    if not data:
                        break
                    left -= len(data)
                    self._write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _write(self, body: bytes) -> None:
        cap = self.org.faults.bandwidth
        if not cap:
            self.wfile.write(body)
            return
        started = time.monotonic()
        step = max(1024, cap // 20)
        for i in range(0, len(body), step):
            self.wfile.write(body[i : i + step])
            delay = started + (i + step) / cap - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # bandwidth cap on the response


def _exactly(rfile: BufferedIOBase, size: int) -> Iterator[bytes]:
    """``size`` bytes of the request body, a chunk at a time; a client gone before the end is a drop."""
    while size > 0:
        data = rfile.read(min(size, _CHUNK))
        if not data:
            raise DroppedConnection("client closed the connection")
        size -= len(data)
        yield data
