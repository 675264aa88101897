"""One aiohttp application serving every adapter, /healthz, and the outbox loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import TypeAlias

import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from adapters.base import route_of
from bot.pathway.moves import CLOSED
from bot.pathway.nudges import pathway_mailings
from bot.privacy.retention import purge_old_text
from bot.pulses import definitions as pulses
from bot.pulses import runs as pulse_runs
from bot.reports import send_due_reports
from thrive.runtime import Runtime
from thrive.scheduling import start_scheduling

log = structlog.get_logger(__name__)
Handler: TypeAlias = Callable[[web.Request], Awaitable[web.StreamResponse]]

HEALTH_TIMEOUT_SECONDS = 3.0
MAX_BODY_BYTES = 1024 * 1024  # no platform sends more; the local API's texts are far smaller


@web.middleware
async def refuse_large_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """413 before a byte of the body is read when Content-Length says it is too large;
    a body streamed without a length stops at the limit as aiohttp reads it. Either way
    the answer is JSON, like every other refusal, and one log line."""
    declared = request.content_length
    try:
        if declared is not None and declared > MAX_BODY_BYTES:
            raise web.HTTPRequestEntityTooLarge(MAX_BODY_BYTES, declared)
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        log.info("http.body_too_large", route=route_of(request), declared=declared)
        return web.json_response(
            {"error": "body_too_large", "detail": f"the limit is {MAX_BODY_BYTES} bytes"},
            status=413,
        )


def create_app(runtime: Runtime, *, run_outbox: bool = True) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[refuse_large_bodies])
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
        purge=partial(
            purge_old_text,
            keep_days=runtime.settings.retention_days,
            closed_idea_states=CLOSED,
        ),
        pathway=pathway_mailings,
        reports=send_due_reports,
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
    try:
        await site.start()
    except OSError:
        await runner.cleanup()  # stop what startup began (scheduler, outbox, database)
        raise
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return runner, int(bound)
