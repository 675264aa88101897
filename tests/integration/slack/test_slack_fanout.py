"""A 2,000-person fan-out to Slack through the real app and slack_sdk, against a fake Web
API that has "429 storms" and people who have left.

What a workspace would notice: everyone still there gets the prompt exactly once; while
Slack says Retry-After, nothing more is posted to that workspace (beyond the posts already
on the wire), also when our own THRIVE_SEND_RATE makes a batch take longer than the
Retry-After; people who left are tried once, marked gone, and never messaged again.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from adapters.slack.inbound import SLACK_PLATFORM, dm_ref
from bot.clock import SystemClock
from bot.outbox.delivery import SEND_CONCURRENCY
from bot.pulses.runs import ask_now
from storage.models import Delivery, Person
from storage.people import PeopleRepository
from tests.integration.many_people import add_reachable_people
from tests.integration.slack.fake_slack import TEAM_ID, Answer, Body, Call, FakeSlack
from tests.integration.slack.fake_slack_http import error_answer
from tests.integration.slack.live_slack import SIGNING_SECRET, LiveSlack
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings

pytestmark = pytest.mark.slow

RECIPIENTS = 2_000
PROMPT = "joy-more"
POST = "chat.postMessage"
# After this many prompts have been posted, Slack answers 429 (Retry-After: 1) to the next
# STORM_CALLS posts: fewer than the outbox sends at once (bot.delivery.SEND_CONCURRENCY),
# so only pausing the whole workspace, not just the send that got the 429, keeps quiet.
STORMS_AFTER = (350, 950, 1550)
STORM_CALLS = 5
RETRY_AFTER = 1
# People who left, by what Slack answers when the app posts to their DM.
GONE = {
    "U00007": "user_not_found",
    "U00500": "account_inactive",
    "U01234": "channel_not_found",
    "U01999": "user_not_found",
}
FINISH_WITHIN = 50.0
POLL = 0.05


def user_id(n: int) -> str:
    return f"U{n:05d}"


def dm_of(user: str) -> str:
    return f"D{user}"


class StormySlack(FakeSlack):
    """FakeSlack plus 429 storms at set points of the run, and DMs of people who left."""

    def __init__(self) -> None:
        super().__init__()
        self.gone_channels = {dm_of(user): error for user, error in GONE.items()}
        self.posted = 0
        self.storms_after: tuple[int, ...] = STORMS_AFTER
        self.storms = list(STORMS_AFTER)

    def storm_after(self, *posted: int) -> None:
        self.storms_after = posted
        self.storms = list(posted)

    def _post_message(self, body: Body) -> Answer:
        error = self.gone_channels.get(str(body.get("channel", "")))
        if error is not None:
            return error_answer(error)
        answer = super()._post_message(body)
        self.posted += 1
        if self.storms and self.posted == self.storms[0]:
            self.storms.pop(0)
            self.fail_next(POST, times=STORM_CALLS, status=429, retry_after=RETRY_AFTER)
        return answer


@pytest.fixture
async def live(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[LiveSlack]:
    """The real app with Slack on (SQLite), posting to a StormySlack; THRIVE_SEND_RATE is
    the test's parameter, else 0: no limit of our own, only Slack's 429s slow it down."""
    rate = float(getattr(request, "param", 0))
    async with StormySlack() as slack:
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path}/t.db",
            secret_key="x",
            slack_signing_secret=SIGNING_SECRET,
            slack_bot_token=slack.token,
            slack_api_url=slack.base_url,
            local_chat=False,
            send_rate=rate,
        )
        runtime = await build_runtime(settings, clock=SystemClock())
        runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        live = LiveSlack(f"http://127.0.0.1:{port}", runtime, slack, http, runner)
        try:
            yield live
        finally:
            await live.stop()


async def add_slack_people(live: LiveSlack, count: int) -> list[Person]:
    """People Thrive already knows, each with their DM channel (no conversations.open)."""
    now = datetime.now(UTC)
    async with live.runtime.database.transaction() as session:
        workspace = await PeopleRepository(session).workspace(SLACK_PLATFORM, TEAM_ID, now=now)
        user_ids = [user_id(n) for n in range(count)]
        return await add_reachable_people(
            session, workspace.id, user_ids, lambda user: dm_ref(TEAM_ID, user, dm_of(user)), now
        )


async def states(live: LiveSlack, occurrence: int) -> dict[str, int]:
    async with live.runtime.database.transaction() as session:
        found = await session.execute(
            select(Delivery.state, func.count())
            .where(Delivery.occurrence_id == occurrence)
            .group_by(Delivery.state)
        )
        return {str(state): int(count) for state, count in found.all()}


async def until_settled(live: LiveSlack, occurrence: int, total: int) -> dict[str, int]:
    """Poll until no delivery of the occurrence is pending (bounded)."""
    deadline = time.monotonic() + FINISH_WITHIN
    while True:
        found = await states(live, occurrence)
        if sum(found.values()) == total and not (found.get("pending") or found.get("sending")):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled within {FINISH_WITHIN}s: {found}")
        await asyncio.sleep(POLL)


async def failures(live: LiveSlack, occurrence: int) -> dict[str, str | None]:
    """platform user id -> the failed delivery's stored reason."""
    async with live.runtime.database.transaction() as session:
        found = await session.execute(
            select(Person.platform_user_id, Delivery.last_error)
            .join(Delivery, Delivery.person_id == Person.id)
            .where(Delivery.occurrence_id == occurrence, Delivery.state == "failed")
        )
        return {str(user): error for user, error in found.all()}


