"""The failed-record workbench window: groups, filters, the lazy table, edits, exports, reports, retries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, SignalInstance
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.core.load.run import LoadRun
from sfloader_gui.core.review.filters import apply_filter
from sfloader_gui.core.review.retry import Outcome, RetryBatch, RetryError, RetryOutcomes, write_retry_files
from sfloader_gui.core.review.session import ReviewError, ReviewSession
from sfloader_gui.core.review.sorting import result_values
from sfloader_gui.core.review.sourcejoin import JoinStatus
from sfloader_gui.ui.failures import actions
from sfloader_gui.ui.failures.panels import Banner, FilterBar, GroupPanel
from sfloader_gui.ui.failures.table_model import INFO_HEADERS, SHOWN_ORDER, FailuresModel, plain_words
from sfloader_gui.ui.keyboard import make_keyboard_friendly, name
from sfloader_gui.ui.plain import warn
from sfloader_gui.ui.tasks import BackgroundTasks


class RetryLauncher(Protocol):
    """Retries as loads of the app (``ui.failures.launcher.RetryLauncher`` is the real one)."""

    @property
    def finished(self) -> SignalInstance: ...  # a run ended (with the load controller's RunResult)

    def prepare(self, session: ReviewSession, batches: list[RetryBatch]) -> LoadRun: ...  # worker thread

    def start(self, run: LoadRun) -> None: ...  # UI thread; raises RetryError when it cannot


class WorkbenchWindow(QMainWindow):
    """Review one run's failed and unprocessed rows; open another by File > Open or by dropping it here."""

    def __init__(self, parent: QWidget | None = None, *, retry_launcher: RetryLauncher | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Failed records")
        self.setObjectName("workbench")
        self.setAcceptDrops(True)
        self.resize(1280, 760)
        self.session: ReviewSession | None = None
        self.model: FailuresModel | None = None
        self.retry_launcher = retry_launcher
        self._retry_dir: Path | None = None  # the retry run this window started, until it has finished
        if retry_launcher is not None:
            retry_launcher.finished.connect(self._retry_finished)
        self.quiet = False  # True: messages go to the status bar and ``last_message`` only (tests, start-up)
        self.last_message = ""
        self.tasks = BackgroundTasks(max_threads=2, parent=self)
        self._group_filter: frozenset[int] = frozenset()
        self._auto_current: tuple[int, int] | None = None  # the cell the window made current on opening
        self.skip_fixed_action: QAction  # set by the Export menu
        self._close_when_idle = False
        self._build()

    # ----- layout ------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.banner = Banner()
        self.filters = FilterBar()
        self.filters.changed.connect(self.apply_filters)
        self.groups = GroupPanel()
        self.groups.groups_selected.connect(self._groups_chosen)
        self.table = QTableView()
        self.table.setObjectName("failuresTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(False)  # sorting is asked for by a header click (see _sort)
        self.table.horizontalHeader().setSectionsClickable(True)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.verticalHeader().setHighlightSections(False)
        self.table.horizontalHeader().sectionClicked.connect(self._sort)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.empty = QLabel("Drop a run folder or a failed-results CSV here, or use Open.")
        self.empty.setObjectName("emptyHint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.groups)
        split.addWidget(self.table)
        split.setStretchFactor(1, 3)
        split.setSizes([330, 950])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.banner)
        layout.addWidget(self.filters)
        layout.addWidget(split, 1)
        # The current row's error: Salesforce's words and, next to them, what they mean and the fix.
        self.detail = QLabel()
        self.detail.setObjectName("rowDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail)
        layout.addWidget(self.empty)
        self.setCentralWidget(body)
        self._toolbar()
        make_keyboard_friendly(self)  # Tab leaves the table and the causes list
        name(self.table, "Failed rows", "Edit a cell to fix it, then Retry")
        name(self.groups, "Causes of failure", "Select causes to show their rows")
        self._set_enabled(False)

    def _toolbar(self) -> None:
        bar = QToolBar("Workbench")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        self.open_action = QAction("Open…", self)
        self.open_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
        self.open_action.triggered.connect(self._choose_and_open)
        bar.addAction(self.open_action)
        bar.addSeparator()
        self.retry_selected_action = QAction("Retry selected", self)
        self.retry_selected_action.triggered.connect(lambda: self.retry(selected_only=True))
        self.retry_all_action = QAction("Retry all failed", self)
        self.retry_all_action.triggered.connect(lambda: self.retry(selected_only=False))
        bar.addAction(self.retry_selected_action)
        bar.addAction(self.retry_all_action)
        bar.addSeparator()
        self.export_button = actions.export_menu_button(self)
        bar.addWidget(self.export_button)
        self.report_button = actions.report_menu_button(self)
        bar.addWidget(self.report_button)

    def _set_enabled(self, on: bool) -> None:
        for w in (self.filters, self.groups, self.table, self.export_button, self.report_button):
            w.setEnabled(on)
        self.retry_selected_action.setEnabled(on)
        self.retry_all_action.setEnabled(on)
        self.empty.setVisible(not on)

    # ----- opening -----------------------------------------------------------------------------------
    def open_path(self, path: Path) -> bool:
        """Open a run folder or a results CSV; on failure keep what was open and say why."""
        try:
            session = ReviewSession(path)
        except (ReviewError, OSError, ValueError) as exc:
            self.show_message("Cannot open for review", str(exc))
            if self.session is None:
                self.banner.show_problems([str(exc)])
            return False
        self._close_session()
        self.session = session
        self.model = FailuresModel(session)
        self.model.edit_not_saved.connect(lambda text: self.show_message("Edit not saved", text))
        self.table.setModel(self.model)
        # Qt's header asks, for each painted section and its neighbours, whether the whole column is
        # selected, walking every row of the selection: seconds with a big group selected. The header
        # gets its own empty selection model, so that question is answered at once.
        self._header_selection = QItemSelectionModel(self.model)
        self.table.horizontalHeader().setSelectionModel(self._header_selection)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_detail(cur.row()))
        self.detail.clear()
        self.setWindowTitle(f"Failed records — {session.run_id or path.name}")
        self.banner.show_problems(
            session.problems + ([session.edits.load_problem] if session.edits.load_problem else [])
        )
        self._refresh_choices()
        self._set_enabled(session.row_count > 0)
        self.empty.setVisible(session.row_count == 0)
        if session.row_count == 0:
            self.empty.setText("No failed or unprocessed rows in this run." if not session.problems else "")
        self._update_count()
        self._size_columns()
        if session.row_count:
            self._start_on_first_fix()
            self.table.setFocus()  # not the File filter: the rows are what the user came for
        # After the first paint: the passes hold the GIL for seconds on big runs and would delay it.
        QTimer.singleShot(0, lambda: self._start_passes(session))
        return True

    def _start_on_first_fix(self) -> None:
        """The first row's cell to fix is current (not selected): its explanation shows, typing fixes it."""
        assert self.model is not None
        header = self.table.horizontalHeader()  # in the order shown: data columns first
        columns = (header.logicalIndex(v) for v in range(header.count()))
        shown = [self.model.index(0, c) for c in columns if not self.table.isColumnHidden(c)]
        if not shown:
            return
        lit = next((i for i in shown if i.data(Qt.ItemDataRole.BackgroundRole) is not None), shown[0])
        # No scrollTo: the window may not have its size yet, and the key columns must stay in sight.
        self.table.selectionModel().setCurrentIndex(lit, QItemSelectionModel.SelectionFlag.NoUpdate)
        self._auto_current = (lit.row(), lit.column())  # moved again once the source rows are joined

    def _show_detail(self, position: int) -> None:
        if self.model is None or not 0 <= position < self.model.rowCount():
            self.detail.clear()
            return
        info, _ = self.model.row_data(position)
        e = info.error
        plain = plain_words(e)
        where = f"{info.source} row {', '.join(map(str, info.source_rows)) or '?'}"
        self.detail.setText(
            f"{where} — Salesforce: {e.code}: {e.message}" + (f"\n→ {plain}" if plain else "")
        )

    def _start_passes(self, session: ReviewSession) -> None:
        """Count causes, index the sources and read earlier retries, each on the window's pool."""
        if self.session is not session:
            return  # another run was opened meanwhile
        self.tasks.submit(
            session.groups.compute, lambda _r: self._groups_counted(session), self._failed("groups failed"),
            name="groups",
        )  # fmt: skip
        self.tasks.submit(
            session.build_joins, lambda _r: self._joins_built(session),
            self._failed("Could not read a source file"), name="joins",
        )  # fmt: skip
        self._read_outcomes(session)

    def _read_outcomes(self, session: ReviewSession) -> None:
        """Which rows earlier retries loaded (read again after each retry run)."""
        self.tasks.submit(
            lambda: RetryOutcomes(session), lambda result: self._outcomes_read(session, result),
            self._failed("outcomes failed"), name="outcomes",
        )  # fmt: skip

    def _close_session(self) -> None:
        self.tasks.wait()
        if self.session is not None:
            self.session.close()

    def _choose_and_open(self) -> None:
        start = str(self.session.target.parent) if self.session else ""
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Open a failed-results CSV (or cancel to pick a run folder)", start, "CSV files (*.csv)"
        )
        if not chosen:
            chosen = QFileDialog.getExistingDirectory(self, "Open a run folder", start)
        if chosen:
            self.open_path(Path(chosen))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(_droppable(u.toLocalFile()) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if _droppable(u.toLocalFile())]
        if paths:
            event.acceptProposedAction()
            self.open_path(paths[0])

    # ----- background results (UI thread) -----------------------------------------------------------
    def _current(self, session: ReviewSession) -> FailuresModel | None:
        """The model, when ``session`` is still the one shown (another run may have been opened since)."""
        return self.model if self.session is session else None

    def _groups_counted(self, session: ReviewSession) -> None:
        if self._current(session) is not None:
            self.groups.set_groups(session.groups.groups)
            self._refresh_choices()

    def _joins_built(self, session: ReviewSession) -> None:
        model = self._current(session)
        if model is None:
            return
        notes = [j.sentence for j in session.joins.values() if j.status is JoinStatus.CHANGED and j.message]
        session.problems.extend(n for n in notes if n not in session.problems)
        self.banner.show_problems(session.problems)
        model.refresh()
        here = self.table.currentIndex()
        if (here.row(), here.column()) == self._auto_current:  # the user has not moved: now the cell is known
            self._start_on_first_fix()
        self._show_detail(self.table.currentIndex().row())  # its source row number is known now

    def _outcomes_read(self, session: ReviewSession, result: RetryOutcomes) -> None:
        model = self._current(session)
        if model is None:
            return
        model.outcomes = result
        model.refresh()
        self._update_count()
        if result.runs:
            self.statusBar().showMessage(
                f"Latest retry: {result.runs[-1].name}. Rows sent again: {result.succeeded:,} succeeded, "
                f"{result.not_succeeded:,} failed again or were not processed."
            )

    def _failed(self, title: str) -> Callable[[str], None]:
        return lambda message: self.show_message(title, message)

    def _retry_prepared(self, run: LoadRun) -> None:
        self._start_retry(run)
        if self._close_when_idle:
            QTimer.singleShot(0, self.close)

    def _retry_not_prepared(self, message: str) -> None:
        if self._close_when_idle:
            QTimer.singleShot(0, self.close)
        self.show_message("Retry not started", message)

    def _start_retry(self, run: LoadRun) -> None:
        assert self.retry_launcher is not None
        try:
            self.retry_launcher.start(run)
        except RetryError as exc:
            self.show_message("Retry not started", str(exc))
            return
        self._retry_dir = run.folder.path
        self.statusBar().showMessage(
            f"Retry run {run.folder.run_id} started: the main window shows its jobs (Cancel there stops it)."
        )

    def _retry_finished(self, result: object) -> None:
        """A run of the app's load controller ended; when it is this window's retry, read its results."""
        if self._retry_dir is None or getattr(result, "run_folder", None) != self._retry_dir:
            return
        self.statusBar().showMessage(f"Retry run {self._retry_dir.name} finished; reading its results…")
        self._retry_dir = None
        if self.session is not None:
            self._read_outcomes(self.session)

    # ----- filtering ---------------------------------------------------------------------------------
    def _refresh_choices(self) -> None:
        s = self.session
        if s is None:
            return
        files = sorted({rf.job.source.name if rf.job.source else rf.path.name for rf in s.files})
        jobs = sorted({rf.job.job_id for rf in s.files})
        codes = s.groups.codes() if s.groups.ready else []
        self.filters.set_choices(files, jobs, codes)

    def _groups_chosen(self, gids: frozenset[int]) -> None:
        """Selecting groups shows and selects exactly their rows (one selection range, cheap at any size)."""
        self._group_filter = gids
        self.apply_filters()
        if gids:
            self.table.selectAll()

    def apply_filters(self) -> None:
        if self.session is None or self.model is None:
            return
        flt = self.filters.current(self._group_filter)
        if (flt.codes or flt.groups) and not self.session.groups.ready:
            self.tasks.wait()  # the code filter needs the error pass: let a running one finish first
        self.model.set_rows(apply_filter(self.session, flt))
        if self.model.rows:  # the detail line follows: never a row the filter has just hidden
            self._start_on_first_fix()
        else:
            self.detail.clear()
        self._update_count()

    def _update_count(self) -> None:
        if self.session is None or self.model is None:
            return
        shown, total = len(self.model.rows), self.session.row_count
        extra = ""
        if self.model.outcomes is not None and self.model.outcomes.runs:
            extra = f" · {self.model.outcomes.succeeded:,} succeeded on retry"
        self.filters.count.setText(f"{shown:,} of {total:,} rows{extra}")

    def _sort(self, column: int) -> None:
        if self.model is None:
            return
        header = self.table.horizontalHeader()
        same = header.sortIndicatorSection() == column and header.isSortIndicatorShown()
        order = (
            Qt.SortOrder.DescendingOrder
            if same and header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
            else Qt.SortOrder.AscendingOrder
        )
        header.setSortIndicatorShown(True)
        header.setSortIndicator(column, order)
        with actions.busy():  # a source column of a million rows takes a few seconds
            self.model.sort(column, order)

    def _size_columns(self) -> None:
        if self.model is None:
            return
        header = self.table.horizontalHeader()
        # Outcome, Source, Row, Job, Code, Message, Fields, What it means
        widths = [130, 130, 44, 150, 180, 250, 80, 320]
        metrics = header.fontMetrics()
        for c in range(self.model.columnCount()):
            if c < len(widths):
                header.resizeSection(c, widths[c])
                continue
            # A data column is as wide as its name (a long relationship header such as
            # Account.External_Id__c is not cut at both ends), within 120-260 px.
            title = str(self.model.headerData(c, Qt.Orientation.Horizontal) or "")
            header.resizeSection(c, max(120, min(260, metrics.horizontalAdvance(title) + 28)))
        # The row's own values first (the cell an error names is highlighted there), then the rest.
        order = [*range(len(INFO_HEADERS), self.model.columnCount()), *SHOWN_ORDER]
        for visual, logical in enumerate(order):
            header.moveSection(header.visualIndex(logical), visual)

    # ----- selection, retry --------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        """Global rows of the selection, from its ranges (never one index object per selected row)."""
        if self.model is None:
            return []
        selection = self.table.selectionModel().selection()
        ranges = [(selection.at(i).top(), selection.at(i).bottom()) for i in range(selection.size())]
        merged: dict[int, int] = {}
        for top, bottom in sorted(ranges):
            merged[top] = max(bottom, merged.get(top, bottom))
        seen: set[int] = set()
        out: list[int] = []
        for row in self.model.global_rows(sorted(merged.items())):
            if row not in seen:
                seen.add(row)
                out.append(row)
        return out

    def rows_to_retry(self, selected_only: bool) -> list[int]:
        """Selected rows, or every row not already fixed by an earlier retry."""
        if self.session is None or self.model is None:
            return []
        if selected_only:
            return self.selected_rows()
        outcomes = self.model.outcomes
        if outcomes is None or not outcomes.runs:
            return list(range(self.session.row_count))
        ext_field = self.session.external_id_field
        keys = result_values(self.session, ext_field)  # one block-wise read, not one parse per row
        return [
            r
            for r, key in enumerate(keys)
            if (o := outcomes.outcome(key)) is None or o[0] is not Outcome.SUCCEEDED
        ]

    def retry(self, selected_only: bool) -> bool:
        """Write the retry CSV(s) with the edits applied and start the retry run in the background."""
        if self.session is None:
            return False
        rows = self.rows_to_retry(selected_only)
        if not rows:
            self.show_message(
                "Nothing to retry",
                "Select the rows to retry first."
                if selected_only
                else "Every failed row has already succeeded on a retry.",
            )
            return False
        if self.retry_launcher is None:
            self.show_message(
                "Cannot retry from here",
                "Open the workbench from the main window while connected "
                f"to {self.session.instance_url or 'the org'} to retry rows.",
            )
            return False
        session, launcher = self.session, self.retry_launcher

        def work() -> LoadRun:
            # Writing a million retry rows takes a while: do it off the UI thread, then send them.
            return launcher.prepare(session, write_retry_files(session, rows))

        self.statusBar().showMessage(f"Retrying {len(rows):,} rows as a new upsert run…")
        started = self._retry_dir is None and self.tasks.submit(
            work, self._retry_prepared, self._retry_not_prepared, name="retry"
        )
        if not started:
            self.show_message("A retry is running", "Wait for the running retry to finish, then retry again.")
            return False
        return True

    # ----- messages ----------------------------------------------------------------------------------
    def show_message(self, title: str, text: str) -> None:
        """A message box for the user; tests read ``last_message`` instead of clicking it away."""
        self.last_message = f"{title}: {text}"
        self.statusBar().showMessage(self.last_message, 15000)
        if not self.quiet:
            warn(self, title, text)  # file names, values and server messages: plain text

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.tasks.running("retry"):
            # The retry files are being written on a thread this window owns: close once they are, and
            # the run has started (it goes on in the main window; this window does not wait for it).
            self._close_when_idle = True
            self.statusBar().showMessage("The window closes when the retry has started…")
            event.ignore()
            return
        self._close_session()
        super().closeEvent(event)


def _droppable(path: str) -> bool:
    p = Path(path)
    return bool(path) and (p.is_dir() or p.suffix.lower() == ".csv")
