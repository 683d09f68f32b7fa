"""HTTP sessions for logins: certificates always checked, corporate CA bundle, env proxies."""

from __future__ import annotations

from pathlib import Path

import requests
from requests.auth import AuthBase

from sfloader_gui import __version__

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
    session.auth = NoAuth()
    session.verify = tls_verify(ca_bundle)
    session.headers["User-Agent"] = f"sfloader-gui/{__version__}"
    session.headers["Accept"] = "application/json"
    return session


def apply_ca_bundle(session: requests.Session, ca_bundle: str) -> None:
    """Use the corporate CA bundle on another session too (the Salesforce connection's)."""
    session.verify = tls_verify(ca_bundle)
