"""The Recent runs window: earlier loads from the results folder and the journal; review, open, fetch."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.core.load.history import RunState, RunSummary, fold_retries, list_runs, to_fold
from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.orgs import OrgStore
from sfloader_gui.ui.keyboard import make_keyboard_friendly, name
from sfloader_gui.ui.plain import plain_label, tooltip
from sfloader_gui.ui.tasks import BackgroundTasks

HEADERS = ["Date", "Org", "Object", "Files", "Records", "Succeeded", "Failed", "Not processed", "State"]


def org_names() -> Callable[[str], str]:
    """Instance URL -> the org's name as saved in the app ("Demo org" for the local one)."""
    names: dict[str, str] = {}
    with contextlib.suppress(Exception):  # an unreadable org list only costs the names
        names = {p.instance_url.rstrip("/"): p.name for p in OrgStore().list() if p.instance_url}

    def lookup(url: str) -> str:
        host = urlsplit(url).hostname or ""
        if url.rstrip("/") in names:
            return names[url.rstrip("/")]
        if host in ("127.0.0.1", "localhost", "::1"):
            return "Demo org"
        return host or "—"

    return lookup


def load_runs(results_dir: Path) -> list[RunSummary]:
    """Run folders with the journal's word on jobs left unsettled: manifests only, retries not folded in
    (``fold_retries`` reads result files: the dialog does that in the background)."""
    try:
        with contextlib.closing(Journal()) as journal:
            unsettled = journal.unsettled()
    except Exception:  # noqa: BLE001 - no journal (a fresh machine, a locked file): the folders still tell
        unsettled = []
    return list_runs(results_dir, unsettled)


def _cells(run: RunSummary, org: Callable[[str], str]) -> list[str]:
    """One run's row of the table."""
    succeeded = f"{run.succeeded_now:,}" + (f" ({run.fixed:,} on retry)" if run.fixed else "")
    return [run.when, org(run.instance_url), run.object_name, ", ".join(run.files) or "—",
            f"{run.records:,}", succeeded, f"{run.failed_now:,}", f"{run.unprocessed_now:,}",
            run.state.value + (" (a retry)" if run.retry_of else "")]  # fmt: skip


