"""Multi-workspace installs: bolt's OAuth flow over real HTTP, slack_sdk's SQLAlchemy
installation store in our database, and each workspace answered with its own bot token."""

from __future__ import annotations

import asyncio
import base64
import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text

from adapters.slack import SlackAdapter
from adapters.slack.inbound import SLACK_PLATFORM, dm_ref
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.oauth import SlackInstallations
from bot.clock import SystemClock
from bot.errors import FatalError
from bot.events import MessageRef
from bot.messages import OutboundMessage
from storage.engine import Database
from storage.models import Person
from tests.conftest import postgres_url
from tests.integration.slack.fake_slack import Answer, Body, FakeSlack
from tests.integration.slack.live_slack import SIGNING_SECRET, LiveSlack
from tests.integration.slack.signing import event_body, message_event
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"
STATE_COOKIE = "slack-app-oauth-state"
TEAM_TWO = "T0TWO"
TEAM_TWO_TOKEN = "xoxb-team2"
NURSE = "U2NURSE"
BASIC_CREDENTIALS = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def v2_access(team_id: str, token: str) -> dict[str, Any]:
    """oauth.v2.access's answer for a bot-only install (a workspace, not an org)."""
    return {
        "ok": True,
        "app_id": "A0THRIVE",
        "authed_user": {"id": "U2ADMIN"},
        "scope": ",".join(BOT_SCOPES),
        "token_type": "bot",
        "access_token": token,
        "bot_user_id": "U0BOT",
        "team": {"id": team_id, "name": "Second Hospital"},
        "enterprise": None,
        "is_enterprise_install": False,
    }


class InstallingSlack(FakeSlack):
    """FakeSlack (which knows one bot token) plus oauth.v2.access: client credentials by
    HTTP Basic auth, as slack_sdk sends them, and one use per code the test hands out."""

    def __init__(self) -> None:
        super().__init__(token=TEAM_TWO_TOKEN)
        self.codes: dict[str, dict[str, Any]] = {}

    def _api(
        self, request: web.Request, method: str, body: Body, parse_error: str | None
    ) -> Answer:
        if method != "oauth.v2.access":
            return super()._api(request, method, body, parse_error)
        if request.headers.get("Authorization") != BASIC_CREDENTIALS:
            return 200, {"ok": False, "error": "invalid_client_id"}
        answer = self.codes.pop(str(body.get("code", "")), None)
        if answer is None:
            return 200, {"ok": False, "error": "invalid_code"}
        return 200, answer


Start = Callable[[Path], Awaitable[LiveSlack]]


@pytest.fixture
async def slack() -> AsyncIterator[InstallingSlack]:
    async with InstallingSlack() as fake:
        yield fake


@pytest.fixture
async def start(slack: InstallingSlack) -> AsyncIterator[Start]:
    """Starts servers with OAuth installs on (client id and secret, no bot token)."""
    started: list[LiveSlack] = []

    async def start_server(db_dir: Path) -> LiveSlack:
        settings = load_settings(
            database_url=f"sqlite:///{db_dir}/t.db",
            secret_key="x",
            slack_signing_secret=SIGNING_SECRET,
            slack_client_id=CLIENT_ID,
            slack_client_secret=CLIENT_SECRET,
            slack_api_url=slack.base_url,
        )
        runtime = await build_runtime(settings, clock=SystemClock())
        runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        live = LiveSlack(f"http://127.0.0.1:{port}", runtime, slack, http, runner)
        started.append(live)
        return live

    yield start_server
    for live in reversed(started):
        await live.stop()


@pytest.fixture
async def live(tmp_path: Path, start: Start) -> LiveSlack:
    return await start(tmp_path)


async def begin_install(live: LiveSlack) -> tuple[str, str]:
    """GET /slack/install as a browser: returns (the "Add to Slack" URL, the state)."""
    async with live.http.get(f"{live.url}/slack/install", allow_redirects=False) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
        cookie = response.cookies[STATE_COOKIE]
    assert "Add to Slack" in page
    [href] = re.findall(r'<a href="([^"]+)"', page)
    url = html.unescape(href)
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    assert query["state"] == [cookie.value]
    return url, cookie.value


async def finish_install(
    live: LiveSlack, *, code: str, state: str, cookie: str | None
) -> tuple[int, str]:
    """Slack's redirect back to us, from the browser that did (or did not) start it."""
    headers = {"Cookie": f"{STATE_COOKIE}={cookie}"} if cookie is not None else {}
    query = urlencode({"code": code, "state": state})
    async with live.http.get(
        f"{live.url}/slack/oauth_redirect?{query}", headers=headers, allow_redirects=False
    ) as response:
        return response.status, await response.text()


async def install_team_two(live: LiveSlack, slack: InstallingSlack) -> None:
    _url, state = await begin_install(live)
    slack.codes["code-two"] = v2_access(TEAM_TWO, TEAM_TWO_TOKEN)
    status, _page = await finish_install(live, code="code-two", state=state, cookie=state)
    assert status == 200


