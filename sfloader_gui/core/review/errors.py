"""Salesforce row errors (``sf__Error``) split into status code, message and fields."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """``REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --`` in its three parts."""

    code: str
    message: str
    fields: str  # space-separated field API names, "" when the error names none

    @property
    def key(self) -> tuple[str, str]:
        """What failures are grouped by: the same cause with the same wording."""
        return (self.code, self.message)


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
