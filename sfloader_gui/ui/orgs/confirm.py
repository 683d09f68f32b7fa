"""The typed confirmation before the first load of a session into a production org."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.core.orgs import Environment
from sfloader_gui.ui.orgs.environment import EnvironmentBanner


class ProductionConfirmDialog(QDialog):
    """Asks the user to type the org's name; the Load button stays disabled until it matches."""

    def __init__(
        self, org_name: str, environment: Environment, records: int | None, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Confirm a load into production")
        self.org_name = org_name
        banner = EnvironmentBanner(self)
        banner.show_environment(environment)
        what = f"{records:,} records" if records is not None else "these records"
        shown = html.escape(org_name)  # a name is text: bold by our markup, never by its own
        self.intro = intro = QLabel(
            f"You are about to write {what} into <b>{shown}</b>, a production org. "
            "Upserts change live data and run its automation (flows, triggers, emails).<br><br>"
            f"Type the org name <b>{shown}</b> to continue:"
        )
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(org_name)
        self.name_edit.setAccessibleName("Type the org name to confirm")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.load_button = self.buttons.addButton(
            "Load into production", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.load_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(banner)
        layout.addWidget(intro)
        layout.addWidget(self.name_edit)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def matches(self) -> bool:
        return self.name_edit.text().strip().casefold() == self.org_name.strip().casefold()

    def _check(self) -> None:
        self.load_button.setEnabled(self.matches())

    def accept(self) -> None:
        if self.matches():  # Enter in the field must not bypass the check
            super().accept()


class ProductionGuard:
    """Remembers, for this session, which production orgs the user already confirmed a load into.

    The main window calls ``confirm_load(...)`` before starting a load; it returns True when the load may go.
    """

    def __init__(self) -> None:
        self._confirmed: set[str] = set()

    def needs_confirmation(self, org_key: str, environment: Environment | str) -> bool:
        env = Environment(environment) if isinstance(environment, str) else environment
        return env.is_live and org_key not in self._confirmed

    def confirm_load(
        self,
        parent: QWidget | None,
        org_key: str,
        org_name: str,
        environment: Environment | str,
        records: int | None = None,
    ) -> bool:
        env = Environment(environment) if isinstance(environment, str) else environment
        if not self.needs_confirmation(org_key, env):
            return True
        dialog = ProductionConfirmDialog(org_name, env, records, parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._confirmed.add(org_key)
            return True
        return False

    def forget(self) -> None:
        """A new session (or a log-out) asks again."""
        self._confirmed.clear()
