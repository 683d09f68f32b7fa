"""PyInstaller entry script: the frozen headless command starts exactly like `sfloader`."""

from sfloader_gui.cli import main

raise SystemExit(main())
