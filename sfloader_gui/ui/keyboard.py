"""Keyboard use of any window: Tab leaves tables, Enter presses the focused button, screen-reader names."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QPushButton,
    QTabBar,
    QWidget,
)


def make_keyboard_friendly(root: QWidget) -> None:
    """Tab and Shift+Tab move between controls instead of cells; Enter (like Space) presses a button.

    Qt's tables move between cells on Tab by default, so a keyboard user never gets out of a file list;
    and outside dialogs a focused QPushButton ignores Enter unless it is "auto default".
    """
    for view in root.findChildren(QAbstractItemView):
        view.setTabKeyNavigation(False)
    for button in root.findChildren(QPushButton):
        button.setAutoDefault(True)
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
