"""Configuration from THRIVE_* environment variables and an optional .env file."""

from __future__ import annotations

import ipaddress
from datetime import time
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from bot.people.directory import valid_timezone

SETTINGS_SOURCES = SettingsConfigDict(
    env_prefix="THRIVE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
)


class Settings(BaseSettings):
    model_config = SETTINGS_SOURCES

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset means the SQLite file ./thrive.db"
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Keys pseudonyms; generated and stored in the database if unset"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535, description="0 binds any free port")
    content_dir: Path | None = Field(
        default=None, description="A directory of YAML banks, codebook or copy over the defaults"
    )
    # The local web chat has no login: anyone who reaches it can speak as anyone.
    # Unset means on only when bound to a loopback address.
    local_chat: bool | None = None
    default_timezone: str = "America/New_York"
    # Slack: the adapter runs when both the signing secret and a bot token are set
    # (or a client id and secret, for multi-workspace installs through OAuth).
    slack_signing_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_api_url: str | None = Field(
        default=None, description="Slack Web API base URL (tests point it at a fake)"
    )
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_leaders_channel: str | None = None
    # Teams: the adapter runs when the app id is set (the Azure bot registration's).
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_app_type: str = Field(default="MultiTenant", pattern="^(MultiTenant|SingleTenant)$")
    teams_tenant_id: str | None = None
    # off: inbound JWTs are not checked (the Bot Framework Emulator); loopback hosts only.
    teams_auth: str = Field(default="on", pattern="^(on|off)$")
    # The team channel (its conversation id, 19:...@thread.tacv2) where leaders see ideas.
    teams_leaders_channel: str | None = None
    # Where to reach a tenant none of whose conversations is saved yet: Microsoft's
    # global endpoint for proactive messages. Every activity brings the tenant's own.
    teams_service_url: str = "https://smba.trafficmanager.net/teams/"
    # Tests only: where botbuilder fetches the channel's OpenID metadata, which token
    # issuer it trusts, and an OAuth2 token endpoint for the bot's own outbound token
    # (instead of Azure AD through msal). Unset in production: the public cloud's.
    teams_openid_metadata_url: str | None = None
    teams_token_issuer: str | None = None
    teams_login_url: str | None = None
    public_url: str | None = Field(
        default=None,
        description="Where Slack and Teams reach this server, e.g. https://thrive.example.org",
    )
    min_group_size: int = Field(default=5, ge=2, le=100)
    # Which coder codes answers: the codebook's words, or scikit-learn trained on
    # labelled answers (README "Coding answers").
    coder: str = Field(
        default="keywords",
        pattern="^(keywords|learned)$",
        description="keywords (default) or learned",
    )
    # Quotes say more than a count: they need a larger group.
    min_group_size_comments: int = Field(default=10, ge=2, le=100)
    # Respecting clinicians' time: defaults each person may change.
    quiet_hours: str = Field(
        default="19:00-07:00",
        pattern=r"^(off|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$",
        description="local HH:MM-HH:MM when no prompt is sent, or off",
    )
    quiet_weekends: bool = True
    # At most this many prompts (reminders included) per person in this many days.
    fatigue_cap_prompts: int = Field(default=2, ge=1, le=50)
    fatigue_cap_days: int = Field(default=7, ge=1, le=90)
    # Ideas nobody has triaged for this many days come back to leaders in the weekly nudge.
    idea_triage_days: int = Field(default=14, ge=1, le=365)
    # Answers' text (and closed ideas') is emptied after this many days; codes stay.
    retention_days: int = Field(default=365, ge=1, le=36500)
    # Run the pulse scheduler here (with PostgreSQL only one replica runs it at a time).
    scheduler: bool = True
    # Messages per second per workspace for every platform, instead of each platform's
    # documented limit (Slack 5/s, Teams 30/s; bot.outbox.send_limits). 0: no limit.
    send_rate: float | None = Field(default=None, ge=0)
    # The longest a claimed prompt is held before another dispatcher may send it (one
    # that died mid-send). At a limited rate the outbox claims small batches and holds
    # each only as long as sending it takes (bot.outbox.delivery); longer than any send.
    outbox_lease_seconds: int = Field(default=20, ge=2, le=3600)
    log_level: str = "info"
    log_format: str = Field(default="auto", pattern="^(auto|json|console)$")

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        if valid_timezone(zone) is None:
            raise ValueError(f"unknown time zone {zone!r}")
        return zone

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, level: str) -> str:
        if level.lower() not in {"debug", "info", "warning", "error"}:
            raise ValueError("use debug, info, warning or error")
        return level.lower()

    @field_validator("database_url")
    @classmethod
    def _supported_url(cls, url: str | None) -> str | None:
        if not url:
            return None
        from storage.engine import async_url

        try:
            make_url(url)
        except Exception:  # sqlalchemy raises several kinds; their text may echo parts of it
            raise ValueError(
                "not a database URL: use sqlite:///path.db or postgresql://user@host/db"
            ) from None
        try:
            async_url(url)
        except Exception as error:  # an unsupported driver: the message names only that
            raise ValueError(str(error)) from None
        return url

    @model_validator(mode="after")
    def _teams_auth_off_only_on_loopback(self) -> Settings:
        if self.teams_auth == "off" and not is_loopback(self.host):
            raise ValueError(
                "THRIVE_TEAMS_AUTH=off accepts unsigned Teams activities: "
                "allowed only with THRIVE_HOST on a loopback address"
            )
        overrides = (self.teams_openid_metadata_url, self.teams_token_issuer, self.teams_login_url)
        if any(overrides) and not all(overrides):
            # botbuilder switches every endpoint to the given ones as soon as one is set.
            raise ValueError(
                "THRIVE_TEAMS_OPENID_METADATA_URL, THRIVE_TEAMS_TOKEN_ISSUER and "
                "THRIVE_TEAMS_LOGIN_URL (tests only) go together: set all three or none"
            )
        return self

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id)

    @property
    def slack_enabled(self) -> bool:
        return self.slack_signing_secret is not None and (
            self.slack_bot_token is not None
            or (self.slack_client_id is not None and self.slack_client_secret is not None)
        )

    @property
    def local_chat_enabled(self) -> bool:
        if self.local_chat is not None:
            return self.local_chat
        return is_loopback(self.host)


