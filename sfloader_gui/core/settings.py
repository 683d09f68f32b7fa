"""App settings: JSON in the user config dir, defaults declared once and merged; corrupt file -> defaults."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypedDict, Unpack

from sfloader_gui.core import paths
from sfloader_gui.core.models import (
    DEFAULT_CONCURRENT_UPLOADS,
    DEFAULT_PART_SIZE_BYTES,
    DEFAULT_POLL_INTERVAL_S,
    DEFAULT_TIMEOUT_S,
    MAX_CONCURRENT_JOBS,
    ConfigError,
    check_pacing,
)
from sfloader_gui.core.private import private_dir

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
_MB = 1_000_000


class SettingsChanges(TypedDict, total=False):
    """``AppSettings`` values by name, for ``with_changes`` (a test keeps the two in step)."""

    use_gzip: bool
    max_concurrent_jobs: int
    max_concurrent_uploads: int
    output_dir: str
    poll_interval_s: float
    timeout_s: float
    part_size_mb: int
    last_object: str
    last_external_id: str
    reconnect_demo: bool
    extra: dict[str, Any]


@dataclass(frozen=True)
class AppSettings:
    """What the user chose last time. ``output_dir`` empty means the default run folder location."""

    use_gzip: bool = True
    max_concurrent_jobs: int = MAX_CONCURRENT_JOBS
    max_concurrent_uploads: int = DEFAULT_CONCURRENT_UPLOADS
    output_dir: str = ""
    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S
    timeout_s: float = DEFAULT_TIMEOUT_S
    part_size_mb: int = DEFAULT_PART_SIZE_BYTES // _MB
    last_object: str = ""
    last_external_id: str = ""
    reconnect_demo: bool = False  # the demo org was the last one used: start it again at the next start
    # Keys written by other parts of the app (or a newer version): kept as they were, never dropped.
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        check_pacing(
            self.max_concurrent_jobs, self.max_concurrent_uploads, self.poll_interval_s, self.timeout_s
        )
        if not 1 <= self.part_size_mb <= DEFAULT_PART_SIZE_BYTES // _MB:
            raise ConfigError(f"Part size must be between 1 and 100 MB, not {self.part_size_mb} MB.")

    @property
    def part_size_bytes(self) -> int:
        return self.part_size_mb * _MB

    def output_path(self) -> Path:
        return Path(self.output_dir) if self.output_dir else paths.default_output_dir()

    def with_changes(self, **changes: Unpack[SettingsChanges]) -> AppSettings:
        """A copy with some values changed; raises ``ConfigError`` for a value that is not allowed."""
        return replace(self, **changes)


_DEFAULTS = AppSettings()
_KNOWN = {f.name: f for f in fields(AppSettings) if f.name != "extra"}


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


def _coerce(name: str, value: Any) -> Any:
    """Return ``value`` if it has the type of the default for ``name``; raise TypeError otherwise."""
    default = getattr(_DEFAULTS, name)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif isinstance(value, str):
        return value
    raise TypeError(f"{name} should be a {type(default).__name__}, not {value!r}")


def load_settings(path: Path | None = None) -> AppSettings:
    """Read the settings: missing file -> defaults; corrupt file or value -> defaults + a log line."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _DEFAULTS
    except (OSError, ValueError) as exc:
        log.error("Settings file %s could not be read (%s); using the default settings.", path, exc)
        return _DEFAULTS
    if not isinstance(raw, dict):
        log.error("Settings file %s does not hold a JSON object; using the default settings.", path)
        return _DEFAULTS
    values: dict[str, Any] = {}
    extra = {k: v for k, v in raw.items() if k not in _KNOWN}
    for name in _KNOWN:
        if name not in raw:
            continue
        try:
            candidate = _coerce(name, raw[name])
            replace(_DEFAULTS, **{name: candidate})  # validates the one value
        except (TypeError, ConfigError) as exc:
            log.error("Settings file %s: ignoring %s (%s); using the default.", path, name, exc)
            continue
        values[name] = candidate
    return AppSettings(**values, extra=extra)


def _other_keys_on_disk(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in raw.items() if k not in _KNOWN} if isinstance(raw, dict) else {}


def save_settings(settings: AppSettings, path: Path | None = None) -> None:
    """Write the settings atomically (temp file + rename) so a crash never leaves half a file."""
    path = path or settings_path()
    data = asdict(settings)
    data.pop("extra")
    # Other keys are re-read from disk at save time: another part of the app may have written them since.
    merged = {**settings.extra, **_other_keys_on_disk(path), **data}
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(merged, out, indent=2, sort_keys=True)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
