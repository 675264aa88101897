"""The one composition root: what the server, the demo and every CLI command build
from settings, in one place and the same way.

`open_core` is what every command needs (content checked, database migrated, the
bot's context with the organisation's quiet hours, weekends and fatigue cap);
`build_runtime` adds what only a serving process holds (dispatcher, adapters,
outbox). Nothing else builds a `BotContext` from settings.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from pydantic import SecretStr

from bot.analysis import choose_coder, coder_for
from bot.catalog import sync_content
from bot.clock import Clock, SystemClock
from bot.context import BotContext
from bot.conversation.dispatcher import Dispatcher
from bot.outbox.delivery import Outbox
from bot.outbox.notifier import Sender
from bot.outbox.send_limits import SendLimits
from bot.policy import FatigueCap
from bot.privacy import load_word_lists
from prompts import Content, load_content
from storage.engine import Database
from storage.ledger import LedgerRepository
from storage.migrate import upgrade
from thrive.settings import Settings, is_loopback, quiet_hours

if TYPE_CHECKING:
    from adapters.base import ChatAdapter
    from adapters.local import LocalChatAdapter
    from adapters.slack import SlackConfig

log = structlog.get_logger(__name__)


@dataclass
class Core:
    """What every command works with: settings, content, a migrated database, the context."""

    settings: Settings
    content: Content
    database: Database
    ctx: BotContext

    def outbox(self, senders: dict[str, Sender] | None = None) -> Outbox:
        """The outbox; with no senders (a CLI command) it only queues, the server sends."""
        return Outbox(
            self.database,
            self.ctx,
            senders or {},
            limits=SendLimits(override=self.settings.send_rate),
            lease=timedelta(seconds=self.settings.outbox_lease_seconds),
        )


@dataclass
class Runtime:
    """Everything one server process holds: built once, shared by all requests."""

    settings: Settings
    database: Database
    ctx: BotContext
    dispatcher: Dispatcher
    outbox: Outbox
    adapters: list[ChatAdapter] = field(default_factory=list)
    local_chat: LocalChatAdapter | None = None


async def open_core(
    settings: Settings, clock: Clock | None = None, content: Content | None = None
) -> Core:
    """Load content (refusing bad YAML), migrate the database, build the context."""
    content = content or load_content(settings.content_dir)
    choose_coder(settings.coder)
    database = Database(settings.database_url)
    try:
        await upgrade(database)
        await sync_content(database, content)
        secret = (
            settings.secret_key.get_secret_value()
            if settings.secret_key
            else await _stored_secret(database)
        )
    except BaseException:
        await database.dispose()
        raise
    return Core(settings, content, database, bot_context(settings, content, clock, secret))


def bot_context(
    settings: Settings, content: Content, clock: Clock | None, secret: str
) -> BotContext:
    """The organisation's defaults from settings, so every caller applies the same rules."""
    return BotContext(
        content,
        clock or SystemClock(),
        secret,
        settings.default_timezone,
        min_group_size=settings.min_group_size,
        min_group_size_comments=settings.min_group_size_comments,
        quiet_hours=quiet_hours(settings.quiet_hours),
        quiet_weekends=settings.quiet_weekends,
        fatigue_cap=FatigueCap(settings.fatigue_cap_prompts, settings.fatigue_cap_days),
        idea_triage_days=settings.idea_triage_days,
    )


async def build_runtime(
    settings: Settings,
    clock: Clock | None = None,
    content: Content | None = None,
    *,
    demo: bool = False,
) -> Runtime:
    """The core plus what serving needs: the dispatcher, the adapters, the sending outbox.
    `demo` (`thrive demo` only): the local chat may add people without a login."""
    # Imported here: CLI commands open the core only, and the adapters are slow to import.
    from adapters.local import LocalChatAdapter
    from adapters.slack import SlackAdapter

    core = await open_core(settings, clock, content)
    await asyncio.to_thread(load_word_lists)
    # The coder is built (the learned one trained, a second or two) before the first
    # answer, off the event loop, not while that answer's transaction waits.
    await asyncio.to_thread(coder_for, core.content)
    database, ctx = core.database, core.ctx
    clock = ctx.clock
    dispatcher = Dispatcher(database, ctx)
    adapters: list[ChatAdapter] = []
    local_chat = None
    if settings.local_chat_enabled:
        local_chat = LocalChatAdapter(database, dispatcher, clock, demo=demo)
        adapters.append(local_chat)
        if not is_loopback(settings.host):
            log.warning(
                "local_chat.exposed",
                host=settings.host,
                note="the local web chat has no login; keep it off public networks",
            )
    if settings.slack_enabled:
        # The engine: with OAuth installs, slack_sdk's installation store shares our database.
        adapters.append(SlackAdapter(_slack_config(settings), dispatcher, engine=database.engine))
    if settings.teams_enabled:
        adapters.append(_teams_adapter(settings, dispatcher, database, clock))
    senders: dict[str, Sender] = {adapter.platform: adapter for adapter in adapters}
    return Runtime(settings, database, ctx, dispatcher, core.outbox(senders), adapters, local_chat)


def _slack_config(settings: Settings) -> SlackConfig:
    from adapters.slack import SlackConfig

    def reveal(secret: SecretStr | None) -> str | None:
        return secret.get_secret_value() if secret is not None else None

    signing_secret = reveal(settings.slack_signing_secret)
    assert signing_secret is not None  # slack_enabled checked it
    return SlackConfig(
        signing_secret=signing_secret,
        bot_token=reveal(settings.slack_bot_token),
        client_id=settings.slack_client_id,
        client_secret=reveal(settings.slack_client_secret),
        api_url=settings.slack_api_url,
        leaders_channel=settings.slack_leaders_channel,
    )


def _teams_adapter(
    settings: Settings, dispatcher: Dispatcher, database: Database, clock: Clock
) -> ChatAdapter:
    # Imported here: botbuilder is slow to import and only Teams deployments need it.
    from adapters.teams.adapter import TeamsAdapter
    from adapters.teams.config import TeamsConfig
    from adapters.teams.conversations import ConversationBook

    assert settings.teams_app_id is not None  # teams_enabled checked it
    password = settings.teams_app_password
    return TeamsAdapter(
        TeamsConfig(
            app_id=settings.teams_app_id,
            app_password=password.get_secret_value() if password is not None else None,
            app_type=settings.teams_app_type,
            tenant_id=settings.teams_tenant_id,
            auth=settings.teams_auth == "on",
            openid_metadata_url=settings.teams_openid_metadata_url,
            token_issuer=settings.teams_token_issuer,
            login_url=settings.teams_login_url,
            leaders_channel=settings.teams_leaders_channel,
            service_url=settings.teams_service_url,
        ),
        dispatcher,
        ConversationBook(database, clock, settings.teams_service_url),
    )


async def _stored_secret(database: Database) -> str:
    async with database.transaction() as session:
        return await LedgerRepository(session).secret_key()
