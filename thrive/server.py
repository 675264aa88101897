"""One aiohttp application serving every adapter, /healthz, and the outbox loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr

from adapters.base import ChatAdapter
from adapters.local import LocalChatAdapter
from adapters.slack import SlackAdapter, SlackConfig
from bot.catalog import sync_content
from bot.clock import Clock, SystemClock
from bot.context import BotContext
from bot.conversation.dispatcher import Dispatcher
from bot.outbox.delivery import Outbox
from bot.outbox.notifier import Sender
from bot.outbox.send_limits import SendLimits
from bot.outbox.send_rules import FatigueCap
from bot.pulses import definitions as pulses
from bot.pulses import runs as pulse_runs
from prompts import Content, load_content
from storage.engine import Database
from storage.ledger import LedgerRepository
from storage.migrate import upgrade
from thrive.scheduling import start_scheduling
from thrive.settings import Settings, is_loopback, quiet_hours

log = structlog.get_logger(__name__)

HEALTH_TIMEOUT_SECONDS = 3.0


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


async def build_runtime(
    settings: Settings, clock: Clock | None = None, content: Content | None = None
) -> Runtime:
    """Load content (refusing bad YAML), migrate the database, wire the adapters."""
    content = content or load_content(settings.content_dir)
    clock = clock or SystemClock()
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
    ctx = BotContext(
        content,
        clock,
        secret,
        settings.default_timezone,
        min_group_size=settings.min_group_size,
        quiet_hours=quiet_hours(settings.quiet_hours),
        quiet_weekends=settings.quiet_weekends,
        fatigue_cap=FatigueCap(settings.fatigue_cap_prompts, settings.fatigue_cap_days),
    )
    dispatcher = Dispatcher(database, ctx)
    adapters: list[ChatAdapter] = []
    local_chat = None
    if settings.local_chat_enabled:
        local_chat = LocalChatAdapter(database, dispatcher, clock)
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
    outbox = Outbox(
        database,
        ctx,
        senders,
        limits=SendLimits(override=settings.send_rate),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )
    return Runtime(settings, database, ctx, dispatcher, outbox, adapters, local_chat)


def _slack_config(settings: Settings) -> SlackConfig:
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


def create_app(runtime: Runtime, *, run_outbox: bool = True) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", _health_handler(runtime))
    app.router.add_get("/metrics", _metrics)
    if runtime.local_chat is not None:
        app.router.add_get("/", _redirect_to_chat)
    for adapter in runtime.adapters:
        adapter.mount(app)

    async def outbox_loop(_app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.outbox.run(stop)) if run_outbox else None
        yield
        stop.set()
        if task is not None:
            await task
        await runtime.database.dispose()

    # Scheduling (thrive/scheduling.py): one process per SQLite file, one scheduler per
    # PostgreSQL database. Added before the outbox: the file is held before it starts.
    start_scheduling(
        app,
        runtime.database,
        runtime.ctx,
        runtime.outbox,
        enabled=runtime.settings.scheduler,
        zones_of=pulse_runs.zones_of,
        fire=pulse_runs.fire,
        schedule_of=pulses.schedule_of,
    )
    app.cleanup_ctx.append(outbox_loop)
    return app


def _health_handler(runtime: Runtime) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def health(_request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(runtime.database.ping(), HEALTH_TIMEOUT_SECONDS)
        except Exception as error:  # any failure to answer is "unhealthy"
            log.warning("health.database_unreachable", error=repr(error))
            return web.json_response(
                {"status": "unavailable", "reason": f"database: {type(error).__name__}"},
                status=503,
            )
        return web.json_response({"status": "ok", "database": "ok"})

    return health


async def _metrics(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _redirect_to_chat(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/chat")


async def start_site(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start serving; returns the runner and the bound port (port 0 picks a free one)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return runner, int(bound)
