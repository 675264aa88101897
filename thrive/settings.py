"""Configuration from THRIVE_* environment variables and an optional .env file."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.people import valid_timezone


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="THRIVE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

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
    min_group_size: int = Field(default=5, ge=2, le=100)
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
            async_url(url)
        except Exception as error:  # sqlalchemy raises several kinds for a bad URL
            raise ValueError(str(error)) from None
        return url

    @property
    def local_chat_enabled(self) -> bool:
        if self.local_chat is not None:
            return self.local_chat
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SettingsError(Exception):
    """One clear line per bad variable, naming it."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "?"
            given = problem.get("input")
            lines.append(
                f"THRIVE_{field.upper()}: {problem['msg']} (got {given!r})"
                if not isinstance(given, dict)
                else f"THRIVE_{field.upper()}: {problem['msg']}"
            )
        raise SettingsError("\n".join(lines)) from None
