"""The workbench's retry hook bound to one org connection (what the main window passes in)."""

from __future__ import annotations

from pathlib import Path

from sfloader_gui.core.review.relaunch import launch_retry
from sfloader_gui.core.review.retry import RetryBatch
from sfloader_gui.core.review.session import ReviewSession
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.ui.failures.window import RetryLauncher


def make_retry_launcher(conn: SalesforceConnection | None) -> RetryLauncher | None:
    """``retry_launcher`` for ``open_workbench``: runs the retry through the engine on a worker thread.

    The connection must be to the org the run went to; the workbench checks nothing else, so the caller
    passes None while not connected (the workbench then explains why it cannot retry).
    """
    if conn is None:
        return None

    def launch(session: ReviewSession, batches: list[RetryBatch]) -> Path:
        instance = str(session.manifest.get("instance_url") or "")
        if instance and instance.rstrip("/") != conn.instance_url.rstrip("/"):
            raise ValueError(
                f"This run went to {instance}, but the app is connected to {conn.instance_url}. "
                "Connect to the run's org to retry its rows."
            )
        return launch_retry(conn, session, batches).run_dir

    return launch
