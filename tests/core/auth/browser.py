"""A stand-in for the user's browser, driven by requests: open the authorize URL, submit the consent page."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin

import requests


class ScriptedBrowser:
    """Callable like ``webbrowser.open``: follows the consent page and the redirect to the loopback listener.

    ``tamper`` lets a test rewrite the final redirect URL (a forged ``state``) before it is visited;
    ``forged_first`` visits such a forged copy (another program racing the browser) before the real one.
    """

    def __init__(self, decision: str = "allow", tamper: object = None, forged_first: bool = False) -> None:
        self.decision = decision
        self.tamper = tamper
        self.forged_first = forged_first
        self.opened: list[str] = []
        self.final_page: requests.Response | None = None
        self.forged_page: requests.Response | None = None

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        with requests.Session() as web:
            page = web.get(url, allow_redirects=False, timeout=10)
            if page.status_code == 200:  # the consent page: submit its form as the user would
                fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
                form = {unescape(k): unescape(v) for k, v in fields.items()}
                form["decision"] = self.decision
                action = re.search(r'<form method="post" action="([^"]+)"', page.text)
                assert action, "the consent page has a form"
                page = web.post(urljoin(url, action.group(1)), data=form, allow_redirects=False, timeout=10)
            assert page.status_code == 302, page.text
            location = page.headers["Location"]
            if callable(self.tamper):
                location = self.tamper(location)
            if self.forged_first:
                forged = re.sub(r"state=[^&]+", "state=forged", location)
                self.forged_page = requests.get(forged.replace("code=", "code=attacker"), timeout=10)
            # Browsers may resolve localhost to ::1 first; the listener is on 127.0.0.1 as the issue asks.
            self.final_page = web.get(location.replace("//localhost:", "//127.0.0.1:"), timeout=10)
        return True
