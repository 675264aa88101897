"""Round-trip latency of a chat message through the local web chat API.

Baseline: a bare aiohttp handler that parses the same JSON body and answers
JSON, on the same loopback, in the same run. Thrive's figure covers the
whole loop: validation, dedupe, the dispatcher's transaction, storing both
sides of the conversation in SQLite, and rendering the reply.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

from thrive.demo import seed_demo
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

REQUESTS = 300
WARMUP = 30


async def _bare_app() -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"messages": [{"text": body["text"]}]})

    app = web.Application()
    app.router.add_post("/echo", echo)
    return app


async def _measure(session: aiohttp.ClientSession, url: str) -> list[float]:
    timings: list[float] = []
    for i in range(WARMUP + REQUESTS):
        payload = {"text": "help", "client_message_id": uuid.uuid4().hex}
        started = time.perf_counter()
        async with session.post(url, json=payload) as response:
            await response.read()
            assert response.status == 200, response.status
        if i >= WARMUP:
            timings.append(time.perf_counter() - started)
    return timings


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


async def run() -> None:
    bare_runner, bare_port = await start_site(await _bare_app(), "127.0.0.1", 0)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}", secret_key="bench"
        )
        runtime = await build_runtime(settings)
        runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
        await seed_demo(runtime)
        try:
            async with aiohttp.ClientSession() as session:
                bare = await _measure(session, f"http://127.0.0.1:{bare_port}/echo")
                thrive = await _measure(
                    session, f"http://127.0.0.1:{port}/chat/api/people/amara/messages"
                )
        finally:
            await runner.cleanup()
            await bare_runner.cleanup()
    print(f"chat message round trip ({REQUESTS} sequential requests, loopback, SQLite)")
    for label, q in (("p50", 50), ("p95", 95)):
        base, ours = _p(bare, q), _p(thrive, q)
        print(
            f"  {label}: thrive {ours * 1000:7.2f} ms   bare aiohttp {base * 1000:6.2f} ms"
            f"   ratio {ours / base:5.1f}x"
        )