async def rows(live: LiveSlack, sql: str) -> list[dict[str, Any]]:
    async with live.runtime.database.engine.connect() as conn:
        result = await conn.execute(text(sql))
        return [dict(row) for row in result.mappings()]


def slack_adapter(live: LiveSlack) -> SlackAdapter:
    [adapter] = [a for a in live.runtime.adapters if isinstance(a, SlackAdapter)]
    return adapter


async def dm_from_team_two(live: LiveSlack, words: str, *, event_id: str) -> int:
    event = message_event(words, user_id=NURSE, team_id=TEAM_TWO, ts="1700000100.000001")
    return await live.post(event_body(event, event_id=event_id, team_id=TEAM_TWO), json_body=True)


async def test_the_install_page_offers_add_to_slack_with_our_client_id_scopes_and_a_state(
    live: LiveSlack,
) -> None:
    url, state = await begin_install(live)

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "slack.com", "/oauth/v2/authorize")
    query = parse_qs(parts.query, keep_blank_values=True)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    # The state is stored (slack_sdk's table, in our database) until the redirect uses it.
    assert [r["state"] for r in await rows(live, "SELECT state FROM slack_oauth_states")] == [state]


async def test_an_install_stores_the_workspace_and_its_events_are_answered_with_its_token(
    live: LiveSlack, slack: InstallingSlack
) -> None:
    _url, state = await begin_install(live)
    slack.codes["code-two"] = v2_access(TEAM_TWO, TEAM_TWO_TOKEN)

    status, page = await finish_install(live, code="code-two", state=state, cookie=state)

    assert status == 200, page
    [exchange] = slack.calls_to("oauth.v2.access")
    assert exchange.ok and exchange.body["code"] == "code-two"
    [auth_test] = slack.calls_to("auth.test")  # bolt learns the bot id with the new token
    assert auth_test.headers["Authorization"] == f"Bearer {TEAM_TWO_TOKEN}"
    [installation] = await rows(
        live, "SELECT client_id, team_id, team_name, bot_token, user_id FROM slack_installations"
    )
    assert installation == {
        "client_id": CLIENT_ID,
        "team_id": TEAM_TWO,
        "team_name": "Second Hospital",
        "bot_token": TEAM_TWO_TOKEN,
        "user_id": "U2ADMIN",
    }
    [bot] = await rows(live, "SELECT team_id, bot_token, bot_user_id FROM slack_bots")
    assert bot == {"team_id": TEAM_TWO, "bot_token": TEAM_TWO_TOKEN, "bot_user_id": "U0BOT"}
    assert await rows(live, "SELECT state FROM slack_oauth_states") == []  # used up

    assert await dm_from_team_two(live, "hello", event_id="Ev-two-hello") == 200

    [reply] = await slack.wait_for("chat.postMessage")
    assert reply.headers["Authorization"] == f"Bearer {TEAM_TWO_TOKEN}"
    assert reply.ok and reply.body["channel"] == f"D{NURSE}"
    [profile] = slack.calls_to("users.info")
    assert profile.headers["Authorization"] == f"Bearer {TEAM_TWO_TOKEN}"
    nurse = await live.person(NURSE)
    assert nurse is not None and nurse.workspace.external_id == TEAM_TWO

    # The same state cannot install twice.
    slack.codes["code-again"] = v2_access(TEAM_TWO, "xoxb-other")
    status, _page = await finish_install(live, code="code-again", state=state, cookie=state)
    assert status == 401
    assert len(slack.calls_to("oauth.v2.access")) == 1


async def test_an_unknown_state_or_another_browser_is_refused_and_nothing_is_stored(
    live: LiveSlack, slack: InstallingSlack
) -> None:
    _url, state = await begin_install(live)
    slack.codes["code-two"] = v2_access(TEAM_TWO, TEAM_TWO_TOKEN)

    made_up = "00000000-0000-0000-0000-000000000000"
    status, _page = await finish_install(live, code="code-two", state=made_up, cookie=made_up)
    assert status == 401  # the state store never issued it
    status, _page = await finish_install(live, code="code-two", state=state, cookie=None)
    assert status == 400  # a real state, but not from the browser that started the install
    status, _page = await finish_install(live, code="code-two", state=state, cookie=made_up)
    assert status == 400

    assert slack.calls_to("oauth.v2.access") == []
    assert await rows(live, "SELECT id FROM slack_installations") == []
    assert await rows(live, "SELECT id FROM slack_bots") == []


async def test_events_from_a_workspace_that_has_not_installed_the_app_are_not_handled(
    live: LiveSlack, slack: InstallingSlack
) -> None:
    status = await dm_from_team_two(live, "hello", event_id="Ev-two-early")

    assert status == 200  # bolt acks (no retries from Slack) but runs no listener
    await asyncio.sleep(0.2)  # give any (wrongly) accepted work the time to show
    assert slack.calls == []
    assert await live.person(NURSE) is None


