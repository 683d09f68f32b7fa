"""Advanced settings: how often to poll, when to stop waiting, and how big each part may be."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.core.settings import AppSettings


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Advanced settings")
        self._settings = settings
        self.poll = QDoubleSpinBox()
        self.poll.setRange(0.2, 300.0)
        self.poll.setDecimals(1)
        self.poll.setSuffix(" s")
        self.poll.setValue(settings.poll_interval_s)
        self.timeout = QSpinBox()
        self.timeout.setRange(1, 24 * 60)
        self.timeout.setSuffix(" min")
        self.timeout.setValue(max(1, round(settings.timeout_s / 60)))
        self.part_size = QSpinBox()
        self.part_size.setRange(1, 100)
        self.part_size.setSuffix(" MB")
        self.part_size.setValue(settings.part_size_mb)

        form = QFormLayout()
        form.setVerticalSpacing(10)
        form.addRow("Check job status every:", self.poll)
        form.addRow("Stop waiting for a job after:", self.timeout)
        form.addRow("Largest part of a file per job:", self.part_size)
        note = QLabel(
            "Stopping waiting never cancels a job: it keeps running in Salesforce and its results can be "
            "fetched later. Files larger than the part size are split at row boundaries."
        )
        note.setWordWrap(True)
        note.setObjectName("hint")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        restore = buttons.addButton("Restore defaults", QDialogButtonBox.ButtonRole.ResetRole)
        restore.clicked.connect(self._restore_defaults)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(note)
        box.addWidget(buttons)
        self.setMinimumWidth(460)

    def result_settings(self) -> AppSettings:
        return self._settings.with_changes(
            poll_interval_s=round(self.poll.value(), 1),
            timeout_s=float(self.timeout.value() * 60),
            part_size_mb=self.part_size.value(),
        )

    def _restore_defaults(self) -> None:
        defaults = AppSettings()
        self.poll.setValue(defaults.poll_interval_s)
        self.timeout.setValue(round(defaults.timeout_s / 60))
        self.part_size.setValue(defaults.part_size_mb)
