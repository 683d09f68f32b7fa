"""sfloader_gui: load CSV files into Salesforce with Bulk API 2.0 upserts."""

__version__ = "0.1.0"
APP_NAME = "sfloader-gui"
