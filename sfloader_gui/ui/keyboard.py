"""Keyboard use of any window: Tab leaves tables, Enter presses the focused button, screen-reader names."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QPushButton,
    QTabBar,
    QToolButton,
    QWidget,
)


class _EnterPresses(QObject):
    """Enter on a focused tool button does what Space does."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(watched, QToolButton)
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        ):
            if watched.popupMode() is QToolButton.ToolButtonPopupMode.InstantPopup and watched.menu():
                watched.showMenu()
            else:
                watched.animateClick()
            return True
        return False


_ENTER_PRESSES = _EnterPresses()


def make_keyboard_friendly(root: QWidget) -> None:
    """Tab and Shift+Tab move between controls instead of cells; Enter (like Space) presses a button.

    Qt's tables move between cells on Tab by default, so a keyboard user never gets out of a file list;
    and outside dialogs a focused QPushButton ignores Enter unless it is "auto default".
    """
    for view in root.findChildren(QAbstractItemView):
        view.setTabKeyNavigation(False)
    for button in root.findChildren(QPushButton):
        button.setAutoDefault(True)
    for tool in root.findChildren(QToolButton):  # toolbar buttons ignore Enter: press them (or open the menu)
        tool.installEventFilter(_ENTER_PRESSES)
    for bar in root.findChildren(QTabBar):  # read as "tabs: Jobs, Log"
        if not bar.accessibleName():
            bar.setAccessibleName(
                "Tabs: " + ", ".join(bar.tabText(i).replace("&", "") for i in range(bar.count()))
            )


def name(widget: QWidget, accessible: str, description: str = "") -> None:
    """What a screen reader says for a control that has no text of its own (a table, a combo box)."""
    parts = [widget]
    edit = widget.lineEdit() if isinstance(widget, QComboBox | QAbstractSpinBox) else None
    if edit is not None:  # the text box inside an editable combo box or a spin box is what has the focus
        parts.append(edit)
    for part in parts:
        part.setAccessibleName(accessible)
        if description:
            part.setAccessibleDescription(description)