def quiet_hours(setting: str) -> tuple[time, time] | None:
    """THRIVE_QUIET_HOURS ("19:00-07:00", already checked by its pattern) as two times."""
    if setting == "off":
        return None
    start, end = setting.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _ConfiguredDatabaseUrl(BaseSettings):
    """THRIVE_DATABASE_URL exactly as the environment or .env gives it, unchecked."""

    model_config = SETTINGS_SOURCES

    database_url: str | None = None


def configured_database_url() -> str | None:
    """The database URL the environment or .env sets (read the way Settings reads it),
    even one Settings would refuse; None when unset or empty."""
    return _ConfiguredDatabaseUrl().database_url or None


def masked_url(url: str) -> str | None:
    """`url` with its password shown as ***, or None if it does not parse as a URL
    (then nothing of it is safe to show)."""
    try:
        parsed = make_url(url)
    except Exception:  # sqlalchemy raises several kinds for a bad URL
        return None
    shown = parsed.render_as_string(hide_password=True)
    if "password" in parsed.query:  # asyncpg and psycopg also take ?password=
        shown = parsed.update_query_dict({"password": "***"}).render_as_string(hide_password=True)
        shown = shown.replace("password=%2A%2A%2A", "password=***")
    return shown


class SettingsError(Exception):
    """One clear line per bad variable, naming it."""


def _shown_value(field: str, given: object) -> str:
    """What a configuration error may echo of the value given: secrets never in clear."""
    if isinstance(given, dict):
        return ""
    if field in (
        "secret_key",
        "slack_signing_secret",
        "slack_bot_token",
        "slack_client_secret",
        "teams_app_password",
    ):
        return ""
    if field == "database_url":
        shown = masked_url(given) if isinstance(given, str) else None
        return f" (got {shown!r})" if shown is not None else ""
    return f" (got {given!r})"


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            if not problem["loc"]:  # a rule across fields names its variables itself
                lines.append(str(problem["msg"]).removeprefix("Value error, "))
                continue
            field = str(problem["loc"][0])
            shown = _shown_value(field, problem.get("input"))
            lines.append(f"THRIVE_{field.upper()}: {problem['msg']}{shown}")
        raise SettingsError("\n".join(lines)) from None
