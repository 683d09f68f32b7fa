"""Load options on the main window: gzip, parallel jobs (1-15; 16 refused with the reason), uploads at
once, output folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QWidget,
)

from sfloader_gui.core.models import MAX_CONCURRENT_JOBS, ConfigError, LoadOptions
from sfloader_gui.core.settings import AppSettings
from sfloader_gui.ui.plain import plain_label
from sfloader_gui.ui.style import row_over


def jobs_refusal(value: int) -> str:
    """The engine's own sentence for a parallel-jobs value it refuses ('' when the value is allowed)."""
    try:
        LoadOptions(object_name="x", external_id_field="x", max_concurrent_jobs=value)
    except ConfigError as exc:
        return str(exc)
    return ""


class JobsSpinBox(QSpinBox):
    """A 1-15 spin box that says why when the user tries to go above 15 (a plain QSpinBox stays silent).

    Signals:
        refused(int): the value the user tried and that was not accepted.
    """

    refused = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(1, MAX_CONCURRENT_JOBS)
        self.setValue(MAX_CONCURRENT_JOBS)
        self.setAccelerated(False)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        stripped = text.strip()
        if stripped.isdigit() and int(stripped) > MAX_CONCURRENT_JOBS:
            self.refused.emit(int(stripped))
            return QValidator.State.Invalid, text, pos
        return super().validate(text, pos)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        # Keep "up" enabled at 15 so the arrow answers with the reason instead of doing nothing.
        return super().stepEnabled() | QAbstractSpinBox.StepEnabledFlag.StepUpEnabled

    def stepBy(self, steps: int) -> None:
        if self.value() + steps > MAX_CONCURRENT_JOBS:
            self.refused.emit(self.value() + steps)
            return
        super().stepBy(steps)

    def try_set(self, value: int) -> bool:
        """Set ``value`` if allowed; otherwise keep the current value and emit ``refused``."""
        if not 1 <= value <= MAX_CONCURRENT_JOBS:
            self.refused.emit(value)
            return False
        self.setValue(value)
        return True


class OptionsPanel(QWidget):
    """Signals:
    changed(): any option changed (the window saves the settings).
    """

    changed = Signal()

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gzip = QCheckBox("Compress uploads (gzip)")
        self.gzip.setToolTip("Sends less data over the network. Turn off only if your org refuses it.")
        self.jobs = JobsSpinBox()
        self.jobs.setToolTip(f"How many Salesforce jobs run at once (1 to {MAX_CONCURRENT_JOBS}).")
        self.uploads = QSpinBox()
        self.uploads.setObjectName("uploadsAtOnce")
        self.uploads.setRange(1, MAX_CONCURRENT_JOBS)
        self.uploads.setToolTip(
            "How many parts are uploaded at the same time. Few uploads fill the link as well as many, "
            "start the first jobs sooner, and keep clear of Salesforce's limit on long-running calls "
            "(5 on Developer Edition orgs)."
        )
        self.refusal = plain_label()
        self.refusal.setObjectName("jobsRefusal")
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet("color: #b3261e;")
        self.refusal.hide()
        self.output = QLineEdit()
        self.output.setReadOnly(True)
        self.output.setMinimumWidth(220)
        self.output.setToolTip("A new results folder is made here for every load; nothing is overwritten.")
        self.choose_output = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon), "Choose…"
        )
        self.choose_output.clicked.connect(self._choose_output)

        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(self.gzip)
        row.addSpacing(12)
        row.addWidget(QLabel("Parallel jobs:"))
        row.addWidget(self.jobs)
        row.addWidget(QLabel("Uploads at once:"))
        row.addWidget(self.uploads)
        row.addSpacing(12)
        row.addWidget(QLabel("Results folder:"))
        row.addWidget(self.output, 1)
        row.addWidget(self.choose_output)
        row_over(self, row, self.refusal, spacing=4)

        self.apply(settings)
        self.gzip.toggled.connect(self.changed)
        self.jobs.valueChanged.connect(self._jobs_changed)
        self.uploads.valueChanged.connect(self.changed)
        self.jobs.refused.connect(self._jobs_refused)

    def apply(self, settings: AppSettings) -> None:
        self.gzip.setChecked(settings.use_gzip)
        self.jobs.setValue(settings.max_concurrent_jobs)
        self.uploads.setValue(settings.max_concurrent_uploads)
        self.output.setText(str(settings.output_path()))

    def update_settings(self, settings: AppSettings) -> AppSettings:
        return settings.with_changes(
            use_gzip=self.gzip.isChecked(),
            max_concurrent_jobs=self.jobs.value(),
            max_concurrent_uploads=self.uploads.value(),
            output_dir=self.output.text(),
        )

    def set_output_dir(self, path: Path) -> None:
        self.output.setText(str(path))
        self.changed.emit()

    def _choose_output(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose the results folder", self.output.text())
        if chosen:
            self.set_output_dir(Path(chosen))

    def _jobs_changed(self, value: int) -> None:
        if value <= MAX_CONCURRENT_JOBS:
            self.refusal.hide()
        self.changed.emit()

    def _jobs_refused(self, value: int) -> None:
        self.refusal.setText(jobs_refusal(value) or f"{value} is not allowed.")
        self.refusal.show()
