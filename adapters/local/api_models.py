"""Request bodies of the local chat API, validated with pydantic."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from bot.people.directory import valid_timezone
from bot.people.roles import Role

# Far above the bot's own 4,000-character limit: the bot answers that politely;
# this only stops absurd bodies before they reach it.
MAX_TEXT = 100_000


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=MAX_TEXT)
    client_message_id: str | None = Field(default=None, min_length=1, max_length=100)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action_id: str = Field(min_length=1, max_length=100)
    value: str = Field(default="", max_length=2000)
    fields: dict[str, str] = Field(default_factory=dict)
    message_id: int | None = Field(default=None, ge=1, le=2**63 - 1)  # a database integer
    client_action_id: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("fields")
    @classmethod
    def _small_fields(cls, fields: dict[str, str]) -> dict[str, str]:
        if len(fields) > 20 or any(len(v) > MAX_TEXT or len(k) > 100 for k, v in fields.items()):
            raise ValueError("too many or too large fields")
        return fields


def _not_admin(role: Role) -> Role:
    # Admins come from `thrive roles grant`, never from an API without a login.
    if role is Role.ADMIN:
        raise ValueError("admin is granted with `thrive roles grant`, not here")
    return role


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    site: str | None = Field(default=None, max_length=100)
    roles: list[Annotated[Role, AfterValidator(_not_admin)]] = Field(
        default_factory=lambda: [Role.CLINICIAN]
    )
    timezone: str | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str | None) -> str | None:
        if zone is not None and valid_timezone(zone) is None:
            raise ValueError(f"unknown time zone {zone!r}")
        return zone