class RecentRunsDialog(QDialog):
    """Signals:
    review_requested(Path): open this run folder in the failed-record workbench.
    resume_requested(Path): wait for this run's jobs and save their results (``core/load/resume.py``).
    folded(): the rows later retries loaded are in the counts (or could not be read); see ``folding``.

    The list shows at once from the manifests; the retry counts, which read the result files of the retried
    runs (seconds on a million rows), are filled in from ``tasks`` when ready.
    """

    review_requested = Signal(object)
    resume_requested = Signal(object)
    folded = Signal()

    def __init__(
        self, results_dir: Path, parent: QWidget | None = None, tasks: BackgroundTasks | None = None
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks if tasks is not None else BackgroundTasks(max_threads=1, parent=self)
        self.folding = False  # retry counts being read in the background
        self._generation = 0  # the listing a fold belongs to: an older fold's result is dropped
        self.setWindowTitle("Recent runs")
        self.setObjectName("recentRuns")
        self.resize(1100, 480)
        self.results_dir = results_dir
        self.runs: list[RunSummary] = []
        self.opener: Callable[[QUrl], object] = QDesktopServices.openUrl  # tests replace it
        self.where = plain_label()  # folder and file names are data: shown as text
        self.where.setObjectName("hint")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model = QStandardItemModel(0, len(HEADERS), self)
        self.model.setHorizontalHeaderLabels(HEADERS)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        name(self.view, "Recent runs", "One row per load, newest first")
        self.detail = plain_label()
        self.detail.setWordWrap(True)
        self.review_button = QPushButton("Re&view failed records…")
        self.folder_button = QPushButton("Open &folder")
        self.refresh_button = QPushButton("&Refresh")
        self.resume_button = QPushButton("Re&sume")
        self.resume_button.setToolTip(
            "Wait for this run's jobs in Salesforce and save their results in its folder "
            "(nothing is sent again)"
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for b in (self.resume_button, self.review_button, self.folder_button, self.refresh_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.review_button.clicked.connect(self._review)
        self.folder_button.clicked.connect(self._open_folder)
        self.refresh_button.clicked.connect(self.refresh)
        self.resume_button.clicked.connect(self._resume)
        self.resuming: set[Path] = set()  # runs being resumed now (the button waits for them)
        self.view.doubleClicked.connect(lambda _i: self._review())
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update())
        box = QVBoxLayout(self)
        box.addWidget(self.where)
        box.addWidget(self.view, 1)
        box.addWidget(self.detail)
        box.addWidget(buttons)
        make_keyboard_friendly(self)
        self.refresh()

    def refresh(self) -> None:
        """List the runs now; fold the retries' counts in from the background when some run was retried."""
        self.show_runs(load_runs(self.results_dir))

    def show_runs(self, runs: list[RunSummary]) -> None:
        self._generation += 1
        self.runs = runs
        org = org_names()
        self.model.removeRows(0, self.model.rowCount())
        for run in runs:
            items = [QStandardItem(c) for c in _cells(run, org)]
            for item in items[4:8]:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            items[0].setToolTip(tooltip(str(run.folder)))
            self.model.appendRow(items)
        self.folding = bool(to_fold(runs))
        self._say_where()
        if runs:
            self.view.selectRow(0)
        self._update()
        if self.folding:
            generation = self._generation
            self.tasks.submit(
                lambda: fold_retries(runs),
                lambda folded: self._folded(generation, folded),
                lambda message: self._fold_failed(generation, message),
            )

    def _say_where(self, note: str = "") -> None:
        runs, folder = self.runs, self.results_dir
        text = f"{len(runs)} run(s) in {folder}" if runs else f"No runs yet in {folder}."
        if self.folding:
            note = "counting the rows later retries loaded…"
        self.where.setText(text + (f" ({note})" if note else ""))

    def _folded(self, generation: int, runs: list[RunSummary]) -> None:
        """The retry counts are read: update the rows in place (selection and scrolling stay)."""
        if generation != self._generation or len(runs) != len(self.runs):
            return  # listed again meanwhile: that listing's own fold follows
        org = org_names()
        for row, (old, new) in enumerate(zip(self.runs, runs, strict=True)):
            if new != old:
                for col, text in enumerate(_cells(new, org)):
                    self.model.setData(self.model.index(row, col), text)
        self.runs = runs
        self.folding = False
        self._say_where()
        self._update()
        self.folded.emit()

    def _fold_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.folding = False
        self._say_where(f"rows loaded by later retries not counted: {message}")
        self.folded.emit()

    def current(self) -> RunSummary | None:
        row = self.view.currentIndex().row()
        return self.runs[row] if 0 <= row < len(self.runs) else None

    def _update(self) -> None:
        run = self.current()
        self.review_button.setEnabled(run is not None and run.has_failures)
        self.resume_button.setEnabled(run is not None and run.resumable and run.folder not in self.resuming)
        self.folder_button.setEnabled(run is not None)
        if run is None:
            self.detail.setText("")
            return
        lines = [f"{run.run_id}: {run.folder}"]
        if run.state is RunState.TO_FETCH:
            jobs = " ".join(run.to_fetch)
            lines.append(f"The app stopped before saving the results of {len(run.to_fetch)} job(s): fetch "
                         f"them with `sfloader results {jobs}`.")  # fmt: skip
        elif run.state is RunState.NOT_FINISHED:
            lines.append("Still running, or the app stopped during it: its manifest has no finish time.")
        if run.fixed:
            left = run.failed_now + run.unprocessed_now
            lines.append(f"Later retries loaded {run.fixed:,} of its {run.failed + run.unprocessed:,} failed "
                         f"rows; {left:,} still to fix.")  # fmt: skip
        if run.folder in self.resuming:
            lines.append("Resuming: waiting for its jobs in Salesforce…")
        elif run.resumable:
            lines.append("Resume waits for its jobs and saves their results here; nothing is sent again.")
        self.detail.setText("\n".join(lines))

    def _resume(self) -> None:
        run = self.current()
        if run is not None and run.resumable and run.folder not in self.resuming:
            self.resuming.add(run.folder)
            self._update()
            self.resume_requested.emit(run.folder)

    def resumed(self, folder: Path) -> None:
        """The window finished resuming ``folder`` (or gave up): show the run as it is now."""
        self.resuming.discard(folder)
        self.refresh()

    def _review(self) -> None:
        run = self.current()
        if run is not None and run.has_failures:
            self.review_requested.emit(run.folder)

    def _open_folder(self) -> None:
        run = self.current()
        if run is not None:
            self.opener(QUrl.fromLocalFile(str(run.folder)))
