"""The main window: connection bar, pickers, files, options, Load/Cancel, jobs and log, wired together."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Unpack

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from sfloader_gui.core.load.journal import Journal
from sfloader_gui.core.load.results import api_use_line
from sfloader_gui.core.models import LoadOptions
from sfloader_gui.core.review.standing import RunStanding, standing
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.settings import AppSettings, SettingsChanges, save_settings
from sfloader_gui.ui import window_layout as layout
from sfloader_gui.ui.connection_bar import ConnectionBar
from sfloader_gui.ui.files.checker import FileChecker
from sfloader_gui.ui.files.files_model import FileEntry, FilesModel
from sfloader_gui.ui.files.files_panel import FilesPanel
from sfloader_gui.ui.load import engine_bridge as engine
from sfloader_gui.ui.load.cancel_dialog import CancelChoice, ask_cancel_choice, cancel_reason
from sfloader_gui.ui.load.controller import LoadController, RunResult
from sfloader_gui.ui.load.gate import blocking_reason, ready_text
from sfloader_gui.ui.load.jobs_model import JobsModel
from sfloader_gui.ui.load.jobs_panel import JobsPanel
from sfloader_gui.ui.load.origin import RunOrigin, standing_line
from sfloader_gui.ui.load.resend_dialog import ask_resend
from sfloader_gui.ui.load.summary import APP_TITLE, run_end, summary_text, window_title
from sfloader_gui.ui.log_pane import LogPane
from sfloader_gui.ui.notify import Notifier
from sfloader_gui.ui.options_panel import OptionsPanel
from sfloader_gui.ui.orgs import OrgsController
from sfloader_gui.ui.orgs.org_manager import OrgManagerDialog
from sfloader_gui.ui.plain import warn
from sfloader_gui.ui.resources import SAMPLE_SETS, sample_files
from sfloader_gui.ui.run_windows import RunWindows
from sfloader_gui.ui.settings_dialog import SettingsDialog
from sfloader_gui.ui.target_box import TargetBox
from sfloader_gui.ui.tasks import BackgroundTasks
from sfloader_gui.ui.window_keys import install_keyboard

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
        self.setWindowTitle(APP_TITLE)
        self.tasks = BackgroundTasks(max_threads=4, parent=self)
        self.jobs_model = JobsModel(self)
        self.controller = LoadController(self.jobs_model, self.tasks, self)
        self.files_model = FilesModel(self)
        self.checker = FileChecker(self.tasks, self.files_model, self)
        self.notifier = Notifier(self)
        self.last_result: RunResult | None = None
        self._focus_at_load: QWidget | None = None
        self.poll_override_s: float | None = None  # the demo org polls faster than a real org needs
        self._close_when_idle = False
        self.runs = RunWindows(self, self.tasks, self.statusBar().showMessage)  # workbenches, Recent runs
        self._origin = RunOrigin()  # the last load's run folder (workbench retries report to it)
        self._journal: Journal | None = None  # opened at the first load; every run of this window uses it
        self._build()
        self._wire()
        install_keyboard(self)
        self._update_load_state()
        self.resize(1280, 800)

    def _build(self) -> None:
        self.bar = ConnectionBar()
        self.target = TargetBox(self.tasks)
        self.object_picker, self.extid_picker = self.target.object_picker, self.target.extid_picker
        self.files_panel = FilesPanel(self.files_model)
        self.options = OptionsPanel(self.settings)
        self.load_button, self.cancel_button, self.load_reason = layout.load_buttons(self)
        self.jobs_panel = JobsPanel(self.jobs_model)
        self.log_pane = LogPane()
        self.bottom_tabs = layout.bottom_tabs(self.jobs_panel, self.log_pane)
        boxes = [
            (self.target, 0),
            (layout.boxed("2. Files", self.files_panel), 1),
            (layout.run_box(self.options, self.load_reason, self.cancel_button, self.load_button), 0),
        ]
        self.setCentralWidget(layout.central(self.bar, boxes, self.bottom_tabs))
        self.statusBar().showMessage("Ready.")
        self.jobs_panel.summary.setText(summary_text([], 0.0, False))

    def _wire(self) -> None:
        self.bar.settings_requested.connect(self.open_settings)
        self.object_picker.value_changed.connect(self._object_changed)
        self.object_picker.loaded.connect(self._objects_loaded)
        self.extid_picker.value_changed.connect(self._extid_changed)
        self.files_panel.files_added.connect(self.checker.inspect)
        self.files_panel.files_changed.connect(self._inputs_changed)
        self.files_panel.recheck_requested.connect(self._inputs_changed)
        self.files_panel.samples_requested.connect(self.add_samples)
        self.files_panel.review_requested.connect(self.open_review_folder)
        self.checker.changed.connect(self._update_load_state)
        self.checker.updates_only_remembered.connect(self._updates_only_remembered)
        self.options.changed.connect(self._options_changed)
        self.load_button.clicked.connect(self.start_load)
        self.cancel_button.clicked.connect(self.request_cancel)
        self.controller.run_started.connect(self._run_started)
        self.controller.changed.connect(self._refresh_summary)
        self.controller.run_finished.connect(self._run_finished)
        self.jobs_panel.review_button.clicked.connect(self.open_review)
        self.jobs_panel.recent_button.clicked.connect(self.open_recent_runs)

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
        if conn is not None:
            if self.settings.reconnect_demo:
                self._save(reconnect_demo=False)  # another org now (the demo sets it again for itself)
            log.info("Connected to %s (%s).", org_label or conn.instance_url, environment)
            self.tasks.submit(lambda: engine.reconcile_org(conn), engine.report_reconcile, lambda _m: None)
        self.target.show_objects(conn, select=self.settings.last_object)
        self._update_load_state()

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
    def _objects_loaded(self) -> None:
        """Step 1 takes the keyboard focus unless the user is elsewhere (at start it was on "Switch org…")."""
        here = self.focusWidget()
        if here is None or self.bar.isAncestorOf(here):
            self.object_picker.combo.setFocus()

    def _object_changed(self, name: str) -> None:
        if name and self.connection is not None:
            self._save(last_object=name)
        self.target.show_external_ids(self.connection, name, select=self.settings.last_external_id)
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

    def _updates_only_remembered(self, file_name: str) -> None:
        box = self.files_panel.details.mapping.updates_only
        if not box.isChecked():
            log.info("%s: rows only update existing records, as saved with its mapping.", file_name)
            box.setChecked(True)  # the files are checked again with it

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

    def remember(self, **changes: Unpack[SettingsChanges]) -> None:
        """Change settings and save them (start-up choices such as returning to the demo org)."""
        self._save(**changes)

    def _save(self, **changes: Unpack[SettingsChanges]) -> None:
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
        return blocking_reason(
            running=self.controller.running, cancelling=self.controller.cancelling,
            connected=self.connection is not None, object_name=self.object_picker.value,
            external_id=self.extid_picker.value, files=self.files_model.rowCount(),
            files_reason=self.checker.blocking_reason,
        )  # fmt: skip

    def _update_load_state(self) -> None:
        reason = self.blocking_reason()
        running = self.controller.running
        self.load_button.setEnabled(not reason)
        self.load_reason.setText(reason or ready_text(self.files_model.entries()))
        self.load_reason.setStyleSheet(
            "color: #b3261e;" if reason and self.checker.has_errors and not running else ""
        )
        self.cancel_button.setEnabled(running and not self.controller.cancelling)
        self.files_panel.set_locked(running)
        for w in (self.object_picker, self.extid_picker, self.options, self.bar.switch_button,
                  self.bar.demo_button):  # fmt: skip
            w.setEnabled(not running)

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
        self._focus_at_load = self.focusWidget()  # Load is disabled while it runs: Qt moves the focus away
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
        return ask_resend(self, entries)

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
        self.controller.cancel(abort_jobs=abort, reason=cancel_reason(choice, closing))
        self._update_load_state()
        return True

    def _refresh_summary(self) -> None:
        rows, running = self.jobs_model.rows(), self.controller.running
        self.jobs_panel.summary.setText(summary_text(rows, self.controller.elapsed(), running))
        self.setWindowTitle(window_title(rows, running))

    def _run_finished(self, result: RunResult) -> None:
        self.last_result = result
        end = run_end(self.jobs_model.rows(), result)
        self.jobs_panel.summary.setText(end.summary)
        self.setWindowTitle(APP_TITLE)
        folder = result.run_folder
        origin = self._origin.retried(result)
        if origin is not None:  # a workbench retry of this window's run: its totals follow
            self.tasks.submit(lambda: standing(origin), self._show_standing, lambda _m: None)
        elif folder is not None and self._origin.took(result) and result.manifest is not None:
            self.files_model.mark_loaded(result.manifest, folder)
        self.jobs_panel.set_run_folder(folder, has_failures=end.reviewable)
        self._focus_next_step()
        log.info("%s Results: %s", end.verdict, folder or "not saved")
        if result.manifest is not None and "api" in result.manifest:
            log.info(api_use_line(result.manifest["api"]))
        self.statusBar().showMessage(end.verdict)
        self.notifier.run_finished(end.verdict, result.elapsed_s)
        self._update_load_state()
        self.load_finished.emit(result)
        if self._close_when_idle:
            QTimer.singleShot(0, self.close)

    def _focus_next_step(self) -> None:
        """The focus was on Load (or Cancel), disabled meanwhile: put it on what comes next, in sight."""
        if self._focus_at_load not in (self.load_button, self.cancel_button, None):
            return  # Ctrl+Enter from elsewhere: the focus stayed where the user was
        review = self.jobs_panel.review_button
        (review if review.isVisibleTo(self) else self.files_panel.add_files_button).setFocus()

    def _show_standing(self, where: RunStanding) -> None:
        """After a retry: the run's files and the summary line say what is left to fix."""
        if where.run_dir != self._origin.folder:
            return
        self.files_model.mark_fixed(where.run_dir, where.fixed_by_source)
        line = standing_line(where)
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
        return self.runs.open_recent(self.settings.output_path(), self.open_review_folder, self.resume_run)

    def resume_run(self, folder: Path) -> None:
        """Wait for an earlier run's jobs and save their results in its folder, off the UI thread."""
        poll = self.poll_override_s or self.settings.poll_interval_s
        self.runs.resume(self.connection, folder, poll_s=poll, timeout_s=self.settings.timeout_s)

    def open_review_folder(self, folder: Path) -> QWidget:
        """The failed-record workbench (its own window) over any run folder."""
        launcher = engine.retry_launcher(self.connection, self.controller, self.journal())
        return self.runs.open_workbench(folder, launcher)

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
        self.runs.stop()
        self.controller.shutdown()
        self.tasks.wait()
        self.checker.stop()
        self.log_pane.detach()
        self.notifier.hide()
        if self._journal is not None:
            self._journal.close()
            self._journal = None