async def test_each_outbound_call_uses_the_token_of_its_workspace(
    live: LiveSlack, slack: InstallingSlack
) -> None:
    await install_team_two(live, slack)
    adapter = slack_adapter(live)
    assert adapter.installations is not None
    # A third workspace installed too (stored directly: the fake knows one token only).
    await adapter.installations.installation_store.async_save(
        Installation(
            app_id="A0THRIVE",
            team_id="T0THREE",
            bot_token="xoxb-team3",
            bot_id="B0THREE",
            bot_user_id="U0BOT3",
            user_id="U3ADMIN",
            installed_at=datetime.now(UTC).timestamp(),
        )
    )
    slack.reset()
    hello = OutboundMessage(text="Hello")

    ref = await adapter.send(dm_ref(TEAM_TWO, NURSE), hello)
    await adapter.update(ref, OutboundMessage(text="Hello again"))
    with pytest.raises(FatalError):  # the fake answers invalid_auth to any other token
        await adapter.send(dm_ref("T0THREE", "U3NURSE", "DU3NURSE"), hello)

    [opened, posted, updated, elsewhere] = slack.calls
    assert [c.method for c in slack.calls] == [
        "conversations.open",
        "chat.postMessage",
        "chat.update",
        "chat.postMessage",
    ]
    for call in (opened, posted, updated):
        assert call.ok and call.headers["Authorization"] == f"Bearer {TEAM_TWO_TOKEN}"
    assert elsewhere.headers["Authorization"] == "Bearer xoxb-team3"

    # No installation, or a channel of no known workspace: refused before calling Slack.
    with pytest.raises(FatalError, match="has not installed"):
        await adapter.send(dm_ref("T0NONE", "U9", "DU9"), hello)
    with pytest.raises(FatalError, match="not known"):
        await adapter.update(MessageRef(SLACK_PLATFORM, "DUNSEEN", "1.2"), hello)
    assert len(slack.calls) == 4


async def test_installations_and_their_tables_survive_a_restart(
    tmp_path: Path, start: Start, slack: InstallingSlack
) -> None:
    first = await start(tmp_path)
    await install_team_two(first, slack)
    await first.stop()

    second = await start(tmp_path)  # creates the store's tables again: a no-op
    slack.reset()
    assert await dm_from_team_two(second, "hello", event_id="Ev-two-restart") == 200

    [reply] = await slack.wait_for("chat.postMessage")
    assert reply.headers["Authorization"] == f"Bearer {TEAM_TWO_TOKEN}"
    assert len(await rows(second, "SELECT id FROM slack_installations")) == 1


@pytest.mark.postgres
async def test_replicas_create_the_store_tables_together_on_postgresql() -> None:
    replicas = [Database(postgres_url()), Database(postgres_url())]
    try:
        async with replicas[0].engine.begin() as conn:
            await conn.execute(
                text("DROP TABLE IF EXISTS slack_installations, slack_bots, slack_oauth_states")
            )
        stores = [SlackInstallations(CLIENT_ID, CLIENT_SECRET, r.engine) for r in replicas]

        await asyncio.gather(*(store.create_tables() for store in stores * 2))

        state = await stores[0].state_store.async_issue()
        assert await stores[1].state_store.async_consume(state)
        assert await stores[1].bot_token(TEAM_TWO) is None
    finally:
        for replica in replicas:
            await replica.dispose()


async def test_a_person_in_the_second_workspace_is_a_person_of_that_workspace(
    live: LiveSlack, slack: InstallingSlack
) -> None:
    await install_team_two(live, slack)
    assert await dm_from_team_two(live, "hello", event_id="Ev-two-person") == 200

    async def known() -> Person | None:
        return await live.person(NURSE)

    nurse: Person = await live.until(known, "the nurse to be known")
    assert nurse.workspace.external_id == TEAM_TWO
    assert nurse.conversation_ref is not None
    assert nurse.conversation_ref["workspace"] == TEAM_TWO


async def test_a_message_in_a_channel_heard_but_never_posted_to_is_updated_with_its_token(
    live: LiveSlack, slack: InstallingSlack
) -> None:
    await install_team_two(live, slack)
    chatter = message_event(
        "ward chatter", user_id=NURSE, channel_id="C2WARD", team_id=TEAM_TWO, channel_type="channel"
    )
    body = event_body(chatter, event_id="Ev-two-chatter", team_id=TEAM_TWO)
    assert await live.post(body, json_body=True) == 200
    slack.reset()

    await slack_adapter(live).update(
        MessageRef(SLACK_PLATFORM, "C2WARD", "1700000000.000100"), OutboundMessage(text="Closed")
    )

    [updated] = slack.calls_to("chat.update")
    assert updated.ok and updated.headers["Authorization"] == f"Bearer {TEAM_TWO_TOKEN}"
