"""Org profiles: saved as JSON without secrets, validated, unique names, damaged files set aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfloader_gui.core import orgs
from sfloader_gui.core.auth.urls import UrlError, my_domain_url, validate_instance_url
from sfloader_gui.core.models import ConfigError
from sfloader_gui.core.orgs import Environment, LoginMethod, OrgStore, build_profile


def _prod() -> orgs.OrgProfile:
    return build_profile(
        "Acme prod", Environment.PRODUCTION, LoginMethod.OAUTH, consumer_key="3MVG9key", username="a@acme.com"
    )


def test_profiles_survive_a_restart_and_hold_no_secret() -> None:
    store = OrgStore()
    prod = _prod()
    sandbox = build_profile("Acme UAT", Environment.SANDBOX, LoginMethod.CLI, cli_target="uat")
    store.upsert(prod)
    store.upsert(sandbox)
    store.set_active(sandbox.id)
    again = OrgStore()
    assert [p.name for p in again.list()] == ["Acme prod", "Acme UAT"]
    assert again.active() == sandbox
    assert again.get(prod.id) == prod
    assert prod.login_url == "https://login.salesforce.com"
    assert sandbox.login_url == "https://test.salesforce.com"
    text = orgs.orgs_path().read_text(encoding="utf-8")
    for word in ("token", "password", "secret"):
        assert f'"{word}' not in text.lower()


def test_my_domain_from_a_short_name_and_environment_label() -> None:
    p = build_profile("Acme", Environment.MYDOMAIN, LoginMethod.OAUTH, my_domain="acme", consumer_key="k")
    assert p.login_url == "https://acme.my.salesforce.com"
    assert p.label == "Acme (My Domain)"
    assert p.environment.is_live and Environment.PRODUCTION.is_live
    assert not Environment.SANDBOX.is_live and not Environment.DEMO.is_live


def test_duplicate_names_are_refused_and_remove_clears_active() -> None:
    store = OrgStore()
    prod = _prod()
    store.upsert(prod)
    with pytest.raises(ConfigError, match="already exists"):
        store.upsert(build_profile("acme PROD", Environment.SANDBOX, LoginMethod.CLI, cli_target="x"))
    store.set_active(prod.id)
    store.remove(prod.id)
    assert OrgStore().active() is None and OrgStore().list() == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": " "}, "name"),
        ({"api_version": "66"}, "66.0"),
        ({"callback_port": 80}, "1024"),
        ({"consumer_key": ""}, "consumer key"),
        ({"instance_url": "http://acme.my.salesforce.com"}, "https"),
    ],
)
def test_bad_profile_values_get_a_sentence(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "name": "Acme",
        "environment": Environment.PRODUCTION,
        "login_method": LoginMethod.OAUTH,
        "consumer_key": "k",
    }
    with pytest.raises(ConfigError, match=message):
        orgs.OrgProfile(**{**base, **kwargs})  # type: ignore[arg-type]


def test_damaged_file_is_kept_aside_and_the_user_told(tmp_path: Path) -> None:
    path = tmp_path / "orgs.json"
    path.write_text("{not json", encoding="utf-8")
    store = OrgStore(path)
    assert store.list() == []
    assert store.load_problem and "orgs.json" in store.load_problem
    kept = list(tmp_path.glob("orgs.damaged-*.json"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{not json"


def test_unknown_entries_are_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "orgs.json"
    good = json.loads(json.dumps({"orgs": [{"name": "x"}]}))
    path.write_text(json.dumps(good), encoding="utf-8")
    assert OrgStore(path).list() == []


def test_ca_bundle_must_exist(tmp_path: Path) -> None:
    store = OrgStore()
    with pytest.raises(ConfigError, match="does not exist"):
        store.set_ca_bundle(str(tmp_path / "missing.pem"))
    pem = tmp_path / "corp.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    store.set_ca_bundle(str(pem))
    assert OrgStore().ca_bundle == str(pem)


@pytest.mark.parametrize(
    ("url", "demo", "expected"),
    [
        ("https://acme.my.salesforce.com/", False, "https://acme.my.salesforce.com"),
        ("acme.my.salesforce.com", False, "https://acme.my.salesforce.com"),
        ("http://127.0.0.1:8765", True, "http://127.0.0.1:8765"),
        ("http://localhost:8765", True, "http://localhost:8765"),
    ],
)
def test_instance_url_accepted(url: str, demo: bool, expected: str) -> None:
    assert validate_instance_url(url, allow_loopback_http=demo) == expected


@pytest.mark.parametrize(
    ("url", "demo", "why"),
    [
        ("http://acme.my.salesforce.com", False, "https"),
        ("http://127.0.0.1:8765", False, "demo org"),
        ("http://10.0.0.5", True, "demo org"),
        ("ftp://acme.my.salesforce.com", False, "https://"),
        ("https://acme.my.salesforce.com/home/home.jsp", False, "without a path"),
        ("https://user:pw@acme.my.salesforce.com", False, "user name"),
        ("", False, "empty"),
    ],
)
def test_instance_url_refused(url: str, demo: bool, why: str) -> None:
    with pytest.raises(UrlError, match=why):
        validate_instance_url(url, allow_loopback_http=demo)


def test_my_domain_short_name() -> None:
    assert (
        my_domain_url("acme--uat.sandbox.my.salesforce.com/") == "https://acme--uat.sandbox.my.salesforce.com"
    )
    assert my_domain_url("acme") == "https://acme.my.salesforce.com"


def test_production_and_sandbox_may_log_in_through_their_my_domain() -> None:
    uat = build_profile(
        "UAT",
        Environment.SANDBOX,
        LoginMethod.CLI,
        cli_target="u",
        my_domain="acme--uat.sandbox.my.salesforce.com",
    )
    assert uat.login_url == "https://acme--uat.sandbox.my.salesforce.com" and not uat.environment.is_live
    prod = build_profile("P", Environment.PRODUCTION, LoginMethod.CLI, cli_target="p", my_domain="acme")
    assert prod.login_url == "https://acme.my.salesforce.com"
    with pytest.raises(ConfigError, match="choose Sandbox"):
        build_profile(
            "X",
            Environment.PRODUCTION,
            LoginMethod.CLI,
            cli_target="x",
            my_domain="acme--uat.sandbox.my.salesforce.com",
        )


def test_profile_changes_name_every_profile_field() -> None:
    """``with_changes`` and ``build_profile`` are typed by these: they must name every field of a profile."""
    from dataclasses import fields

    from sfloader_gui.core.orgs import OrgProfile, ProfileChanges, ProfileFields

    every = {f.name for f in fields(OrgProfile)}
    assert ProfileChanges.__optional_keys__ == every
    assert ProfileFields.__optional_keys__ == every - {"name", "environment", "login_method"}
