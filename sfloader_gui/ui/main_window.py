"""The main window: connection bar, pickers, files, options, Load/Cancel, jobs and log, wired together."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.models import CancelToken, LoadOptions
from sfloader_gui.core.review.standing import RunStanding, standing
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.settings import AppSettings, save_settings
from sfloader_gui.ui.connection_bar import ConnectionBar
from sfloader_gui.ui.files.checker import FileChecker
from sfloader_gui.ui.files.files_model import FileEntry, FilesModel
from sfloader_gui.ui.files.files_panel import FilesPanel
from sfloader_gui.ui.keyboard import make_keyboard_friendly, name
from sfloader_gui.ui.load import engine_bridge as engine
from sfloader_gui.ui.load.cancel_dialog import CancelChoice, ask_cancel_choice
from sfloader_gui.ui.load.controller import LoadController, RunResult
from sfloader_gui.ui.load.jobs_model import JobsModel
from sfloader_gui.ui.load.jobs_panel import JobsPanel
from sfloader_gui.ui.load.summary import run_verdict, summary_text
from sfloader_gui.ui.log_pane import LogPane
from sfloader_gui.ui.notify import Notifier
from sfloader_gui.ui.options_panel import OptionsPanel
from sfloader_gui.ui.orgs import OrgsController
from sfloader_gui.ui.orgs.org_manager import OrgManagerDialog
from sfloader_gui.ui.pickers import SearchablePicker
from sfloader_gui.ui.plain import plain_label, warn
from sfloader_gui.ui.resources import SAMPLE_SETS, sample_files
from sfloader_gui.ui.settings_dialog import SettingsDialog
from sfloader_gui.ui.tasks import BackgroundTasks

if TYPE_CHECKING:  # imported when first used
    from sfloader_gui.core.load.resume import ResumeResult
    from sfloader_gui.ui.runs import RecentRunsDialog

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Signals:
    load_finished(RunResult): a run ended (tests and --quit-when-done wait for it).
    """

    load_finished = Signal(object)

    def __init__(self, settings: AppSettings, orgs: OrgsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.orgs = orgs
        self.setWindowTitle("sfloader — load CSV files into Salesforce")
        self.tasks = BackgroundTasks(max_threads=4, parent=self)
        self.jobs_model = JobsModel(self)
        self.controller = LoadController(self.jobs_model, self.tasks, self)
        self.files_model = FilesModel(self)
        self.checker = FileChecker(self.tasks, self.files_model, self)
        self.notifier = Notifier(self)
        self.last_result: RunResult | None = None
        self.poll_override_s: float | None = None  # the demo org polls faster than a real org needs
        self._close_when_idle = False
        self._workbenches: list[QWidget] = []
        self._recent_runs: RecentRunsDialog | None = None  # the Recent runs window, made on first use
        self._origin: Path | None = None  # the last load's run folder (workbench retries report to it)
        self._resume_cancel = CancelToken()  # stops resumes still waiting when the window closes
        self._journal: Journal | None = None  # opened at the first load; every run of this window uses it
        self._build()
        self._wire()
        self._keyboard()
        self._update_load_state()
        self.resize(1280, 800)

    # -- layout --------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.bar = ConnectionBar()
        self.object_picker = SearchablePicker(self.tasks, "objects")
        self.extid_picker = SearchablePicker(self.tasks, "External ID fields")
        target = QGroupBox("1. What to load into")
        form = QHBoxLayout(target)
        left, right = QFormLayout(), QFormLayout()
        left.addRow("&Object:", self.object_picker)  # Alt+O / Alt+X jump to the pickers
        right.addRow("E&xternal ID:", self.extid_picker)
        for layout, picker in ((left, self.object_picker), (right, self.extid_picker)):
            label = layout.labelForField(picker)
            if isinstance(label, QLabel):  # the mnemonic focuses the box itself, not its container
                label.setBuddy(picker.combo)
        form.addLayout(left, 1)
        form.addSpacing(16)
        form.addLayout(right, 1)

        self.files_panel = FilesPanel(self.files_model)
        files_box = QGroupBox("2. Files")
        QVBoxLayout(files_box).addWidget(self.files_panel)

        self.options = OptionsPanel(self.settings)
        self.load_button = QPushButton(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowUp), "&Load")
        self.load_button.setObjectName("loadButton")
        self.load_button.setDefault(True)
        self.load_button.setMinimumWidth(120)
        self.cancel_button = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserStop), "&Cancel"
        )
        self.cancel_button.setEnabled(False)
        self.load_reason = plain_label()  # quotes file names and headers: shown as text, never HTML
        self.load_reason.setObjectName("loadReason")
        self.load_reason.setWordWrap(True)
        run_box = QGroupBox("3. Options and load")
        run_layout = QVBoxLayout(run_box)
        run_layout.addWidget(self.options)
        actions = QHBoxLayout()
        actions.addWidget(self.load_reason, 1)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.load_button)
        run_layout.addLayout(actions)

        self.jobs_panel = JobsPanel(self.jobs_model)
        self.log_pane = LogPane()
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.addTab(self.jobs_panel, "Jobs")
        self.bottom_tabs.addTab(self.log_pane, "Log")
        self.bottom_tabs.setMinimumHeight(150)  # a few jobs and the summary line stay in view

        top = QWidget()
        top_box = QVBoxLayout(top)
        top_box.setContentsMargins(0, 0, 0, 0)
        top_box.addWidget(target)
        top_box.addWidget(files_box, 1)
        top_box.addWidget(run_box)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.bottom_tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(10, 10, 10, 6)
        box.setSpacing(8)
        box.addWidget(self.bar)
        box.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Ready.")
        self.jobs_panel.summary.setText(summary_text([], 0.0, False))

    def _wire(self) -> None:
        self.bar.settings_requested.connect(self.open_settings)
        self.object_picker.value_changed.connect(self._object_changed)
        self.extid_picker.value_changed.connect(self._extid_changed)
        self.files_panel.files_added.connect(self.checker.inspect)
        self.files_panel.files_changed.connect(self._inputs_changed)
        self.files_panel.recheck_requested.connect(self._inputs_changed)
        self.files_panel.samples_requested.connect(self.add_samples)
        self.files_panel.review_requested.connect(self.open_review_folder)
        self.checker.changed.connect(self._update_load_state)
        self.options.changed.connect(self._options_changed)
        self.load_button.clicked.connect(self.start_load)
        self.cancel_button.clicked.connect(self.request_cancel)
        self.controller.run_started.connect(self._run_started)
        self.controller.changed.connect(self._refresh_summary)
        self.controller.run_finished.connect(self._run_finished)
        self.jobs_panel.review_button.clicked.connect(self.open_review)
        self.jobs_panel.recent_button.clicked.connect(self.open_recent_runs)

    def _keyboard(self) -> None:
        """Shortcuts, mnemonics and names for keyboard and screen-reader users."""
        make_keyboard_friendly(self)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):  # Enter on the main keys and on the keypad
            QShortcut(QKeySequence(keys), self, self.start_load)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Open), self, lambda: self.files_panel.choose_files())
        self.load_button.setToolTip("Load the files into the org (Ctrl+Enter)")
        self.load_button.setAccessibleName("Load")
        self.cancel_button.setAccessibleName("Cancel the load")
        name(self.object_picker.combo, "Object", "The Salesforce object to load into; type to search")
        name(self.extid_picker.combo, "External ID field", "The field that identifies each record")
        name(self.jobs_panel.view, "Jobs", "One row per Salesforce job of the load")
        name(self.bottom_tabs, "Jobs and log")
        name(self.options.jobs, "Parallel jobs")
        name(self.options.uploads, "Uploads at once", "How many parts are uploaded at the same time")
        name(self.options.output, "Results folder")
        name(self.files_panel.details, "File preview and pre-flight findings")

    # -- the seam for the orgs work ------------------------------------------------------------------------
    def open_switch_dialog(self) -> OrgManagerDialog:
        """The org manager over this window (answers the bar's Switch org…)."""
        dialog = self.orgs.open_dialog(self, self)
        dialog.demo_requested.connect(self.bar.demo_requested)  # "Try the demo org" does the rest
        dialog.open()
        return dialog

    def relogin(self) -> OrgManagerDialog:
        """One click from the bar: the org dialog on the last org, its login already started."""
        dialog = self.open_switch_dialog()
        if dialog.selected() is not None:
            dialog.log_in(force=True)
        return dialog

    def reconnect_last(self) -> bool:
        """At start: back to the org used last, from the keyring (False: there is none)."""
        return self.orgs.reconnect_last(self, self.bar, self.tasks)

    def show_notice(self, text: str) -> None:
        """A line the orgs work wants the user to read (a login that could not be saved, ...)."""
        self.statusBar().showMessage(text, 30_000)

    def set_connection(
        self, conn: SalesforceConnection | None, org_label: str, environment: str, username: str = ""
    ) -> None:
        """Use ``conn`` (a ``SalesforceConnection``) from now on; reloads the object list."""
        if self.controller.running:
            QMessageBox.warning(self, "Switch org", "Wait for the load to finish (or cancel it) first.")
            return
        self.bar.set_connection(conn, org_label, environment, username)
        self.checker.set_connection(conn)
        self.jobs_panel.set_run_folder(None)
        if conn is None:
            self.object_picker.clear("Connect to an org to list objects.")
        else:
            if self.settings.reconnect_demo:
                self._save(reconnect_demo=False)  # another org now (the demo sets it again for itself)
            log.info("Connected to %s (%s).", org_label or conn.instance_url, environment)
            self.tasks.submit(lambda: engine.reconcile_org(conn), self._report_reconcile, lambda _m: None)
            self.object_picker.load(lambda: engine.object_choices(conn), select=self.settings.last_object)
        self.extid_picker.clear("Choose an object first.")
        self._update_load_state()

    def _report_reconcile(self, lines: list[str]) -> None:
        """What an earlier, crashed session left in this org: strays aborted, results still to fetch."""
        for line in lines:
            log.warning("Earlier session: %s", line)
        if any(" is still " in line or " ended " in line for line in lines):
            log.warning("Fetch the results of those jobs with: sfloader results JOB_ID")

    @property
    def connection(self) -> SalesforceConnection | None:
        return self.bar.connection

    # -- demo samples --------------------------------------------------------------------------------------
    def enable_samples(self, on: bool = True) -> None:
        self.files_panel.show_samples_button(on)

    def add_samples(self, with_errors: bool = False) -> None:
        """Add the chosen object's clean sample file, or the one with errors (Account's when the org has
        no samples for the chosen object)."""
        chosen = self.object_picker.value
        object_name = chosen if chosen in SAMPLE_SETS else "Account"
        external_id, files = sample_files(object_name, with_errors=with_errors)
        if chosen != object_name:
            self._save(last_external_id=external_id)
            self.object_picker.want(object_name)
        elif self.extid_picker.value != external_id:
            self.extid_picker.want(external_id)
        self.files_panel.add_paths(files)

    # -- inputs --------------------------------------------------------------------------------------------
    def _object_changed(self, name: str) -> None:
        conn = self.connection
        if name and conn is not None:
            self._save(last_object=name)
            self.extid_picker.load(
                lambda: engine.external_id_choices(conn, name), select=self.settings.last_external_id
            )
        else:
            self.extid_picker.clear("Choose an object first.")
        self._inputs_changed()

    def _extid_changed(self, name: str) -> None:
        if name:
            self._save(last_external_id=name)
        self._inputs_changed()

    def _options_changed(self) -> None:
        self.settings = self.options.update_settings(self.settings)
        self._persist()
        self._inputs_changed()

    def _inputs_changed(self) -> None:
        self.checker.schedule(self.object_picker.value, self.extid_picker.value, self.load_options_or_none())
        self._update_load_state()

    def load_options_or_none(self) -> LoadOptions | None:
        try:
            return self._load_options()
        except ValueError:
            return None

    def _load_options(self) -> LoadOptions:
        return engine.load_options(
            self.settings, self.object_picker.value, self.extid_picker.value, self.poll_override_s,
            self.files_panel.details.mapping.choices(),
        )  # fmt: skip

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.settings = dialog.result_settings()
            self._persist()
            log.info(
                "Settings saved: poll every %.1f s, stop waiting after %d min, parts up to %d MB.",
                self.settings.poll_interval_s,
                round(self.settings.timeout_s / 60),
                self.settings.part_size_mb,
            )
            self._inputs_changed()

    def remember(self, **changes: Any) -> None:
        """Change settings and save them (start-up choices such as returning to the demo org)."""
        self._save(**changes)

    def _save(self, **changes: Any) -> None:
        self.settings = self.settings.with_changes(**changes)
        self._persist()

    def _persist(self) -> None:
        try:
            save_settings(self.settings)
        except OSError as exc:
            log.warning("Settings could not be saved (%s); they apply until the app closes.", exc)

    # -- Load state ----------------------------------------------------------------------------------------
    def blocking_reason(self) -> str:
        """Why Load is disabled ('' when it is enabled)."""
        if self.controller.running:
            if self.controller.cancelling:
                return "Cancelling: waiting for the running jobs to stop…"
            return "Loading… Cancel stops it; the table below shows each job."
        if self.connection is None:
            return "Connect to an org first (Switch org…, or Try the demo org)."
        if not self.object_picker.value:
            return "Choose the object to load into."
        if not self.extid_picker.value:
            return "Choose the External ID field that identifies each record."
        if self.files_model.rowCount() == 0:
            return "Add at least one CSV file."
        return self.checker.blocking_reason()

    def _ready_text(self) -> str:
        entries = self.files_model.entries()
        loaded = [e for e in entries if e.loaded_now() is not None]
        if not loaded:
            return f"Ready to load {len(entries)} file(s)."
        if len(loaded) == len(entries):
            return f"Loaded: {len(loaded)} file(s) went to Salesforce. Load sends them again (it asks first)."
        return (
            f"Ready to load {len(entries)} file(s); {len(loaded)} of them were loaded already "
            "(Load asks before sending them again)."
        )

    def _update_load_state(self) -> None:
        reason = self.blocking_reason()
        running = self.controller.running
        self.load_button.setEnabled(not reason)
        self.load_reason.setText(reason or self._ready_text())
        self.load_reason.setStyleSheet(
            "color: #b3261e;" if reason and self.checker.has_errors and not running else ""
        )
        self.cancel_button.setEnabled(running and not self.controller.cancelling)
        locked = running
        self.files_panel.set_locked(locked)
        for w in (
            self.object_picker,
            self.extid_picker,
            self.options,
            self.bar.switch_button,
            self.bar.demo_button,
        ):
            w.setEnabled(not locked)

    # -- running -------------------------------------------------------------------------------------------
    def start_load(self) -> None:
        reason = self.blocking_reason()
        if reason:
            self.statusBar().showMessage(reason)
            return
        if not self.confirm_production_load():
            self.statusBar().showMessage("Load not started: the production org was not confirmed.")
            return
        again = [e for e in self.files_model.entries() if e.loaded_now() is not None]
        if again and not self.confirm_resend(again):
            self.statusBar().showMessage("Load not started: those files were loaded already.")
            return
        options, plan, conn = self._load_options(), self.checker.current_plan(), self.connection
        assert plan is not None and conn is not None, "blocking_reason() says Load waits for both"
        try:
            run = engine.prepare_run(conn, plan, options, self.settings.output_path(), self.journal())
        except (OSError, ValueError) as exc:
            warn(self, "Cannot start the load", str(exc))
            return
        self.controller.start(run)

    def journal(self) -> Journal | None:
        if self._journal is None:
            self._journal = engine.open_journal()
        return self._journal

    def _run_started(self) -> None:
        """A load, or a retry the workbench handed to the controller, is under way."""
        self.jobs_panel.set_run_folder(None)
        self.bottom_tabs.setCurrentWidget(self.jobs_panel)
        self.statusBar().showMessage(f"Loading into {self.controller.object_name}…")
        self._update_load_state()
        self._refresh_summary()

    def confirm_resend(self, entries: list[FileEntry]) -> bool:
        """Ask before sending files a run of this session already sent (tests replace this method)."""
        lines = []
        for entry in entries[:6]:
            mark = entry.loaded_now()
            assert mark is not None
            lines.append(f"• {entry.path.name}: run {mark.run_id}, {mark.success + mark.fixed:,} succeeded, "
                         f"{mark.left:,} failed")  # fmt: skip
        box = QMessageBox(QMessageBox.Icon.Question, "Load the same files again?",
                          "These files were loaded already:\n" + "\n".join(lines), parent=self)  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)  # file names are data, not HTML
        box.setInformativeText(
            "Loading again sends every row to Salesforce again (existing records are updated). To send "
            "only the rows that failed, use Review failed records… and Retry."
        )
        again = box.addButton("Load again", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is again

    def confirm_production_load(self) -> bool:
        """The first load of a session into a production org asks for a typed confirmation (orgs work)."""
        if self.bar.environment != "production":
            return True
        records = sum(e.rows or 0 for e in self.files_model.entries())
        conn = self.connection
        return self.orgs.guard.confirm_load(
            self, str(getattr(conn, "instance_url", "")), self.bar.org_label.text(), "production", records
        )

    def ask_cancel_choice(self, closing: bool = False) -> CancelChoice:
        """Ask what Cancel means (tests replace this method)."""
        return ask_cancel_choice(self, closing)

    def request_cancel(self, closing: bool = False) -> bool:
        """Ask, then cancel; returns False when the user chose to keep loading."""
        if not self.controller.running:
            return True
        choice = self.ask_cancel_choice(closing)
        if choice is CancelChoice.KEEP_GOING:
            return False
        abort = choice is CancelChoice.ABORT_JOBS
        log.info(
            "Cancelling: %s.", "aborting the running jobs in Salesforce" if abort else "no longer waiting"
        )
        self.controller.cancel(abort_jobs=abort)
        self._update_load_state()
        return True

    def _refresh_summary(self) -> None:
        self.jobs_panel.summary.setText(
            summary_text(self.jobs_model.rows(), self.controller.elapsed(), self.controller.running)
        )

    def _run_finished(self, result: RunResult) -> None:
        self.last_result = result
        rows = self.jobs_model.rows()
        self.jobs_panel.summary.setText(summary_text(rows, result.elapsed_s, False))
        folder = result.run_folder
        retry_of = result.manifest.get("retry_of")
        if folder is not None and retry_of and self._origin is not None and retry_of == self._origin.name:
            origin = self._origin  # a workbench retry of this window's run: its totals follow
            self.tasks.submit(lambda: standing(origin), self._show_standing, lambda _m: None)
        elif folder is not None and not retry_of:
            self._origin = folder
            self.files_model.mark_loaded(result.manifest, folder)
        has_failures = any(r.failed or not r.state.is_success for r in rows)
        self.jobs_panel.set_run_folder(folder, has_failures=has_failures)
        verdict = run_verdict(rows, result.cancelled)
        log.info("%s Results: %s", verdict, folder or "not saved")
        self.statusBar().showMessage(verdict)
        self.notifier.run_finished(verdict, result.elapsed_s)
        self._update_load_state()
        self.load_finished.emit(result)
        if self._close_when_idle:
            QTimer.singleShot(0, self.close)

    def _show_standing(self, where: RunStanding) -> None:
        """After a retry: the run's files and the summary line say what is left to fix."""
        if where.run_dir != self._origin:
            return
        self.files_model.mark_fixed(where.run_dir, where.fixed_by_source)
        line = (
            f"Run {where.run_dir.name} after retries: {where.fixed:,} of its {where.rows:,} failed rows "
            f"now loaded, {where.left:,} still to fix."
        )
        self.jobs_panel.summary.setText(self.jobs_panel.summary.text() + "\n" + line)
        self.statusBar().showMessage(line)
        self._update_load_state()

    def open_review(self) -> None:
        """The failed-record workbench (its own window) over the last run folder."""

        folder = self.jobs_panel.run_folder
        if folder is not None:
            self.open_review_folder(folder)

    def open_recent_runs(self) -> QWidget:
        """Earlier runs from the results folder (one window, brought to the front if already open)."""
        from sfloader_gui.ui.runs import RecentRunsDialog

        dialog = self._recent_runs
        if dialog is None or dialog.results_dir != self.settings.output_path():
            dialog = RecentRunsDialog(self.settings.output_path(), self)
            dialog.review_requested.connect(self.open_review_folder)
            dialog.resume_requested.connect(self.resume_run)
            self._recent_runs = dialog
        else:
            dialog.refresh()
        dialog.show()
        dialog.raise_()
        return dialog

    def resume_run(self, folder: Path) -> None:
        """Wait for an earlier run's jobs and save their results in its folder, off the UI thread."""
        conn = self.connection
        dialog = self._recent_runs
        if conn is None:
            QMessageBox.information(self, "Resume", "Connect to the org of that run first, then Resume.")
            if dialog is not None:
                dialog.resumed(folder)
            return
        poll = self.poll_override_s or self.settings.poll_interval_s
        cancel = self._resume_cancel
        timeout = self.settings.timeout_s
        log.info("Resuming %s: waiting for its jobs (nothing is sent again).", folder.name)

        def work() -> Any:
            from sfloader_gui.core.load.resume import resume_run

            with contextlib.closing(Journal()) as journal:
                return resume_run(
                    conn, folder, journal, poll_interval_s=poll, timeout_s=timeout, cancel=cancel,
                    say=lambda line: log.info("Resume %s: %s", folder.name, line),
                )  # fmt: skip

        def done(result: ResumeResult) -> None:
            from sfloader_gui.core.load.resume import pending

            t = result.manifest.get("totals") or {}
            left = sum(1 for job in result.manifest.get("jobs", []) if pending(job))
            line = (f"Resumed {folder.name}: {t.get('success', 0):,} loaded, {t.get('failed', 0):,} failed, "
                    f"{t.get('unprocessed', 0):,} not processed.")  # fmt: skip
            if left:
                line = (f"Resume of {folder.name} stopped: {left} job(s) still running in Salesforce; "
                        "Resume again later to save their results.")  # fmt: skip
            log.info("%s", line)
            self.statusBar().showMessage(line)
            if dialog is not None:
                dialog.resumed(folder)

        def failed(message: str) -> None:
            log.warning("Resume of %s stopped: %s", folder.name, message)
            self.statusBar().showMessage(f"Resume of {folder.name} stopped: {message}")
            if dialog is not None:
                dialog.resumed(folder)

        self.tasks.submit(work, done, failed)

    def open_review_folder(self, folder: Path) -> QWidget:
        """The failed-record workbench (its own window) over any run folder."""
        from sfloader_gui.ui.failures import open_workbench

        launcher = engine.retry_launcher(self.connection, self.controller, self.journal())
        workbench = open_workbench(folder, self, retry_launcher=launcher)
        self._workbenches.append(workbench)
        workbench.show()
        return workbench

    # -- closing -------------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller.running:
            if not self._close_when_idle and not self.request_cancel(closing=True):
                event.ignore()
                return
            # The jobs stop in the background; the window closes when the run has wrapped up.
            self._close_when_idle = True
            self.statusBar().showMessage("Closing once the running jobs have stopped…")
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop background work and detach from logging (idempotent)."""
        self._resume_cancel.cancel(abort_jobs=False)
        self.controller.shutdown()
        self.tasks.wait()
        self.checker.stop()
        self.log_pane.detach()
        self.notifier.hide()
        if self._journal is not None:
            self._journal.close()
            self._journal = None
