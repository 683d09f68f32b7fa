"""Salesforce row errors (``sf__Error``) split into status code, message and fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class RowError:
    """``REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --`` in its three parts."""

    code: str
    message: str
    fields: str  # space-separated field API names, "" when the error names none

    @property
    def key(self) -> tuple[str, str]:
        """What failures are grouped by: the same code and the same wording once row values are masked."""
        return (self.code, message_pattern(self.message))


_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
# Values inside messages: ids and numbers such as ACC-9999, 31/12/1980, 12.5 (not API names like Field_2__c).
_VALUE = re.compile(r"(?<![\w.])[\w.@/+-]*\d[\w.@/+-]*(?<!__c)(?<!__r)(?![\w])")
ELLIPSIS = "…"


def message_pattern(message: str) -> str:
    """The message with the row's own values masked, so one cause is one group.

    Salesforce often puts the offending value in the message (``Email: invalid email address: x@y``,
    ``Foreign key external ID: ACC-9999 not found ...``). ``Field: what is wrong: value`` keeps the
    first two parts; quoted text and tokens with digits become ``…``.
    """
    parts = message.split(": ")
    text = ": ".join([*parts[:2], ELLIPSIS]) if len(parts) >= 3 else message
    text = _QUOTED.sub(ELLIPSIS, text)
    return _VALUE.sub(ELLIPSIS, text)


@lru_cache(maxsize=4096)  # the same few error texts repeat on thousands of rows
def parse_error(text: str) -> RowError:
    """Split ``STATUS_CODE:message:fields --`` (or ``...:--`` when no field is named).

    The message itself may contain colons, so the fields are what follows the *last* colon, and only
    when the text ends with Salesforce's `` --`` / ``:--`` marker; anything else is kept whole.
    """
    text = text.strip()
    code, sep, rest = text.partition(":")
    if not sep or not code or " " in code:
        return RowError(code="UNKNOWN", message=text, fields="")
    if rest.endswith("--"):
        body = rest[:-2].rstrip()
        message, colon, fields = body.rpartition(":")
        if colon:
            return RowError(code=code, message=message.strip(), fields=fields.strip())
        return RowError(code=code, message=body.strip(), fields="")
    return RowError(code=code, message=rest.strip(), fields="")


def unprocessed_error(job_state: str, job_message: str | None) -> RowError:
    """The stand-in error of rows a failed or aborted job never processed."""
    why = f"the job ended {job_state}" + (f": {job_message}" if job_message else "")
    return RowError(code="NOT_PROCESSED", message=f"Not processed ({why})", fields="")
