"""The workbench's side pieces: the error-group list, the filter bar and the problems banner."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from sfloader_gui.core.review.errors import RowError
from sfloader_gui.core.review.filters import RowFilter
from sfloader_gui.core.review.groups import Group
from sfloader_gui.ui.failures.table_model import plain_words
from sfloader_gui.ui.plain import tooltip

ANY = "(all)"


class GroupPanel(QTableWidget):
    """Causes of failure, biggest first. Selecting groups emits their ids.

    Signals:
        groups_selected(frozenset): the ids of the selected groups (empty: no group chosen).
    """

    groups_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setObjectName("groupPanel")
        self.setHorizontalHeaderLabels(["Rows", "Cause (error code and message)"])
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._gids: list[int] = []
        self.itemSelectionChanged.connect(self._emit)

    def set_groups(self, groups: list[Group]) -> None:
        self.blockSignals(True)
        self.setRowCount(len(groups))
        self._gids = [g.gid for g in groups]
        for r, g in enumerate(groups):
            count = QTableWidgetItem(f"{g.count:,}")
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(r, 0, count)
            cause = QTableWidgetItem(f"{g.code}\n{g.message}")
            plain = plain_words(RowError(g.code, g.message, g.fields))
            cause.setToolTip(tooltip(
                f"{g.code}: {g.message}" + (f"\nFields: {g.fields}" if g.fields else "")
                + (f"\n\n{plain}" if plain else "")
            ))  # fmt: skip
            self.setItem(r, 1, cause)
        self.resizeRowsToContents()
        self.blockSignals(False)

    def select_group_ids(self, gids: set[int]) -> None:
        self.clearSelection()
        for r, gid in enumerate(self._gids):
            if gid in gids:
                self._add_row(r)

    def _add_row(self, r: int) -> None:
        for c in range(self.columnCount()):
            item = self.item(r, c)
            if item is not None:
                item.setSelected(True)

    def _emit(self) -> None:
        rows = {i.row() for i in self.selectedIndexes()}
        self.groups_selected.emit(frozenset(self._gids[r] for r in rows if r < len(self._gids)))


class FilterBar(QWidget):
    """File, job and code pickers and a search box; the search waits for a pause in typing.

    Signals:
        changed(): the user changed a filter.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.file = self._combo(layout, "File")
        self.job = self._combo(layout, "Job")
        self.code = self._combo(layout, "Error code")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search every cell…")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search, 2)
        self.count = QLabel()
        self.count.setObjectName("hint")
        layout.addWidget(self.count)
        # Searching a million rows takes a moment: wait until typing pauses instead of on every key.
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.changed)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.flush)

    def _combo(self, layout: QHBoxLayout, label: str) -> QComboBox:
        layout.addWidget(QLabel(label))
        box = QComboBox()
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        box.setMinimumContentsLength(10)
        box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        layout.addWidget(box, 1)
        return box

    def set_choices(self, files: list[str], jobs: list[str], codes: list[str]) -> None:
        for box, items in ((self.file, files), (self.job, jobs), (self.code, codes)):
            current = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItems([ANY, *items])
            box.setCurrentText(current if current in items else ANY)
            box.blockSignals(False)

    def current(self, groups: frozenset[int] | None) -> RowFilter:
        def pick(box: QComboBox) -> frozenset[str] | None:
            return None if box.currentText() in ("", ANY) else frozenset({box.currentText()})

        return RowFilter(
            sources=pick(self.file),
            jobs=pick(self.job),
            codes=pick(self.code),
            groups=groups or None,
            text=self.search.text(),
        )

    def flush(self) -> None:
        """Apply a pending search now (tests and Enter do not wait for the pause)."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.changed.emit()


class Banner(QLabel):
    """Problems with the run, in plain words; the rest of the run stays reviewable below it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workbenchBanner")
        self.setTextFormat(Qt.TextFormat.PlainText)  # problems quote file names and manifest paths
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet(
            "QLabel#workbenchBanner { background: #fff6e0; border: 1px solid #e6c675; border-radius: 4px;"
            " padding: 6px; color: #5a4000; }"
        )
        self.hide()

    def show_problems(self, problems: list[str]) -> None:
        self.setText("\n".join(f"⚠ {p}" for p in problems))
        self.setVisible(bool(problems))
