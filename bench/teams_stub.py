"""A fake Bot Framework channel for bench/teams_turn.py, in its own process.

It serves what both bots fetch and call: OpenID metadata and the signing key, a
client-credentials token endpoint, and the Bot Connector's activity endpoints. It
notes which measured requests got their reply: every benchmark message says
"hello <n>", and the reply (our bot's card, the echo bot's text) carries those words.

Its own process, so that answering the bots' replies and token requests does not
take CPU from the server being measured; the parent mints the inbound tokens with
the same RSA key (`mint`) and asks the stub over a pipe how many replies arrived.

    stub = TeamsStub(APP_ID, APP_PASSWORD)
    url = await stub.start()
    token = stub.mint(service_url=url)
    ...
    replied = await stub.replied(range(0, 100))
    await stub.stop()
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
import time
import uuid
from multiprocessing.connection import Connection
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from thrive.server import start_site

KEY_ID = "bench-channel-key"
# The words every benchmark message carries; the reply to it carries them back.
WORDS = re.compile(r"hello (\d+)")
STOP_SECONDS = 30.0


class TeamsStub:
    """The parent's handle on the stub process."""

    def __init__(self, app_id: str, app_password: str) -> None:
        self.app_id = app_id
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(app_id, app_password, pem, child), daemon=True
        )
        self.url = ""

    @property
    def issuer(self) -> str:
        return f"{self.url}/issuer"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    @property
    def login_url(self) -> str:
        return f"{self.url}/botframework.com/oauth2/v2.0/token"

    def mint(self, *, service_url: str, expires_in: float = 3600) -> str:
        """A channel->bot token as Bot Framework signs them (one serves many requests)."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.app_id,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": int(now + expires_in),
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KEY_ID})

    async def start(self) -> str:
        self._process.start()
        self.url = str(await self._ask(None))
        return self.url

    async def replied(self, numbers: range) -> int:
        """How many of these requests have had their reply posted to the stub."""
        count: int = await self._ask(("replied", numbers.start, numbers.stop))
        return count

    async def counts(self) -> dict[str, int]:
        """Calls by kind (token, metadata, keys, activity, refused)."""
        answer: dict[str, int] = await self._ask(("counts",))
        return answer

    async def stop(self) -> None:
        self._conn.send(("stop",))
        await asyncio.get_running_loop().run_in_executor(None, self._process.join, STOP_SECONDS)

    async def _ask(self, question: tuple[Any, ...] | None) -> Any:
        if question is not None:
            self._conn.send(question)
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)


# --- the stub process ---


def _serve(app_id: str, app_password: str, pem: bytes, conn: Connection) -> None:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    asyncio.run(_Channel(app_id, app_password, key).serve(conn))


class _Channel:
    def __init__(self, app_id: str, app_password: str, key: rsa.RSAPrivateKey) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.key = key
        self.url = ""
        self.issued: set[str] = set()
        self.replied: set[int] = set()
        self.counts: dict[str, int] = {}

    async def serve(self, conn: Connection) -> None:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/botframework.com/oauth2/v2.0/token", self._token)
        app.router.add_post("/v3/conversations", self._activity)
        app.router.add_post("/v3/conversations/{id}/activities", self._activity)
        app.router.add_post("/v3/conversations/{id}/activities/{activity}", self._activity)
        app.router.add_put("/v3/conversations/{id}/activities/{activity}", self._activity)
        runner, port = await start_site(app, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{port}"
        conn.send(self.url)
        loop = asyncio.get_running_loop()
        try:
            while (question := await loop.run_in_executor(None, conn.recv))[0] != "stop":
                conn.send(self._answer(question))
        finally:
            await runner.cleanup()

    def _answer(self, question: tuple[Any, ...]) -> Any:
        if question[0] == "replied":
            return sum(1 for n in range(question[1], question[2]) if n in self.replied)
        return dict(self.counts)

    def _count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    async def _metadata(self, _request: web.Request) -> web.Response:
        self._count("metadata")
        return web.json_response(
            {
                "issuer": f"{self.url}/issuer",
                "jwks_uri": f"{self.url}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        self._count("keys")
        key = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        key.update({"kid": KEY_ID, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]})
        return web.json_response({"keys": [key]})

    async def _token(self, request: web.Request) -> web.Response:
        self._count("token")
        form = await request.post()
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return web.json_response({"error": "invalid_client"}, status=401)
        token = f"app-token-{uuid.uuid4().hex}"
        self.issued.add(token)
        return web.json_response(
            {"token_type": "Bearer", "access_token": token, "expires_in": 3600}
        )

    async def _activity(self, request: web.Request) -> web.Response:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.issued:  # the real connector refuses a bot without a token
            self._count("refused")
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        self._count("activity")
        body = await request.text()
        for number in WORDS.findall(body):
            self.replied.add(int(number))
        activity = request.match_info.get("activity") or uuid.uuid4().hex
        if request.path == "/v3/conversations":
            return web.json_response({"id": f"conv-{uuid.uuid4().hex}", "activityId": activity})
        return web.json_response({"id": activity if request.method == "PUT" else uuid.uuid4().hex})
