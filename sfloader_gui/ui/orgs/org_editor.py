"""The form for one org profile: name, environment (always shown), URLs, API version, login method page."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.core.auth.urls import PRODUCTION_LOGIN_URL, SANDBOX_LOGIN_URL
from sfloader_gui.core.models import DEFAULT_API_VERSION, ConfigError
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgProfile, ProfileFields, build_profile
from sfloader_gui.ui.orgs.environment import EnvironmentBanner
from sfloader_gui.ui.orgs.method_pages import CliPage, MethodPage, OAuthPage, PasswordPage, TokenPage


class OrgEditor(QWidget):
    """Edits a profile in place; ``profile()`` builds a validated ``OrgProfile`` (or raises ``ConfigError``).

    Signals:
        environment_changed(str): the environment combo changed (the dialog's banner follows it).
    """

    environment_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editing: OrgProfile | None = None
        self.banner = EnvironmentBanner(self)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Acme production")
        self.environment = QComboBox()
        # A new org starts with no environment: writing to production by default is how accidents start.
        self.environment.addItem("Choose…", "")
        for env in Environment:
            self.environment.addItem(env.label, env.value)
        self.my_domain = QLineEdit()
        self.my_domain.setPlaceholderText("acme.my.salesforce.com")
        self.demo_url = QLineEdit()
        self.demo_url.setPlaceholderText("http://127.0.0.1:PORT")
        self.api_version = QLineEdit(DEFAULT_API_VERSION)
        self.api_version.setMaximumWidth(80)
        self.method = QComboBox()
        self.pages: dict[LoginMethod, MethodPage] = {
            LoginMethod.OAUTH: OAuthPage(),
            LoginMethod.CLI: CliPage(),
            LoginMethod.PASSWORD: PasswordPage(),
            LoginMethod.TOKEN: TokenPage(),
        }
        self.stack = QStackedWidget()
        for method, page in self.pages.items():
            self.method.addItem(method.label, method.value)
            self.stack.addWidget(page)

        self.form = QFormLayout()
        self.form.addRow("Name:", self.name)
        self.form.addRow("Environment:", self.environment)
        self.form.addRow("My Domain URL:", self.my_domain)
        self.form.addRow("Demo org URL:", self.demo_url)
        self.form.addRow("API version:", self.api_version)
        self.form.addRow("Log in with:", self.method)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addLayout(self.form)
        layout.addWidget(self.stack, 1)

        self.environment.currentIndexChanged.connect(self._environment_changed)
        self.method.currentIndexChanged.connect(self._method_changed)
        self._environment_changed()

    # -- state -----------------------------------------------------------------------------------------

    def current_environment(self) -> Environment | None:
        """The chosen environment; None for a new org until the user picks one."""
        value = self.environment.currentData()
        return Environment(value) if value else None

    def current_method(self) -> LoginMethod:
        return LoginMethod(self.method.currentData())

    def page(self) -> MethodPage:
        return self.pages[self.current_method()]

    def _environment_changed(self) -> None:
        env = self.current_environment()
        if env is None:
            self.banner.show_unchosen()
        else:
            self.banner.show_environment(env)
        self.form.setRowVisible(self.my_domain, env is not Environment.DEMO)
        needed = env is Environment.MYDOMAIN
        self.my_domain.setPlaceholderText(
            "acme.my.salesforce.com"
            if needed
            else "optional (needed for single sign-on): acme.my.salesforce.com"
        )
        # The token page asks for the instance URL itself: no second URL field for a demo token login.
        demo_url = env is Environment.DEMO and self.current_method() is not LoginMethod.TOKEN
        self.form.setRowVisible(self.demo_url, demo_url)
        self.environment_changed.emit(env.value if env else "")

    def _method_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self._environment_changed()

    def load(self, profile: OrgProfile | None) -> None:
        """Show ``profile`` (None: an empty form for a new org)."""
        self._editing = profile
        self.name.setText(profile.name if profile else "")
        env = profile.environment if profile else None
        self.environment.setCurrentIndex(self.environment.findData(env.value if env else ""))
        custom = profile is not None and profile.login_url not in (PRODUCTION_LOGIN_URL, SANDBOX_LOGIN_URL)
        self.my_domain.setText(
            profile.login_url if profile and custom and env is not Environment.DEMO else ""
        )
        self.demo_url.setText(profile.login_url if profile and env is Environment.DEMO else "")
        self.api_version.setText(profile.api_version if profile else DEFAULT_API_VERSION)
        method = profile.login_method if profile else LoginMethod.OAUTH
        self.method.setCurrentIndex(self.method.findData(method.value))
        for page in self.pages.values():
            page.load(profile)
        self._environment_changed()

    def set_editing(self, profile: OrgProfile) -> None:
        """The form now edits ``profile`` (just saved) without reloading the fields."""
        self._editing = profile

    def profile(self) -> OrgProfile:
        """A validated profile from the form, keeping the id (and learnt fields) of the one being edited."""
        env = self.current_environment()
        if env is None:
            raise ConfigError(
                "Choose the org's environment: Production, Sandbox, My Domain or Demo. It decides where "
                "you log in and how carefully loads into it are confirmed."
            )
        method = self.current_method()
        fields: ProfileFields = {"api_version": self.api_version.text().strip()}
        if self._editing is not None:
            e = self._editing
            fields.update({
                "id": e.id, "username": e.username, "instance_url": e.instance_url,
                "consumer_key": e.consumer_key, "callback_port": e.callback_port, "cli_target": e.cli_target,
                "save_token": e.save_token,
            })  # fmt: skip
        fields.update(self.page().profile_fields())
        if env is Environment.DEMO and method is not LoginMethod.TOKEN:
            fields["instance_url"] = self.demo_url.text().strip()
        profile = build_profile(self.name.text(), env, method, my_domain=self.my_domain.text(), **fields)
        old = self._editing
        moved = old is not None and (old.environment is not env or old.login_url != profile.login_url)
        if moved and env is not Environment.DEMO and method is not LoginMethod.TOKEN:
            # Another org now: the instance URL learnt at the last login belongs to the old one.
            profile = profile.with_changes(instance_url="")
        return profile
