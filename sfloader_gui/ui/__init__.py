"""The PySide6 desktop app: windows, models and QThreadPool workers over the core engine."""
