"""Application start-up for the desktop app: arguments, logging, the window, the demo org, scripted runs."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from sfloader_gui import __version__
from sfloader_gui.core.logs import setup_logging
from sfloader_gui.core.settings import load_settings
from sfloader_gui.ui.error_dialog import install_excepthook
from sfloader_gui.ui.main_window import MainWindow
from sfloader_gui.ui.orgs import OrgsController
from sfloader_gui.ui.plain import warn
from sfloader_gui.ui.resources import app_icon
from sfloader_gui.ui.style import apply_style
from sfloader_gui.ui.ui_thread_gc import UiThreadCollector

if TYPE_CHECKING:  # the emulator is imported only when the demo org is used
    from sfloader_gui.ui.demo import DemoOrg

log = logging.getLogger(__name__)

DEMO_OBJECT = "Account"
DEMO_EXTERNAL_ID = "External_Id__c"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="sfloader-gui", description="Load CSV files into Salesforce.")
    p.add_argument("--version", action="version", version=f"sfloader-gui {__version__}")
    p.add_argument("--demo", action="store_true", help="start connected to the built-in demo org")
    p.add_argument("--screenshot", type=Path, metavar="PATH", help="save the window as a PNG and exit")
    p.add_argument(
        "--screenshot-when",
        choices=("ready", "running", "done"),
        default="ready",
        help="with --screenshot: before loading (default), during the load, or after it",
    )
    p.add_argument("--auto-load-samples", action="store_true", help="with --demo: add the samples and Load")
    p.add_argument("--quit-when-done", action="store_true", help="exit when the load ends (0 = no job error)")
    p.add_argument("--object", default=DEMO_OBJECT, help=argparse.SUPPRESS)
    p.add_argument("--external-id", default=DEMO_EXTERNAL_ID, help=argparse.SUPPRESS)
    p.add_argument("--demo-rows-per-second", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--samples-with-errors", action="store_true", help=argparse.SUPPRESS)  # screenshots
    args = p.parse_args(argv)
    if args.auto_load_samples and not args.demo:
        p.error("--auto-load-samples needs --demo")
    return args


class DemoSwitch:
    """Starts the demo org on first use and connects the window to it."""

    def __init__(self, window: MainWindow, rows_per_second: float | None) -> None:
        self.window = window
        self.rows_per_second = rows_per_second
        self.org: DemoOrg | None = None

    def connect(self) -> None:
        from sfloader_gui.ui.demo import DEMO_ROWS_PER_SECOND, DemoOrg

        if self.window.controller.running:
            return
        if self.org is None:
            try:
                self.org = DemoOrg(self.rows_per_second or DEMO_ROWS_PER_SECOND)
            except OSError as exc:
                warn(self.window, "Demo org", f"The demo org could not start: {exc}")
                return
        org = self.org
        self.window.set_connection(org.connection, "Demo org", "demo", username=org.username)
        self.window.remember(reconnect_demo=True)  # back to the demo at the next start
        self.window.enable_samples()
        self.window.poll_override_s = 0.5  # the local org answers at once: watch it closely

    def stop(self) -> None:
        if self.org is not None:
            self.org.stop()
            self.org = None


def run(argv: list[str]) -> int:
    args = parse_args(argv)
    setup_logging()
    app = QApplication.instance() or QApplication(["sfloader-gui"])
    assert isinstance(app, QApplication)
    UiThreadCollector(app)  # no pool thread may delete a widget (issue 15); lives as long as the app
    app.setApplicationName("sfloader-gui")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    apply_style(app)
    install_excepthook()
    window = MainWindow(load_settings(), OrgsController())
    demo = DemoSwitch(window, args.demo_rows_per_second)
    window.bar.demo_requested.connect(demo.connect)
    window.bar.switch_requested.connect(window.open_switch_dialog)
    window.bar.relogin_requested.connect(window.relogin)
    if args.demo or window.settings.reconnect_demo:
        demo.connect()
    else:
        window.reconnect_last()  # back to the org used last, from the keyring
    window.show()
    if args.screenshot or args.auto_load_samples or args.quit_when_done:
        from sfloader_gui.ui.autopilot import Autopilot

        pilot = Autopilot(
            window,
            load_samples=args.auto_load_samples,
            object_name=args.object,
            external_id=args.external_id,
            screenshot=args.screenshot,
            screenshot_when=args.screenshot_when,
            quit_when_done=args.quit_when_done,
            with_errors=args.samples_with_errors,
        )
        QTimer.singleShot(0, pilot.start)
    log.info("sfloader-gui %s started.", __version__)
    code = app.exec()
    window.shutdown()
    demo.stop()
    return code