async def gone_users(live: LiveSlack) -> set[str]:
    async with live.runtime.database.transaction() as session:
        found = await session.scalars(select(Person.platform_user_id).where(Person.gone.is_(True)))
        return set(found.all())


def posted_to(calls: list[Call]) -> Counter[str]:
    """Prompts Slack accepted, per DM channel."""
    return Counter(str(call.body["channel"]) for call in calls if call.ok)


def posts_while_told_to_wait(calls: list[Call]) -> list[tuple[float, int]]:
    """(seconds into the fan-out, posts inside its Retry-After window) of each 429 after
    which more posts reached Slack than were already on the wire with it: the outbox has
    at most SEND_CONCURRENCY posts out at once, so at most SEND_CONCURRENCY - 1 others."""
    found = []
    for index, limited in enumerate(calls):
        if limited.status != 429:
            continue
        inside = [call for call in calls[index + 1 :] if call.at < limited.at + RETRY_AFTER]
        if len(inside) > SEND_CONCURRENCY - 1:
            found.append((round(limited.at - calls[0].at, 3), len(inside)))
    return found


def prompt_calls(slack: FakeSlack) -> list[Call]:
    return slack.calls_to(POST)


@dataclass(frozen=True)
class FanOut:
    people: list[Person]
    occurrence: int
    states: dict[str, int]
    took: float
    calls: list[Call]


async def fan_out_through_storms(live: LiveSlack, recipients: int = RECIPIENTS) -> FanOut:
    """One occurrence for `recipients` people (GONE among them), through the 429 storms."""
    slack = live.slack
    assert isinstance(slack, StormySlack)
    people = await add_slack_people(live, recipients)
    started = time.monotonic()
    opened = await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, people, [PROMPT]
    )
    found = await until_settled(live, opened.occurrence_id, recipients)
    took = time.monotonic() - started
    calls = prompt_calls(live.slack)
    limited = [call for call in calls if call.status == 429]
    print(
        f"\n{recipients} Slack prompts through {len(slack.storms_after)} storm(s) of "
        f"{STORM_CALLS} x 429 (Retry-After: {RETRY_AFTER} s): {took:.1f} s, "
        f"{len(calls)} posts, {len(limited)} answered 429"
    )
    return FanOut(people, opened.occurrence_id, found, took, calls)


