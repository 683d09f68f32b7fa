"""Org manager and login dialog, login-method pages, and the typed confirmation before a production load."""

from sfloader_gui.ui.orgs.switch import controller_for, open_switch_dialog, reconnect_last, relogin

__all__ = ["controller_for", "open_switch_dialog", "reconnect_last", "relogin"]
