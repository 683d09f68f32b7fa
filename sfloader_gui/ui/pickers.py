"""Searchable pickers (object, External ID) loaded off the UI thread, with busy state, error and retry."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from sfloader_gui.ui.plain import plain_label, tooltip
from sfloader_gui.ui.style import row_over
from sfloader_gui.ui.tasks import BackgroundTasks

Choice = tuple[str, str]  # (API name, text shown)
# A loader's result: the choices, or the choices and the one to select when nothing wanted is among them.
Loaded = list[Choice] | tuple[list[Choice], str]


class SearchablePicker(QWidget):
    """An editable combo box that filters by any part of the text, plus an in-place busy and error state.

    ``load(fn)`` runs ``fn()`` (returning a list of choices) on the background pool; a later ``load`` wins
    over an earlier one still running.

    Signals:
        value_changed(str): the chosen API name ('' when nothing valid is chosen).
        loaded(): choices arrived.
        load_failed(str): loading failed; the message is shown in place with a Retry button.
    """

    value_changed = Signal(str)
    loaded = Signal()
    load_failed = Signal(str)

    def __init__(self, tasks: BackgroundTasks, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._what = what
        self._generation = 0
        self._loader: Callable[[], Loaded] | None = None
        self._wanted = ""
        self._value = ""

        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setMinimumContentsLength(24)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        completer = QCompleter(self.combo.model(), self.combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.combo.setCompleter(completer)
        edit = self.combo.lineEdit()
        assert edit is not None  # editable combo boxes always have one
        self.edit = edit
        self.setFocusProxy(self.combo)  # a label's mnemonic and Tab land in the box
        self.combo.currentIndexChanged.connect(self._index_changed)
        self.edit.editingFinished.connect(self._text_committed)
        # Tab away while the completion list is open: neither "editing finished" nor a focus-out event
        # reaches the box, so a fully typed name would be dropped. Leaving the box commits what it shows.
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: "working"
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(60)
        self.busy.setMaximumHeight(12)
        self.busy.hide()
        self.message = plain_label()  # the server's message, shown as text
        self.message.setObjectName("pickerMessage")
        # Wrapped under the box: a long server message must never widen the window.
        self.message.setWordWrap(True)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Retry")
        self.retry_button.hide()
        self.retry_button.clicked.connect(self.retry)

        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.combo, 1)
        row.addWidget(self.busy)
        row.addWidget(self.retry_button)
        row_over(self, row, self.message, spacing=2)
        self.clear(f"Connect to an org to list {what}.")

    # -- public --------------------------------------------------------------------------------------------
    @property
    def value(self) -> str:
        return self._value

    @property
    def is_loading(self) -> bool:
        return not self.busy.isHidden()

    def clear(self, hint: str = "") -> None:
        self._generation += 1
        self._loader = None
        self._fill([])
        self.combo.setEnabled(False)
        self.edit.setPlaceholderText(hint)
        self._set_state(busy=False, message="", error=False)

    def load(self, loader: Callable[[], Loaded], select: str = "") -> None:
        """Fetch choices with ``loader`` in the background, then select ``select`` if it is among them,
        else the loader's default (if it returned one), else the only choice."""
        self._generation += 1
        generation = self._generation
        self._loader, self._wanted = loader, select
        self.combo.setEnabled(False)
        self._fill([])
        self.edit.setPlaceholderText(f"Loading {self._what}…")
        self._set_state(busy=True, message="", error=False)
        self._tasks.submit(
            loader,
            lambda result: self._on_loaded(generation, result),
            lambda message: self._on_failed(generation, message),
        )

    def retry(self) -> None:
        if self._loader is not None:
            self.load(self._loader, self._wanted)

    def choices(self) -> list[Choice]:
        return [(str(self.combo.itemData(i)), self.combo.itemText(i)) for i in range(self.combo.count())]

    def want(self, name: str) -> None:
        """Select ``name`` now, or as soon as the choices arrive."""
        self._wanted = name
        if not self.is_loading:
            self.select(name)

    def select(self, name: str) -> bool:
        i = self.combo.findData(name)
        if i < 0:
            return False
        self.combo.setCurrentIndex(i)
        return True

    # -- internals -----------------------------------------------------------------------------------------
    def _on_loaded(self, generation: int, result: Loaded) -> None:
        if generation != self._generation:
            return  # an older request: the user moved on
        choices, default = result if isinstance(result, tuple) else (result, "")
        self._fill(choices)
        self.combo.setEnabled(bool(choices))
        self.edit.setPlaceholderText(
            f"Type to search {len(choices)} {self._what}…" if choices else f"No {self._what} available."
        )
        self._set_state(busy=False, message="", error=False)
        chosen = bool(self._wanted and self.select(self._wanted)) or bool(default and self.select(default))
        if not chosen and len(choices) == 1:
            self.combo.setCurrentIndex(0)
        self.loaded.emit()

    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.edit.setPlaceholderText(f"Could not load {self._what}.")
        self._set_state(busy=False, message=f"Could not load {self._what}: {message}", error=True)
        self.load_failed.emit(message)

    def _fill(self, choices: list[Choice]) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        for name, text in choices:
            self.combo.addItem(text, name)
        self.combo.setCurrentIndex(-1)
        self.combo.blockSignals(False)
        self._set_value("")

    def _set_state(self, busy: bool, message: str, error: bool) -> None:
        self.busy.setVisible(busy)
        self.message.setText(message)
        self.message.setToolTip(tooltip(message))
        self.message.setVisible(bool(message))
        self.message.setStyleSheet("color: #b3261e;" if error else "")
        self.retry_button.setVisible(error)

    def _index_changed(self, index: int) -> None:
        self._set_value(str(self.combo.itemData(index)) if index >= 0 else "")

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if old in (self.combo, self.edit) and new not in (self.combo, self.edit):
            self._text_committed()

    def _text_committed(self) -> None:
        # Typed text that names no choice clears the value rather than keeping a stale one.
        i = self.match(self.combo.currentText())
        if i < 0:
            self._set_value("")  # the box keeps its current index (and the user's text) meanwhile
        elif i != self.combo.currentIndex():
            self.combo.setCurrentIndex(i)
        else:  # the choice the box still points at, after text that named none had cleared the value
            self.combo.setEditText(self.combo.itemText(i))
            self._set_value(str(self.combo.itemData(i)))

    def match(self, typed: str) -> int:
        """The choice the typed text names (-1: none, or more than one): its whole text, its API name or its
        label in any case, else the one choice containing it, the single line the completion list shows.
        Users type "account" and press Enter without picking the line "Account (Account)" first."""
        wanted = typed.strip().casefold()
        if not wanted:
            return -1
        texts = [self.combo.itemText(i).casefold() for i in range(self.combo.count())]
        names = [str(self.combo.itemData(i)).casefold() for i in range(self.combo.count())]
        labels = [t.rsplit(" (", 1)[0] for t in texts]
        for candidates in (texts, names, labels):
            hits = [i for i, c in enumerate(candidates) if c == wanted]
            if len(hits) == 1:
                return hits[0]
        contains = [i for i, t in enumerate(texts) if wanted in t]
        return contains[0] if len(contains) == 1 else -1

    def _set_value(self, value: str) -> None:
        if value != self._value:
            self._value = value
            self.value_changed.emit(value)