async def test_a_fan_out_through_429_storms_prompts_everyone_once_and_gives_up_on_leavers(
    live: LiveSlack,
) -> None:
    slack = live.slack
    run = await fan_out_through_storms(live)

    # Everyone still in Slack has the prompt, once, whatever Slack said in between.
    assert run.states == {"sent": RECIPIENTS - len(GONE), "failed": len(GONE)}
    accepted = posted_to(run.calls)
    assert len(accepted) == RECIPIENTS - len(GONE)
    assert set(accepted.values()) == {1}, [c for c, n in accepted.items() if n > 1][:10]
    text = live.runtime.ctx.content.prompt(PROMPT).text
    assert all(text in str(call.body["text"]) for call in run.calls if call.ok)
    # The storms happened, and were waited out (what was posted meanwhile: the next test).
    assert len([call for call in run.calls if call.status == 429]) >= (
        len(STORMS_AFTER) * STORM_CALLS
    )
    assert run.took >= len(STORMS_AFTER) * RETRY_AFTER

    # The people who left: tried once, failed with the reason, marked gone.
    reasons = await failures(live, run.occurrence)
    assert reasons == {user: f"recipient gone: slack: {error}" for user, error in GONE.items()}
    assert await gone_users(live) == set(GONE)
    tried = Counter(str(call.body["channel"]) for call in run.calls)
    assert {dm_of(user): tried[dm_of(user)] for user in GONE} == {dm_of(u): 1 for u in GONE}

    # The next occurrence, for the people who left and some who stayed: only those who
    # stayed hear from Thrive.
    before = len(prompt_calls(slack))
    left = [person for person in run.people if person.platform_user_id in GONE]
    stayed = [person for person in run.people if person.platform_user_id not in GONE][:20]
    second = await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [*left, *stayed], [PROMPT]
    )
    found = await until_settled(live, second.occurrence_id, len(left) + len(stayed))

    assert found == {"sent": len(stayed), "failed": len(left)}
    later = prompt_calls(slack)[before:]
    assert sorted(str(call.body["channel"]) for call in later) == sorted(
        dm_of(person.platform_user_id) for person in stayed
    )
    assert all(call.ok for call in later)
    assert await failures(live, second.occurrence_id) == {user: "recipient gone" for user in GONE}


async def test_nothing_is_posted_to_a_workspace_while_slack_says_retry_after(
    live: LiveSlack,
) -> None:
    run = await fan_out_through_storms(live)
    too_soon = posts_while_told_to_wait(run.calls)
    print(f"429s followed by more posts than were in flight (s into the run, posts): {too_soon}")

    assert run.states == {"sent": RECIPIENTS - len(GONE), "failed": len(GONE)}
    assert too_soon == [], f"posted while Slack said wait (s into the run, posts): {too_soon}"


PACED_RATE = 20  # messages per second: a batch of 100 takes 5 s
PACED_RECIPIENTS = 120


@pytest.mark.parametrize("live", [PACED_RATE], indirect=True)
async def test_a_429_in_the_middle_of_a_paced_batch_holds_the_rest_of_it(
    live: LiveSlack,
) -> None:
    """With THRIVE_SEND_RATE (or Slack's own 5/s) a batch takes seconds: the Retry-After
    counts from the 429, not from when the batch began."""
    slack = live.slack
    assert isinstance(slack, StormySlack)
    slack.storm_after(60)  # three seconds into the first batch
    run = await fan_out_through_storms(live, PACED_RECIPIENTS)
    too_soon = posts_while_told_to_wait(run.calls)
    print(f"429s followed by more posts than were in flight (s into the run, posts): {too_soon}")

    assert run.states == {"sent": PACED_RECIPIENTS - 1, "failed": 1}  # U00007 left
    assert set(posted_to(run.calls).values()) == {1}
    assert too_soon == [], f"posted while Slack said wait (s into the run, posts): {too_soon}"
