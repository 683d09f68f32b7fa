"""Instance and login URL checks: https only, plain http only for the local demo org on loopback."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

PRODUCTION_LOGIN_URL = "https://login.salesforce.com"
SANDBOX_LOGIN_URL = "https://test.salesforce.com"

_LOOPBACK_NAMES = {"localhost"}


class UrlError(ValueError):
    """A URL the user typed cannot be used; the message says why and what is expected."""


def is_loopback_host(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_instance_url(url: str, *, allow_loopback_http: bool = False, what: str = "Instance URL") -> str:
    """Return ``url`` as ``scheme://host[:port]`` or raise ``UrlError`` with a sentence for the user.

    Salesforce is only reachable over https. Plain http is accepted only for a loopback host and only
    when ``allow_loopback_http`` is set (the local demo org), so a typo can never send a token in clear.
    """
    text = url.strip()
    if not text:
        raise UrlError(f"{what} is empty. Enter an address like https://yourcompany.my.salesforce.com.")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = parts.hostname or ""
    if not host:
        raise UrlError(f"{what} {url!r} has no host name. Enter https://yourcompany.my.salesforce.com.")
    if parts.username or parts.password:
        raise UrlError(f"{what} must not contain a user name or password; remove the part before '@'.")
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise UrlError(
            f"{what} {url!r} must be just the address of the org, without a path "
            f"(for example https://{host})."
        )
    try:
        port = parts.port
    except ValueError:
        raise UrlError(f"{what} {url!r} has an invalid port number.") from None
    scheme = parts.scheme.lower()
    if scheme == "http":
        if not (allow_loopback_http and is_loopback_host(host)):
            raise UrlError(
                f"{what} {url!r} uses http. Salesforce needs https (https://{host}); plain http is only "
                "allowed for the local demo org on this computer."
            )
    elif scheme != "https":
        raise UrlError(f"{what} {url!r} must start with https://.")
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:  # IPv6 literal
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    return f"{scheme}://{netloc}"


def my_domain_url(name_or_url: str) -> str:
    """Accept ``acme`` or ``acme.my.salesforce.com`` or a full URL and return the https My Domain URL."""
    text = name_or_url.strip()
    if text and "." not in text and "://" not in text:
        text = f"{text}.my.salesforce.com"
    return validate_instance_url(text, what="My Domain URL")
