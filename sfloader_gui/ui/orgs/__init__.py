"""Org manager and login dialog, login-method pages, and the typed confirmation before a production load."""

from sfloader_gui.ui.orgs.switch import OrgsController

__all__ = ["OrgsController"]
