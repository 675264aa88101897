"""The whole loop in Slack: real signed HTTP in, real slack_sdk calls out to a fake Web API."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from bot.people.roles import Role
from bot.pulses.runs import ask_now
from storage.models import Person
from storage.people import PeopleRepository
from tests.integration.slack.live_slack import (
    SIGNING_SECRET,
    LiveSlack,
    action_from,
    button_labelled,
)
from tests.integration.slack.signing import event_body, signed_headers

USER = "U1CLIN"
DM = f"D{USER}"


async def _met(live: LiveSlack, user: str = USER) -> Person:
    """The clinician says hello in a DM, so Thrive knows them and their DM."""
    assert await live.dm(user, "hello", ts="1700000000.000010", event_id=f"Ev-hello-{user}") == 200

    async def known() -> Person | None:
        return await live.person(user)

    person: Person = await live.until(known, f"{user} to be known")
    await live.slack.wait_for("chat.postMessage")  # the reply to "hello"
    return person


async def _prompted(live: LiveSlack, prompt_ids: list[str]) -> dict[str, Any]:
    """Open an occurrence for the clinician; returns the chat.postMessage call of the prompt."""
    person = await _met(live)
    before = len(live.slack.calls_to("chat.postMessage"))
    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], prompt_ids
    )
    calls = await live.slack.wait_for("chat.postMessage", before + 1)
    prompt = calls[before]
    # Posted is not yet recorded: wait for the outbox to commit, as a person's reply would.
    await live.until(live.sent_deliveries, "the delivery to be recorded as sent")
    return {"channel": prompt.body["channel"], "blocks": prompt.body["blocks"], "ts": None}


async def _prompt_ts(live: LiveSlack, index: int = -1) -> str:
    # The fake hands out increasing timestamps; find the one for this post.
    return sorted(ts for (_channel, ts) in live.slack.messages)[index]


async def test_a_prompt_goes_out_as_block_kit_and_a_button_answers_it(live: LiveSlack) -> None:
    prompt = await _prompted(live, ["autonomy-vital", "joy-more"])
    assert prompt["channel"] == DM
    four = button_labelled(prompt["blocks"], "4")
    prompt_ts = await _prompt_ts(live)

    status = await live.press(USER, action_from(four), channel=DM, message_ts=prompt_ts)

    assert status == 200
    [update] = await live.slack.wait_for("chat.update")
    # The prompt turns answered; the confirmation names the point (a dash, then "Agree").
    assert update.body["ts"] == prompt_ts and update.body["text"].endswith("✓ Answered")

    async def answered() -> list[Any]:
        return await live.responses()

    [response] = await live.until(answered, "the answer")
    assert (response.prompt_id, response.scale_value) == ("autonomy-vital", 4)
    # The confirmation is for the answerer only (ephemeral); the next question is posted.
    [confirmation] = await live.slack.wait_for("chat.postEphemeral")
    assert confirmation.body["text"].startswith("Thanks, saved: 4")
    posts = await live.slack.wait_for("chat.postMessage", 3)
    assert "What parts of your job bring you joy" in posts[-1].body["text"]

    # No form fits in a Slack message: the answered prompt offers one as a modal.
    comment = button_labelled(update.body["blocks"], "Add a comment")
    await live.press(USER, action_from(comment), channel=DM, message_ts=prompt_ts)
    [opened] = await live.slack.wait_for("views.open")
    assert await live.submit_view(USER, opened.body["view"], {"answer": "It depends"}) == 200

    async def commented() -> list[Any]:
        return [r for r in await live.responses() if r.text == "It depends"]

    [response] = await live.until(commented, "the comment to join the answer")
    assert response.scale_value == 4


async def test_a_dm_reply_and_a_thread_reply_answer_prompts(live: LiveSlack) -> None:
    await _prompted(live, ["joy-more", "valued"])
    prompt_ts = await _prompt_ts(live)

    await live.dm(USER, "Teaching residents", ts="1700000001.000001", event_id="Ev-a1")

    async def one() -> list[Any]:
        found = await live.responses()
        return found if len(found) == 1 else []

    [first] = await live.until(one, "the DM answer")
    assert (first.prompt_id, first.text) == ("joy-more", "Teaching residents")

    # The next question was posted; a reply in *its* thread answers it.
    await live.slack.wait_for("chat.postMessage", 3)
    next_ts = await _prompt_ts(live)
    assert next_ts != prompt_ts
    await live.dm(
        USER, "A thank-you note", ts="1700000002.000001", event_id="Ev-a2", thread_ts=next_ts
    )

    async def two() -> list[Any]:
        found = await live.responses()
        return found if len(found) == 2 else []

    responses = await live.until(two, "the thread answer")
    assert [(r.prompt_id, r.text) for r in responses] == [
        ("joy-more", "Teaching residents"),
        ("valued", "A thank-you note"),
    ]


async def test_the_answer_button_opens_a_modal_and_its_submission_is_the_answer(
    live: LiveSlack,
) -> None:
    prompt = await _prompted(live, ["joy-more"])
    answer = button_labelled(prompt["blocks"], "Answer")

    await live.press(USER, action_from(answer), channel=DM, message_ts=await _prompt_ts(live))

    [opened] = await live.slack.wait_for("views.open")
    view = opened.body["view"]
    assert view["type"] == "modal"
    status = await live.submit_view(USER, view, {"answer": "Procedures and continuity"})
    assert status == 200

    async def stored() -> list[Any]:
        return await live.responses()

    [response] = await live.until(stored, "the modal answer")
    assert response.text == "Procedures and continuity"


async def test_editing_the_dm_edits_the_answer(live: LiveSlack) -> None:
    await _prompted(live, ["joy-more"])
    await live.dm(USER, "Teaching", ts="1700000003.000001", event_id="Ev-e1")

    async def stored() -> list[Any]:
        return await live.responses()

    await live.until(stored, "the answer")
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": DM,
        "channel_type": "im",
        "hidden": True,
        "ts": "1700000004.000001",
        "message": {
            "type": "message",
            "user": USER,
            "text": "Teaching residents",
            "ts": "1700000003.000001",
            "edited": {"user": USER, "ts": "1700000004.000001"},
        },
        "previous_message": {
            "type": "message",
            "user": USER,
            "text": "Teaching",
            "ts": "1700000003.000001",
        },
    }
    await live.event(edited, "Ev-e2")

    async def changed() -> bool:
        [response] = await live.responses()
        return response.text == "Teaching residents"

    await live.until(changed, "the edit")


async def test_a_retried_event_records_one_answer(live: LiveSlack) -> None:
    await _prompted(live, ["joy-more", "valued"])

    await live.dm(USER, "Teaching", ts="1700000005.000001", event_id="Ev-retry")
    # The same event id again, as Slack's own retry (X-Slack-Retry-Num: 1).
    body = event_body(
        {
            "type": "message",
            "channel": DM,
            "user": USER,
            "text": "Teaching",
            "ts": "1700000005.000001",
            "channel_type": "im",
        },
        event_id="Ev-retry",
    )
    await live.post(body, json_body=True, retry_num=1, retry_reason="http_timeout")

    async def stored() -> list[Any]:
        return await live.responses()

    await live.until(stored, "the answer")
    await asyncio.sleep(0.3)  # give any duplicate the chance to land (it must not)
    assert [r.text for r in await live.responses()] == ["Teaching"]


async def test_the_bots_own_message_is_ignored(live: LiveSlack) -> None:
    await _prompted(live, ["joy-more"])
    own = {
        "type": "message",
        "channel": DM,
        "channel_type": "im",
        "user": "U0BOT",
        "bot_id": "B0BOT",
        "text": "What parts of your job bring you joy?",
        "ts": "1700000006.1",
    }
    assert await live.event(own, "Ev-own") == 200
    await asyncio.sleep(0.3)
    assert await live.responses() == []


async def test_slash_command_idea_creates_an_idea_and_answers_where_typed(
    live: LiveSlack,
) -> None:
    assert await live.command(USER, "idea protected admin time", channel="C0GENERAL") == 200

    async def created() -> list[Any]:
        return await live.ideas()

    [idea] = await live.until(created, "the idea")
    assert (idea.text, idea.state) == ("protected admin time", "submitted")
    [reply] = await live.slack.wait_for("response_url")
    assert reply.body["response_type"] == "ephemeral"
    assert f"idea #{idea.id}" in reply.body["text"]


async def test_app_home_renders(live: LiveSlack) -> None:
    opened = {"type": "app_home_opened", "user": USER, "channel": DM, "tab": "home"}
    assert await live.event(opened, "Ev-home") == 200
    [published] = await live.slack.wait_for("views.publish")
    view = published.body["view"]
    assert view["type"] == "home"
    assert "here's where things stand" in json.dumps(view)


async def test_forged_and_stale_signatures_are_refused(live: LiveSlack) -> None:
    body = event_body(
        {
            "type": "message",
            "channel": DM,
            "user": USER,
            "text": "hi",
            "ts": "1.1",
            "channel_type": "im",
        },
        event_id="Ev-forged",
    )
    forged = signed_headers("not-the-secret", body, content_type="application/json")
    async with live.http.post(f"{live.url}/slack/events", data=body, headers=forged) as r:
        assert r.status == 401
    stale = signed_headers(
        SIGNING_SECRET, body, content_type="application/json", timestamp=int(time.time()) - 600
    )
    async with live.http.post(f"{live.url}/slack/events", data=body, headers=stale) as r:
        assert r.status == 401
    async with live.http.post(f"{live.url}/slack/events", data=body) as r:
        assert r.status == 401
    assert await live.person(USER) is None  # nothing was processed


async def test_a_429_on_post_message_is_retried_after_retry_after(live: LiveSlack) -> None:
    person = await _met(live)
    live.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    before = len(live.slack.calls_to("chat.postMessage"))

    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], ["joy-more"]
    )

    calls = await live.slack.wait_for("chat.postMessage", before + 2)
    limited, sent = calls[before], calls[before + 1]
    assert limited.status == 429 and sent.ok
    assert sent.at - limited.at >= 0.9  # Retry-After: 1 was obeyed


async def test_app_home_shows_a_leader_the_triage_queue(live: LiveSlack) -> None:
    person = await _met(live)
    async with live.runtime.database.transaction() as session:
        people = PeopleRepository(session)
        found = await people.get(person.id)
        assert found is not None
        await people.grant(found, Role.LEADER, now=live.runtime.ctx.clock.now())
    assert await live.command(USER, "idea: a float nurse on Mondays", channel=DM) == 200
    await live.until(live.ideas, "the idea")

    opened = {"type": "app_home_opened", "user": USER, "channel": DM, "tab": "home"}
    assert await live.event(opened, "Ev-home-leader") == 200

    [published] = await live.slack.wait_for("views.publish")
    shown = json.dumps(published.body["view"])
    assert "Waiting for leaders (1):" in shown and "a float nurse on Mondays" in shown


async def test_a_new_idea_reaches_the_leaders_channel_as_a_card(live: LiveSlack) -> None:
    assert await live.command(USER, "idea: a float nurse on Mondays", channel=DM) == 200

    async def card() -> list[Any]:
        return [
            c for c in live.slack.calls_to("chat.postMessage") if c.body["channel"] == "C0LEADERS"
        ]

    [posted] = await live.until(card, "the idea card in the leaders' channel")
    shown = json.dumps(posted.body["blocks"])
    assert "a float nurse on Mondays" in shown and "Idea #" in shown
