"""How each environment looks: the same colours as the connection bar, and a sentence about the risk."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from sfloader_gui.core.orgs import Environment

# (badge text, background, foreground, sentence). Production and My Domain are loud on purpose.
STYLE: dict[Environment, tuple[str, str, str, str]] = {
    Environment.PRODUCTION: ("PRODUCTION", "#b3261e", "#ffffff", "Loads change live business data."),
    Environment.MYDOMAIN: (
        "PRODUCTION?",
        "#b3261e",
        "#ffffff",
        "A My Domain URL may be production: treated as production.",
    ),
    Environment.SANDBOX: ("SANDBOX", "#1f5fa8", "#ffffff", "A copy of production for testing."),
    Environment.DEMO: ("DEMO", "#5b3fa0", "#ffffff", "The practice org on this computer."),
}


def badge_text(environment: Environment) -> str:
    return STYLE[environment][0]


def environment_icon(environment: Environment, size: int = 14) -> QIcon:
    """A rounded square in the environment's colour, for lists."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(STYLE[environment][1]))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(0, 0, size, size, 3, 3)
    painter.end()
    return QIcon(pixmap)


def bar_environment(environment: Environment) -> str:
    """The environment name the connection bar understands (My Domain shows as production, to be safe)."""
    return "production" if environment.is_live else environment.value


class EnvironmentBanner(QLabel):
    """A coloured strip naming the environment and its risk; always visible in the org dialog."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("environmentBanner")
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.show_environment(Environment.PRODUCTION)

    def show_unchosen(self) -> None:
        """A new org before its environment is chosen: no colour claims anything yet."""
        self.setText(
            "<b>ENVIRONMENT?</b> &nbsp; Choose whether this org is production, a sandbox or the demo."
        )
        self.setStyleSheet(
            "QLabel#environmentBanner { background: #ececec; color: #333; border-radius: 4px;"
            " padding: 6px 10px; }"
        )
        self.setAccessibleName("Environment not chosen yet")

    def show_environment(self, environment: Environment) -> None:
        text, bg, fg, sentence = STYLE[environment]
        self.setText(f"<b>{text}</b> &nbsp; {sentence}")
        self.setStyleSheet(
            f"QLabel#environmentBanner {{ background: {bg}; color: {fg}; border-radius: 4px;"
            " padding: 6px 10px; }"
        )
        self.setAccessibleName(f"Environment: {text}. {sentence}")
