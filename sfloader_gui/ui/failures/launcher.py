"""The workbench's retry bound to one org: a core ``LoadRun`` started through the app's load controller."""

from __future__ import annotations

from PySide6.QtCore import SignalInstance

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.run import LoadRun
from sfloader_gui.core.review.relaunch import prepare_retry
from sfloader_gui.core.review.retry import RetryBatch, RetryError
from sfloader_gui.core.review.session import ReviewSession
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.ui.load.controller import LoadController


class RetryLauncher:
    """What ``open_workbench`` gets from the main window: retries run as loads of the app, with the jobs
    table, Cancel and the job journal, so the workbench neither runs nor waits for them.

    ``prepare`` runs on a worker thread (it writes and hashes the retry files); ``start`` on the UI thread.
    """

    def __init__(
        self, conn: SalesforceConnection, controller: LoadController, journal: Journal | None
    ) -> None:
        self.conn, self.controller, self.journal = conn, controller, journal

    @property
    def finished(self) -> SignalInstance:
        """Emitted with the controller's ``RunResult`` when a run (this retry or another load) ended."""
        return self.controller.run_finished

    def prepare(self, session: ReviewSession, batches: list[RetryBatch]) -> LoadRun:
        instance = session.instance_url
        if instance and instance.rstrip("/") != self.conn.instance_url.rstrip("/"):
            raise RetryError(
                f"This run went to {instance}, but the app is connected to {self.conn.instance_url}. "
                "Connect to the run's org to retry its rows."
            )
        self.check_idle()
        return prepare_retry(self.conn, session, batches, journal=self.journal)

    def start(self, run: LoadRun) -> None:
        """Hand the run to the load controller; a load that started meanwhile makes it "not sent"."""
        try:
            self.check_idle()
        except RetryError:
            run.cancel()
            run.finish()  # the folder says so: every row not sent, nothing left looking under way
            raise
        self.controller.start(run, label=f"the retry of {run.retry_of or 'a run'}")

    def check_idle(self) -> None:
        if self.controller.running:
            raise RetryError("A load is running in the main window: retry when it has finished.")


def make_retry_launcher(
    conn: SalesforceConnection | None, controller: LoadController, journal: Journal | None
) -> RetryLauncher | None:
    """None while not connected (the workbench then explains why it cannot retry)."""
    return None if conn is None else RetryLauncher(conn, controller, journal)
