"""How the main window is laid out: the connection bar, three numbered boxes, then jobs and log in tabs."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sfloader_gui.ui.plain import plain_label
from sfloader_gui.ui.style import icon_button


def boxed(title: str, widget: QWidget) -> QGroupBox:
    """``widget`` alone in a titled box."""
    box = QGroupBox(title)
    QVBoxLayout(box).addWidget(widget)
    return box


def load_buttons(owner: QWidget) -> tuple[QPushButton, QPushButton, QLabel]:
    """Load (the default button), Cancel (off until a run starts) and the line that says why Load is off."""
    load = icon_button(owner, QStyle.StandardPixmap.SP_ArrowUp, "&Load")
    load.setObjectName("loadButton")
    load.setDefault(True)
    load.setMinimumWidth(120)
    cancel = icon_button(owner, QStyle.StandardPixmap.SP_BrowserStop, "&Cancel")
    cancel.setEnabled(False)
    reason = plain_label()  # quotes file names and headers: shown as text, never HTML
    reason.setObjectName("loadReason")
    reason.setWordWrap(True)
    return load, cancel, reason


def run_box(options: QWidget, reason: QLabel, cancel: QPushButton, load: QPushButton) -> QGroupBox:
    """Box 3: the options, then the reason line and the buttons on one row."""
    box = QGroupBox("3. Options and load")
    layout = QVBoxLayout(box)
    layout.addWidget(options)
    actions = QHBoxLayout()
    actions.addWidget(reason, 1)
    actions.addWidget(cancel)
    actions.addWidget(load)
    layout.addLayout(actions)
    return box


def bottom_tabs(jobs: QWidget, log: QWidget) -> QTabWidget:
    tabs = QTabWidget()
    tabs.addTab(jobs, "Jobs")
    tabs.addTab(log, "Log")
    tabs.setMinimumHeight(150)  # a few jobs and the summary line stay in view
    return tabs


def central(bar: QWidget, boxes: Sequence[tuple[QWidget, int]], bottom: QWidget) -> QWidget:
    """The bar on top, then the boxes (with their stretch) over ``bottom``, split so both stay visible."""
    top = QWidget()
    top_box = QVBoxLayout(top)
    top_box.setContentsMargins(0, 0, 0, 0)
    for widget, stretch in boxes:
        top_box.addWidget(widget, stretch)
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.addWidget(top)
    splitter.addWidget(bottom)
    splitter.setStretchFactor(0, 3)
    splitter.setStretchFactor(1, 2)
    splitter.setChildrenCollapsible(False)
    widget = QWidget()
    box = QVBoxLayout(widget)
    box.setContentsMargins(10, 10, 10, 6)
    box.setSpacing(8)
    box.addWidget(bar)
    box.addWidget(splitter, 1)
    return widget
