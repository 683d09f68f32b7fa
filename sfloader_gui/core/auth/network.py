"""HTTP sessions for logins: certificates always checked, corporate CA bundle, env proxies."""

from __future__ import annotations

from pathlib import Path

import requests
from requests.auth import AuthBase

from sfloader_gui import __version__
from sfloader_gui.core.salesforce import tls
from sfloader_gui.core.salesforce.errors import AuthError

TIMEOUT = (10.0, 60.0)  # (connect, read) seconds for login calls


class NoAuth(AuthBase):
    """Stops requests from adding ``~/.netrc`` credentials to calls to the login host."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


def tls_verify(ca_bundle: str = "") -> str | bool:
    """What to pass as ``verify=``: the CA bundle file if one is set, else True. Never False.

    Passed per request because requests lets ``REQUESTS_CA_BUNDLE`` override ``Session.verify``.
    """
    if ca_bundle:
        if not Path(ca_bundle).is_file():
            raise FileNotFoundError(
                f"The CA bundle {ca_bundle} set in the network settings does not exist. Choose the PEM file "
                "your IT department gave you, or clear the setting."
            )
        return ca_bundle
    return True


def new_session(ca_bundle: str = "") -> requests.Session:
    """A session for login calls. ``trust_env`` stays on so ``HTTPS_PROXY``/``NO_PROXY`` are honoured."""
    session = requests.Session()
    tls.mount(session)  # the OS trust store unless a CA bundle is set
    session.auth = NoAuth()
    session.verify = tls_verify(ca_bundle)
    session.headers["User-Agent"] = f"sfloader-gui/{__version__}"
    session.headers["Accept"] = "application/json"
    return session


def network_failure(url: str, exc: requests.RequestException) -> AuthError:
    """A sentence for a call that got no answer: a certificate problem says how to fix it."""
    if isinstance(exc, requests.exceptions.SSLError):
        return AuthError(tls.certificate_problem(url, exc))
    return AuthError(f"Could not reach {url} ({type(exc).__name__}). Check the address and the network.")


def apply_ca_bundle(session: requests.Session, ca_bundle: str) -> None:
    """Use the corporate CA bundle on another session too (the Salesforce connection's)."""
    session.verify = tls_verify(ca_bundle)
