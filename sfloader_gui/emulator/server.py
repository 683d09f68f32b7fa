"""EmulatorServer: the demo org over HTTP on a background thread; usable as a context manager.

with EmulatorServer(EmulatorConfig(db_path=path)) as org:
    org.instance_url, org.access_token, org.faults, org.stats, org.expire_tokens()
"""

from __future__ import annotations

import threading

from sfloader_gui.emulator import api_control, api_jobs, api_oauth, api_rest
from sfloader_gui.emulator.faults import Faults
from sfloader_gui.emulator.http import EmulatorHTTPServer, Route
from sfloader_gui.emulator.jobs import TERMINAL, Job
from sfloader_gui.emulator.org import EmulatorConfig, Org
from sfloader_gui.emulator.stats import Stats

__all__ = ["EmulatorConfig", "EmulatorServer"]

ROUTES: list[Route] = [*api_jobs.ROUTES, *api_rest.ROUTES, *api_oauth.ROUTES, *api_control.ROUTES]


class EmulatorServer:
    """A running local org. start()/stop() or `with`; stop() is idempotent."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.org: Org | None = None
        self._http: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> EmulatorServer:
        org = Org(self.config)
        http = EmulatorHTTPServer((self.config.host, self.config.port), org, ROUTES)
        host, port = http.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(
            host, host
        )  # a wildcard bind is reached via loopback
        shown = f"[{host}]" if ":" in host else host
        org.instance_url = f"http://{shown}:{port}"
        self.org, self._http = org, http
        self._thread = threading.Thread(
            target=http.serve_forever, args=(0.05,), name="emulator-http", daemon=True
        )
        self._thread.start()
        org.processor.resume_all()
        return self

    def stop(self) -> None:
        if self._http is None or self.org is None:
            return
        self._http.shutdown()
        self._http.close_connections()
        self._http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.org.close()
        self._http = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _org(self) -> Org:
        if self.org is None:
            raise RuntimeError("the emulator is not running: call start() first")
        return self.org

    @property
    def instance_url(self) -> str:
        return self._org().instance_url

    @property
    def access_token(self) -> str:
        return self._org().access_token

    @property
    def faults(self) -> Faults:
        return self._org().faults

    @property
    def stats(self) -> Stats:
        return self._org().stats

    @property
    def port(self) -> int:
        return int(self.instance_url.rsplit(":", 1)[1])

    def expire_tokens(self) -> None:
        """Every access token issued so far now gets 401 INVALID_SESSION_ID; refresh tokens still work."""
        self._org().auth.expire_tokens()

    def wait_job(self, job_id: str, states: tuple[str, ...] = TERMINAL, timeout: float = 30.0) -> Job:
        """Block until a job reaches one of `states` (default: JobComplete, Failed or Aborted)."""
        return self._org().jobs.wait(job_id, states, timeout)

    def token_for_user(self, user_id: str | None = None) -> tuple[str, str]:
        """An access token for another user of the org (its jobs are not the default user's)."""
        return self._org().auth.token_for_user(user_id)

    def wait_long_requests(self, n: int, timeout: float = 30.0) -> None:
        """Block until `n` API calls are in flight past the org's long-request threshold."""
        self._org().long_requests.wait_long(n, timeout)

    def advance_clock(self, seconds: float) -> None:
        """Move the org's clock (job expiry rules) forward."""
        self._org().jobs.clock_offset += seconds
