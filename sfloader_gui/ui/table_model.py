"""A base for the app's flat table models: row/column counts, headers and one-call cell data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
)

Index = QModelIndex | QPersistentModelIndex


class FlatTableModel(QAbstractTableModel):
    """Subclasses set ``headers`` and implement ``row_count()`` and ``data()``."""

    headers: Sequence[str] = ()

    def row_count(self) -> int:
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def multiData(self, index: QModelIndex, roleDataSpan: QModelRoleDataSpan) -> None:  # type: ignore[override]
        """All roles of a cell in one call: a view asks ~7 roles per cell, and each call from C++ into
        Python must take the GIL, which 15 busy worker threads make slow to get."""
        for i in range(roleDataSpan.size()):
            role_data = roleDataSpan[i]  # type: ignore[index]  # the stubs miss __getitem__
            value = self.data(index, role_data.role())
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def row_changed(self, row: int) -> None:
        """Repaint one row (a progress tick touches only its own row)."""
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.headers) - 1))
