"""`python -m sfloader_gui.cli`: the headless command."""

from sfloader_gui.cli import main

raise SystemExit(main())
