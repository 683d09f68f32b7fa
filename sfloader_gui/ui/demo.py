"""The demo org: the built-in emulator started in-process with its database in the user data folder."""

from __future__ import annotations

import logging

from sfloader_gui.core import paths
from sfloader_gui.core.salesforce.connection import SalesforceConnection
from sfloader_gui.core.salesforce.tokens import StaticToken
from sfloader_gui.emulator.server import EmulatorConfig, EmulatorServer

log = logging.getLogger(__name__)

# Slow enough that users see jobs move through their states and counts grow, fast enough to finish in seconds.
DEMO_ROWS_PER_SECOND = 500.0
# Counts grow in batches of this many rows: about 20 steps a second, so progress moves smoothly.
MIN_BATCH_SIZE = 5
DEMO_START_DELAY_S = 0.5


class DemoOrg:
    """A running demo org and a connection to it; ``stop()`` when the app exits."""

    def __init__(self, rows_per_second: float | None = DEMO_ROWS_PER_SECOND) -> None:
        config = EmulatorConfig(
            db_path=paths.demo_org_db(),
            rows_per_second=rows_per_second,
            batch_size=max(MIN_BATCH_SIZE, int(rows_per_second / 20)) if rows_per_second else 10_000,
            start_delay=DEMO_START_DELAY_S if rows_per_second else 0.0,
        )
        self.server = EmulatorServer(config)
        self.server.start()
        self.username = config.username
        self.connection = SalesforceConnection(
            self.server.instance_url, StaticToken(self.server.access_token)
        )
        log.info("Started the demo org on this computer (%s).", self.server.instance_url)

    def stop(self) -> None:
        self.connection.close()
        self.server.stop()
