"""PyInstaller entry script: the frozen app starts exactly like `sfloader-gui`."""

import sys

if sys.argv[1:2] == ["--sfloader-scan-worker"]:  # parscan.WORKER_ARG: a worker of a large file's check
    from sfloader_gui.core.csvio.parscan import worker_main

    raise SystemExit(worker_main())

from sfloader_gui.__main__ import main

raise SystemExit(main())
