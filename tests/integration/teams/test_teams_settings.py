"""THRIVE_TEAMS_*: auth off (the Emulator) is refused unless bound to loopback."""

from __future__ import annotations

import pytest

from thrive.settings import SettingsError, load_settings


def test_auth_off_is_refused_on_a_public_address() -> None:
    with pytest.raises(SettingsError, match="THRIVE_TEAMS_AUTH=off"):
        load_settings(teams_app_id="bot", teams_auth="off", host="0.0.0.0")


def test_auth_off_is_allowed_on_loopback() -> None:
    settings = load_settings(teams_app_id="bot", teams_auth="off", host="127.0.0.1")
    assert settings.teams_enabled and settings.teams_auth == "off"


def test_teams_defaults_to_multitenant_with_auth_on_and_is_off_without_an_app_id() -> None:
    settings = load_settings(teams_app_password="secret")
    assert not settings.teams_enabled
    assert (settings.teams_app_type, settings.teams_auth) == ("MultiTenant", "on")


def test_a_bad_app_type_names_the_variable_and_never_shows_the_password() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(teams_app_type="Both", teams_app_password="hunter2")
    assert "THRIVE_TEAMS_APP_TYPE" in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_the_test_endpoint_overrides_go_together() -> None:
    with pytest.raises(SettingsError, match="set all three or none"):
        load_settings(teams_openid_metadata_url="http://127.0.0.1:1/.well-known/x")
