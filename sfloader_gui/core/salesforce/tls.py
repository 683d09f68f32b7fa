"""TLS: verify against the operating system's trust store (truststore) unless a CA bundle is set.

requests verifies against certifi's bundle, which knows nothing of the root certificate a company's
TLS-inspecting proxy installs in the operating system; truststore asks the OS (Windows CryptoAPI, macOS
Security framework, the system OpenSSL paths on Linux), as a browser does. A CA bundle the user set
(the network setting, or REQUESTS_CA_BUNDLE) is used as it is instead.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import truststore
from requests.adapters import HTTPAdapter


class SystemTrustAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose HTTPS connections verify with the OS trust store; a request that names a CA
    bundle file (``verify="/path.pem"``) goes through a plain adapter that uses that bundle."""

    def __init__(self, pool_connections: int = 10, pool_maxsize: int = 10) -> None:
        self._plain = HTTPAdapter(pool_connections=pool_connections, pool_maxsize=pool_maxsize, max_retries=0)
        super().__init__(pool_connections=pool_connections, pool_maxsize=pool_maxsize, max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **kwargs: Any) -> None:
        kwargs["ssl_context"] = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        super().init_poolmanager(connections, maxsize, block, **kwargs)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return super().proxy_manager_for(proxy, **kwargs)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        # A CA bundle was set (the network setting, REQUESTS_CA_BUNDLE): it alone decides.
        if isinstance(verify, str):
            return self._plain.send(request, stream, timeout, verify, cert, proxies)
        return super().send(request, stream, timeout, verify, cert, proxies)

    def close(self) -> None:
        self._plain.close()
        super().close()


def certificate_problem(url: str, exc: BaseException) -> str:
    """A sentence for a certificate that could not be verified: which host, why, and what to do."""
    host = urlsplit(url).hostname or url
    reason = _reason(exc)
    return (
        f"The TLS certificate of {host} could not be verified ({reason}). If your company inspects HTTPS "
        "through a proxy, set its root certificate (a PEM file from your IT department) as the CA bundle "
        "in the network settings (or REQUESTS_CA_BUNDLE for the sfloader command). Certificate checks are "
        "never turned off."
    )


def _reason(exc: BaseException) -> str:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, ssl.SSLCertVerificationError):
            return str(e.verify_message or e.reason or e)
        todo += [e.__cause__, e.__context__, *(a for a in e.args if isinstance(a, BaseException))]
        reason = getattr(e, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
    return "the certificate chain is not trusted or does not match the host"


def mount(session: requests.Session, pool_size: int = 10) -> None:
    """Mount the OS-trust adapter for https:// and a plain one for http:// (a local emulator)."""
    session.mount("https://", SystemTrustAdapter(pool_connections=4, pool_maxsize=pool_size))
    session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0))
