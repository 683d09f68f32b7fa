"""PyInstaller entry script: the frozen app starts exactly like `sfloader-gui`."""

from sfloader_gui.__main__ import main

raise SystemExit(main())
