"""App settings: defaults, round trip, merge of partial files, corrupt files fall back with a logged error."""

from __future__ import annotations

import json
import logging

import pytest

from sfloader_gui.core.models import ConfigError
from sfloader_gui.core.settings import AppSettings, load_settings, save_settings, settings_path


def test_missing_file_gives_defaults() -> None:
    s = load_settings()
    assert s == AppSettings()
    assert s.use_gzip is True
    assert s.max_concurrent_jobs == 15
    assert s.poll_interval_s == 5.0
    assert s.part_size_bytes == 100_000_000


def test_round_trip_keeps_values_and_other_keys() -> None:
    settings_path().write_text(json.dumps({"orgs": [{"name": "Prod"}]}), encoding="utf-8")
    s = AppSettings().with_changes(use_gzip=False, max_concurrent_jobs=4, last_object="Account")
    save_settings(s)
    again = load_settings()
    assert again == s
    on_disk = json.loads(settings_path().read_text(encoding="utf-8"))
    assert on_disk["orgs"] == [{"name": "Prod"}], "keys owned by other parts of the app survive a save"


def test_partial_file_is_merged_with_defaults() -> None:
    settings_path().write_text(json.dumps({"poll_interval_s": 1}), encoding="utf-8")
    s = load_settings()
    assert s.poll_interval_s == 1.0
    assert s.timeout_s == AppSettings().timeout_s


def test_corrupt_file_gives_defaults_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    settings_path().write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        s = load_settings()
    assert s == AppSettings()
    assert "could not be read" in caplog.text


def test_bad_value_is_dropped_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    settings_path().write_text(json.dumps({"max_concurrent_jobs": 16, "use_gzip": "yes"}), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        s = load_settings()
    assert s.max_concurrent_jobs == 15
    assert s.use_gzip is True
    assert "max_concurrent_jobs" in caplog.text and "use_gzip" in caplog.text


def test_sixteen_jobs_refused() -> None:
    with pytest.raises(ConfigError, match="between 1 and 15"):
        AppSettings().with_changes(max_concurrent_jobs=16)


def test_settings_changes_name_every_setting() -> None:
    """``with_changes`` is typed by ``SettingsChanges``: it must name every setting, with its type."""
    from dataclasses import fields

    from sfloader_gui.core.settings import AppSettings, SettingsChanges

    assert SettingsChanges.__optional_keys__ == {f.name for f in fields(AppSettings)}


def test_value_choices_are_load_options() -> None:
    """The mapping view's ``ValueChoices`` are spread into ``LoadOptions``: each is one of its fields."""
    from dataclasses import fields

    from sfloader_gui.core.models import LoadOptions, ValueChoices

    assert ValueChoices.__optional_keys__ <= {f.name for f in fields(LoadOptions)}
