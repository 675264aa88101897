"""Multi-workspace installs: bolt's OAuth flow over slack_sdk's SQLAlchemy stores.

With THRIVE_SLACK_CLIENT_ID / THRIVE_SLACK_CLIENT_SECRET and no bot token, each workspace
installs the app itself: GET /slack/install shows "Add to Slack" (with a one-time state,
also set as a cookie), Slack sends the installer back to GET /slack/oauth_redirect, and
bolt swaps the code for that workspace's bot token (oauth.v2.access) and saves the
installation. Installations and states live in slack_sdk's own tables, in the same
database as ours. Bolt authorizes every inbound request from the same store; outbound
calls take their token from `BotTokens`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.config import SlackConfig
from adapters.slack.manifest import BOT_SCOPES, OAUTH_REDIRECT_PATH
from bot.errors import FatalError, TransientError

log = structlog.get_logger(__name__)

# Told of each completed install: the workspace's team id and name.
Installed = Callable[[str, str], Awaitable[None]]

INSTALL_PATH = "/slack/install"
STATE_EXPIRATION_SECONDS = 600
# Serialises the CREATE TABLEs of replicas starting together on one PostgreSQL database
# (held to the end of the creating transaction). Any fixed 64-bit number of our own.
_TABLES_LOCK_KEY = 0x7468726976650001


class SlackInstallations:
    """The installation and OAuth-state stores on our engine, and bolt's settings for them."""

    def __init__(self, client_id: str, client_secret: str, engine: AsyncEngine) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.engine = engine
        self.installation_store = AsyncSQLAlchemyInstallationStore(client_id, engine=engine)
        self.state_store = AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine
        )

    @classmethod
    def from_config(cls, config: SlackConfig, engine: AsyncEngine | None) -> SlackInstallations:
        if not (config.client_id and config.client_secret):
            raise ValueError("Slack OAuth installs need a client id and a client secret")
        if engine is None:
            raise ValueError("Slack OAuth installs need the database engine to store them")
        return cls(config.client_id, config.client_secret, engine)

    def oauth_settings(self, on_installed: Installed | None = None) -> AsyncOAuthSettings:
        # AsyncOAuthSettings takes no Web API client: AsyncApp hands its own `client` (with
        # our base URL and retry handlers) to the AsyncOAuthFlow it builds from these, so
        # oauth.v2.access goes wherever THRIVE_SLACK_API_URL points.
        return AsyncOAuthSettings(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            installation_store=self.installation_store,
            state_store=self.state_store,
            state_expiration_seconds=STATE_EXPIRATION_SECONDS,
            install_path=INSTALL_PATH,
            redirect_uri_path=OAUTH_REDIRECT_PATH,
            callback_options=_telling(on_installed) if on_installed is not None else None,
        )

    async def create_tables(self) -> None:
        """Create the stores' tables if missing (idempotent: create_all checks first).

        They are slack_sdk's own schema (slack_installations, slack_bots,
        slack_oauth_states), not our models, so our Alembic migrations do not manage
        them; they live beside our tables in the same database.
        """
        async with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Without this, two replicas could both see "no table" and one CREATE fails.
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _TABLES_LOCK_KEY}
                )
            await conn.run_sync(self.installation_store.metadata.create_all)
            await conn.run_sync(self.state_store.metadata.create_all)

    async def bot_token(self, team_id: str) -> str | None:
        """The newest bot token installed for workspace `team_id`, None if not installed.

        Looked up by team alone: a ConversationRef knows its workspace but not any
        Enterprise Grid org id, which slack_sdk's find_bot() would also match on.
        """
        bots = self.installation_store.bots
        query = (
            select(bots.c.bot_token)
            .where(
                bots.c.client_id == self.client_id,
                bots.c.team_id == team_id,
                bots.c.bot_token.is_not(None),
            )
            .order_by(bots.c.installed_at.desc(), bots.c.id.desc())
            .limit(1)
        )
        async with self.engine.connect() as conn:
            token = await conn.scalar(query)
        return str(token) if token else None


def _telling(on_installed: Installed) -> AsyncCallbackOptions:
    """bolt's own success and failure pages, after telling `on_installed` of a success."""

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        if installation.team_id:
            try:
                await on_installed(installation.team_id, installation.team_name or "")
            except Exception:  # the install stands; its first message makes the workspace
                log.exception("slack.install_not_recorded", team=installation.team_id)
        return await args.default.success(args)

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        return await args.default.failure(args)

    return AsyncCallbackOptions(success=success, failure=failure)


class BotTokens:
    """Which bot token an outbound call uses: the one configured token, or, with OAuth
    installs, the token of the workspace the call is for.

    A ConversationRef names its workspace. A MessageRef names only its channel, so we
    remember each channel's workspace from what we receive and send: every update
    answers something the person just did in that channel (a button press, a reply to
    a prompt), so the inbound request has taught us the channel, even after a restart.
    """

    def __init__(self, config: SlackConfig, installations: SlackInstallations | None) -> None:
        self._single = config.bot_token
        self._installations = installations
        self._channel_teams: dict[str, str] = {}

    async def for_workspace(self, team_id: str) -> str:
        if self._installations is None:
            if self._single is None:
                raise FatalError("slack: no bot token configured")
            return self._single
        try:
            token = await self._installations.bot_token(team_id)
        except SQLAlchemyError as error:
            raise TransientError(f"slack: installation lookup: {type(error).__name__}") from error
        if token is None:  # never installed, or uninstalled: a reinstall brings them back
            raise FatalError(f"slack: workspace {team_id or '?'} has not installed the app")
        return token

    async def for_channel(self, channel: str) -> str:
        if self._installations is None:
            return await self.for_workspace("")
        team_id = self._channel_teams.get(channel)
        if team_id is None:
            raise FatalError(f"slack: the workspace of channel {channel} is not known")
        return await self.for_workspace(team_id)

    def learn(self, channel: str, team_id: str) -> None:
        if channel and team_id:
            self._channel_teams[channel] = team_id

    def learn_from(self, body: Mapping[str, Any]) -> None:
        """Learn the channel and team of an inbound event, interaction or command body."""
        team = _mapping(body.get("team"))
        user = _mapping(body.get("user"))
        team_id = body.get("team_id") or team.get("id") or user.get("team_id")
        event = _mapping(body.get("event"))
        container = _mapping(body.get("container"))
        channel = (
            event.get("channel")
            or container.get("channel_id")
            or _mapping(body.get("channel")).get("id")
            or body.get("channel_id")
        )
        if isinstance(channel, str) and isinstance(team_id, str):
            self.learn(channel, team_id)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
