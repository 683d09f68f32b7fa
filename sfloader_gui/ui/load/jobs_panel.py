"""The jobs table with progress bars, the summary line, and "O&pen results folder" when a run ends."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedLayout,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.ui.load.jobs_model import PROGRESS_ROLE, Col, JobsModel
from sfloader_gui.ui.plain import plain_label, tooltip


class ProgressDelegate(QStyledItemDelegate):
    """Draws the Progress cell as a progress bar with the model's text on it."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        value = index.data(PROGRESS_ROLE)
        if value is None or value < 0:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        rect = QRect(option.rect)
        bar.rect = rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum, bar.progress = 0, 100, int(value)
        bar.text = str(index.data(Qt.ItemDataRole.DisplayRole) or f"{value}%")
        bar.textVisible = True
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


class JobsPanel(QWidget):
    """Signals:
    open_results_requested(Path): the user asked to open the run folder.
    """

    open_results_requested = Signal(object)

    def __init__(self, model: JobsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QTableView()
        self.view.setObjectName("jobsTable")
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.setItemDelegateForColumn(Col.PROGRESS, ProgressDelegate(self.view))
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in (
            (Col.FILE, 190),
            (Col.PART, 60),
            (Col.JOB_ID, 150),
            (Col.STATE, 150),
            (Col.PROGRESS, 170),
            (Col.PROCESSED, 80),
            (Col.FAILED, 60),
            (Col.ELAPSED, 60),
        ):
            self.view.setColumnWidth(col, width)
        self.empty_hint = QLabel("No jobs yet. Each file (or part of a large file) becomes one job here.")
        self.empty_hint.setObjectName("hint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        table_page = QWidget()
        self._stack = QStackedLayout(table_page)
        self._stack.addWidget(self.empty_hint)
        self._stack.addWidget(self.view)
        model.modelReset.connect(lambda: self._stack.setCurrentIndex(1 if model.rowCount() else 0))
        self.summary = plain_label()
        self.summary.setObjectName("summaryLine")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_results = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon), "O&pen results folder"
        )
        self.open_results.setEnabled(False)
        self.open_results.clicked.connect(self._open_clicked)
        self.review_button = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView),
            "Re&view failed records…",
        )
        self.review_button.hide()
        self.recent_button = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogListView), "Recent r&uns…"
        )
        self.recent_button.setToolTip("Earlier loads: review their failed records, open their folders")
        self.run_folder: Path | None = None
        # Replaceable so tests do not launch the desktop's file manager.
        self.opener = QDesktopServices.openUrl
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.recent_button)
        row.addWidget(self.review_button)
        row.addWidget(self.open_results)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 4, 0, 0)
        box.addWidget(table_page, 1)
        box.addLayout(row)

    def set_run_folder(self, folder: Path | None, has_failures: bool = False) -> None:
        self.run_folder = folder
        self.review_button.setVisible(folder is not None and has_failures)
        self.open_results.setEnabled(folder is not None)
        self.open_results.setToolTip(tooltip(str(folder)) if folder else "")

    def _open_clicked(self) -> None:
        if self.run_folder is not None:
            self.open_results_requested.emit(self.run_folder)
            self.opener(QUrl.fromLocalFile(str(self.run_folder)))
