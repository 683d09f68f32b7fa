"""The corporate CA bundle setting (for TLS-inspecting proxies), shown under the org form."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget


class CaBundleRow(QWidget):
    """A PEM file path: empty means the standard certificates. Verification itself is never turned off."""

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(path)
        self.edit.setPlaceholderText("none: the standard certificates")
        self.edit.setToolTip(
            "If your company inspects HTTPS traffic, choose the PEM file with its root certificate. "
            "Certificates are always checked; HTTPS_PROXY and NO_PROXY are honoured."
        )
        self.choose = QPushButton("Choose…")
        self.choose.clicked.connect(self._choose)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Company CA bundle:"))
        row.addWidget(self.edit, 1)
        row.addWidget(self.choose)

    def path(self) -> str:
        return self.edit.text().strip()

    def _choose(self) -> None:
        found, _ = QFileDialog.getOpenFileName(
            self, "Company CA bundle", self.path(), "Certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if found:
            self.edit.setText(found)
