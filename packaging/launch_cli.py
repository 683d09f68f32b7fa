"""PyInstaller entry script: the frozen headless command starts exactly like `sfloader`."""

import sys

if sys.argv[1:2] == ["--sfloader-scan-worker"]:  # parscan.WORKER_ARG: a worker of a large file's check
    from sfloader_gui.core.csvio.parscan import worker_main

    raise SystemExit(worker_main())

from sfloader_gui.cli import main

raise SystemExit(main())
