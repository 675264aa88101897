"""A fake Bot Framework channel on loopback: OpenID metadata and keys, a token
endpoint, and the Bot Connector endpoints Thrive calls. Tokens for the app are minted
with the same RSA key (`mint`).

It runs on its own thread and event loop: botbuilder fetches metadata and tokens with
blocking `requests` calls on the app's loop, which would wait forever for a fake
served by that same loop.

    with FakeConnector(app_id="bot-app") as channel:
        token = channel.mint(service_url=channel.url)

It can also fail on demand, as the real connector does under load or when the bot is
gone (`fail_next`). Refused calls go to `refused`, never to `calls`, so `posted()` and
`put()` keep meaning "delivered".
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_ID = "fake-channel-key"
APP_PASSWORD = "fake-app-password"
START_SECONDS = 5.0


# The `error.code` the real Bot Connector answers with for each status (Teams docs).
ERROR_CODES = {
    400: "BadArgument",
    401: "Unauthorized",
    403: "BotNotInConversationRoster",
    404: "ConversationNotFound",
    412: "PreconditionFailed",
    413: "MessageSizeTooBig",
    429: "Throttled",
    500: "InternalServerError",
    502: "ServiceError",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    conversation_id: str
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass(frozen=True)
class Refused:
    """A connector call answered with an error by `fail_next`, not delivered."""

    method: str
    path: str
    conversation_id: str
    body: dict[str, Any]
    status: int


@dataclass
class _Failure:
    remaining: int
    status: int
    retry_after: float | None
    path_contains: str | None

    def matches(self, path: str) -> bool:
        return self.path_contains is None or self.path_contains in path


class FakeConnector:
    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.calls: list[Recorded] = []
        self.refused: list[Refused] = []
        self.issued: set[str] = set()
        # Seconds the OpenID metadata takes to answer (a slow login host), and how
        # many times it was asked.
        self.metadata_delay = 0.0
        # Seconds an in-place update (PUT) takes to answer, and the token endpoint.
        self.update_delay = 0.0
        self.token_delay = 0.0
        # How many of the next token requests to answer 503, and how many were.
        self.fail_token_next = 0
        self.token_refusals = 0
        self.metadata_fetches = 0
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""
        # botbuilder caches metadata and keys per metadata URL for the whole process
        # (a day). A later fake on a reused port would be checked against this one's
        # key, so each fake's metadata lives under a path of its own.
        self._metadata_path = f"/{uuid.uuid4().hex}/.well-known/openid-configuration"

    @property
    def issuer(self) -> str:
        return f"{self.url}/issuer"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}{self._metadata_path}"

    @property
    def login_url(self) -> str:
        return f"{self.url}/botframework.com/oauth2/v2.0/token"

    def mint(
        self,
        *,
        service_url: str,
        audience: str | None = None,
        expires_in: float = 3600,
        issuer: str | None = None,
    ) -> str:
        """A channel->bot token as Bot Framework signs them."""
        now = int(time.time())
        claims = {
            "iss": issuer or self.issuer,
            "aud": audience or self.app_id,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": int(now + expires_in),
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})

    def posted(self) -> list[Recorded]:
        with self._lock:
            return [call for call in self.calls if call.method == "POST"]

    def put(self) -> list[Recorded]:
        with self._lock:
            return [call for call in self.calls if call.method == "PUT"]

    def fail_next(
        self,
        count: int,
        status: int,
        retry_after: float | None = None,
        path_contains: str | None = None,
    ) -> None:
        """Answer the next `count` connector calls (whose path contains `path_contains`,
        if given) with `status` and the connector's JSON error body. `retry_after` is
        sent as the Retry-After header; the real connector sends whole seconds.
        Earlier requests are used up first when several match.
        """
        if count < 1 or not 400 <= status <= 599:
            raise ValueError("fail_next needs count >= 1 and a 4xx/5xx status")
        with self._lock:
            self._failures.append(_Failure(count, status, retry_after, path_contains))

    # --- lifecycle ---

    def __enter__(self) -> Self:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.url = started.result(START_SECONDS)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(
                START_SECONDS
            )
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_SECONDS)
        self._loop.close()

    async def _start(self) -> str:
        app = web.Application()
        app.router.add_get(self._metadata_path, self._metadata)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/botframework.com/oauth2/v2.0/token", self._token)
        app.router.add_post("/v3/conversations", self._record)
        app.router.add_post("/v3/conversations/{id}/activities", self._record)
        app.router.add_post("/v3/conversations/{id}/activities/{activity}", self._record)
        app.router.add_put("/v3/conversations/{id}/activities/{activity}", self._record)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    # --- handlers ---

    async def _metadata(self, _request: web.Request) -> web.Response:
        with self._lock:
            self.metadata_fetches += 1
        await asyncio.sleep(self.metadata_delay)
        return web.json_response(
            {
                "issuer": self.issuer,
                "jwks_uri": f"{self.url}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        key = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        key.update({"kid": KEY_ID, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]})
        return web.json_response({"keys": [key]})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != self.app_id or form.get("client_secret") != APP_PASSWORD:
            return web.json_response({"error": "invalid_client"}, status=401)
        await asyncio.sleep(self.token_delay)
        with self._lock:
            refuse = self.fail_token_next > 0
            if refuse:
                self.fail_token_next -= 1
                self.token_refusals += 1
        if refuse:
            return web.json_response({"error": "temporarily_unavailable"}, status=503)
        token = f"app-token-{uuid.uuid4().hex}"
        with self._lock:
            self.issued.add(token)
        return web.json_response(
            {"token_type": "Bearer", "access_token": token, "expires_in": 3600}
        )

    async def _record(self, request: web.Request) -> web.Response:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            known = bearer in self.issued
        if not known:  # the real connector refuses a bot without a valid token
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        body = await request.json() if request.can_read_body else {}
        if request.method == "PUT":
            await asyncio.sleep(self.update_delay)
        conversation = request.match_info.get("id", "")
        with self._lock:
            failure = self._take_failure(request.path)
            if failure is None:
                self.calls.append(Recorded(request.method, request.path, conversation, body))
            else:
                self.refused.append(
                    Refused(request.method, request.path, conversation, body, failure.status)
                )
        if failure is not None:
            return _error_response(failure)
        activity = request.match_info.get("activity") or uuid.uuid4().hex
        if request.path == "/v3/conversations":
            return web.json_response({"id": f"conv-{uuid.uuid4().hex}", "activityId": activity})
        return web.json_response({"id": activity if request.method == "PUT" else uuid.uuid4().hex})

    def _take_failure(self, path: str) -> _Failure | None:
        """Use up one failure matching `path`; the caller holds the lock."""
        for failure in self._failures:
            if failure.matches(path):
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return failure
        return None


def _error_response(failure: _Failure) -> web.Response:
    code = ERROR_CODES.get(failure.status, "ServiceError")
    headers = {}
    if failure.retry_after is not None:
        seconds = float(failure.retry_after)
        headers["Retry-After"] = str(int(seconds)) if seconds.is_integer() else str(seconds)
    return web.json_response(
        {"error": {"code": code, "message": f"fake connector: {code}"}},
        status=failure.status,
        headers=headers,
    )
