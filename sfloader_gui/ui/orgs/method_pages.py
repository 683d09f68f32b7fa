"""One form page per login method: browser (OAuth), Salesforce CLI, legacy password, pasted token."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from sfloader_gui.core.orgs import DEFAULT_CALLBACK_PORT, OrgProfile, ProfileFields


def _note(text: str, *, warning: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setOpenExternalLinks(True)
    if warning:
        label.setObjectName("legacyWarning")
        label.setStyleSheet(
            "QLabel#legacyWarning { background: #fef1e0; color: #5c3a00; border: 1px solid #f0b35a;"
            " border-radius: 4px; padding: 6px; }"
        )
    else:
        label.setStyleSheet("color: palette(placeholder-text);")
    return label


def _secret_field(placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


class MethodPage(QWidget):
    """A page fills profile fields (``profile_fields``) and holds secrets typed for this login only."""

    def load(self, profile: OrgProfile | None) -> None:
        raise NotImplementedError

    def profile_fields(self) -> ProfileFields:
        raise NotImplementedError

    def clear_secrets(self) -> None:
        """Empty every secret field (after a login, or when another org is shown)."""

    def _form(self, note: QLabel, *rows: tuple[str, QWidget | QLayout] | QWidget) -> None:
        """The page: a note on top, then the labelled rows (a widget alone takes a whole row)."""
        form = QFormLayout(self)
        form.setContentsMargins(0, 6, 0, 0)
        form.addRow(note)
        for row in rows:
            if isinstance(row, tuple):
                label, field = row
                if isinstance(field, QLayout):  # addRow's overloads take one or the other
                    form.addRow(label, field)
                else:
                    form.addRow(label, field)
            else:
                form.addRow(row)


class OAuthPage(MethodPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.consumer_key = QLineEdit()
        self.consumer_key.setPlaceholderText("3MVG9... (from your External Client App)")
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(DEFAULT_CALLBACK_PORT)
        self.port.setMaximumWidth(110)
        self.client_secret = _secret_field("only if the app requires a secret")
        self.callback = QLabel()
        self.callback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.callback.setTextFormat(Qt.TextFormat.PlainText)
        self.port.valueChanged.connect(self._show_callback)
        self._form(
            _note(
                "Log in in your own browser, so single sign-on and security keys work. Your Salesforce "
                "admin creates an External Client App (or Connected App) with PKCE and this callback URL, "
                "and gives you its consumer key."
            ),
            ("Consumer key:", self.consumer_key),
            ("Callback port:", self.port),
            ("Callback URL:", self.callback),
            ("Consumer secret:", self.client_secret),
        )
        self._show_callback()

    def _show_callback(self) -> None:
        self.callback.setText(f"http://127.0.0.1:{self.port.value()}/OauthRedirect")

    def load(self, profile: OrgProfile | None) -> None:
        self.consumer_key.setText(profile.consumer_key if profile else "")
        self.port.setValue(profile.callback_port if profile else DEFAULT_CALLBACK_PORT)
        self.clear_secrets()

    def profile_fields(self) -> ProfileFields:
        return {"consumer_key": self.consumer_key.text().strip(), "callback_port": self.port.value()}

    def clear_secrets(self) -> None:
        self.client_secret.clear()


class CliPage(MethodPage):
    """Signals:
    list_requested(): the user asked to (re)read the CLI's org list.
    """

    list_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = QComboBox()
        self.target.setEditable(True)
        self.target.setMinimumWidth(260)
        line = self.target.lineEdit()
        if line is not None:
            line.setPlaceholderText("alias or username")
        self.refresh = QPushButton("Read CLI orgs")
        self.refresh.clicked.connect(self.list_requested)
        self.status = _note("")
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        row.addWidget(self.refresh)
        self._form(
            _note(
                "Reuse a login of the Salesforce CLI (<code>sf org login web</code>). The app asks the CLI "
                "for a token each time; nothing is saved here."
            ),
            ("CLI org:", row),
            self.status,
        )

    def show_orgs(self, items: list[tuple[str, str]]) -> None:
        """``items``: (label, target) pairs from ``sf org list``."""
        current = self.target.currentText()
        self.target.clear()
        for label, target in items:
            self.target.addItem(label, target)
        index = self.target.findData(current)
        if index >= 0:
            self.target.setCurrentIndex(index)
        elif current:
            self.target.setEditText(current)
        self.status.setText(
            f"{len(items)} org(s) found in the Salesforce CLI." if items else "The CLI has no orgs."
        )

    def selected_target(self) -> str:
        data = self.target.currentData()
        text = self.target.currentText().strip()
        # A typed alias wins over the item data when the text was edited by hand.
        if data and self.target.itemText(self.target.currentIndex()) == text:
            return str(data)
        return text

    def load(self, profile: OrgProfile | None) -> None:
        self.target.setEditText(profile.cli_target if profile else "")

    def profile_fields(self) -> ProfileFields:
        return {"cli_target": self.selected_target()}


class PasswordPage(MethodPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.username = QLineEdit()
        self.username.setPlaceholderText("you@company.com")
        self.password = _secret_field("password")
        self.security_token = _secret_field("security token (not needed from trusted IP ranges)")
        self.consumer_key = QLineEdit()
        self.consumer_secret = _secret_field("consumer secret")
        self.save = QCheckBox("Save the password in the system keyring")
        self._form(
            _note(
                "<b>Legacy login.</b> Salesforce is retiring username-password logins and many orgs block "
                "them; External Client Apps do not support them. Use the browser login when you can.",
                warning=True,
            ),
            ("Username:", self.username),
            ("Password:", self.password),
            ("Security token:", self.security_token),
            ("Consumer key:", self.consumer_key),
            ("Consumer secret:", self.consumer_secret),
            self.save,
        )

    def load(self, profile: OrgProfile | None) -> None:
        self.username.setText(profile.username if profile else "")
        self.consumer_key.setText(profile.consumer_key if profile else "")
        self.clear_secrets()

    def profile_fields(self) -> ProfileFields:
        return {"username": self.username.text().strip(), "consumer_key": self.consumer_key.text().strip()}

    def clear_secrets(self) -> None:
        for edit in (self.password, self.security_token, self.consumer_secret):
            edit.clear()


class TokenPage(MethodPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.instance_url = QLineEdit()
        self.instance_url.setPlaceholderText("https://yourcompany.my.salesforce.com")
        self.token = _secret_field("00D...!...")
        self.save = QCheckBox("Save the token in the system keyring")
        self._form(
            _note(
                "For admins: paste an access token (for example from <code>sf org display</code>). It is "
                "kept in memory only and forgotten when the app closes, unless you tick the box. It cannot "
                "be renewed: when it expires, paste a new one."
            ),
            ("Instance URL:", self.instance_url),
            ("Access token:", self.token),
            self.save,
        )

    def load(self, profile: OrgProfile | None) -> None:
        self.instance_url.setText(profile.instance_url if profile else "")
        self.save.setChecked(bool(profile and profile.save_token))
        self.clear_secrets()

    def profile_fields(self) -> ProfileFields:
        return {"instance_url": self.instance_url.text().strip(), "save_token": self.save.isChecked()}

    def clear_secrets(self) -> None:
        self.token.clear()
