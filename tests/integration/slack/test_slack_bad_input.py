"""What Slack (or someone pretending to be Slack) sends that the bot must refuse or survive."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.pulses.runs import ask_now
from tests.integration.slack.fake_slack import Call
from tests.integration.slack.live_slack import (
    SIGNING_SECRET,
    LiveSlack,
    action_from,
    button_labelled,
)
from tests.integration.slack.signing import interaction_body, signed_headers
from tests.integration.slack.test_slack_flow import DM, USER, _met, _prompt_ts, _prompted

DELETE_ALL = "Delete all 1 of your saved answers?"


async def _post_raw(live: LiveSlack, body: str, content_type: str) -> tuple[int, Any]:
    headers = signed_headers(SIGNING_SECRET, body, content_type=content_type)
    async with live.http.post(f"{live.url}/slack/events", data=body, headers=headers) as r:
        return r.status, await r.json()


async def test_a_signed_but_malformed_body_gets_400_and_nothing_is_stored(
    live: LiveSlack,
) -> None:
    status, body = await _post_raw(live, "{not json", "application/json")
    assert (status, body) == (400, {"error": "malformed_body", "reason": "malformed_json"})
    status, body = await _post_raw(
        live, interaction_body({"type": "block_actions"}), "application/x-www-form-urlencoded"
    )  # a press by nobody
    assert (status, body) == (400, {"error": "malformed_body", "reason": "wrong_shape"})
    status, body = await _post_raw(
        live, interaction_body({"type": "no_such_thing"}), "application/x-www-form-urlencoded"
    )
    assert (status, body) == (400, {"error": "unhandled_payload"})
    assert await live.person(USER) is None


async def test_an_unknown_action_id_gets_a_polite_reply_and_changes_nothing(
    live: LiveSlack,
) -> None:
    await _prompted(live, ["joy-more"])
    before = len(live.slack.calls_to("chat.postMessage"))

    await live.press(
        USER, {"action_id": "no.such.action", "value": "1"}, channel=DM, message_ts="1.1"
    )

    # Told privately (an ephemeral message), and nothing else happens.
    [told] = await live.slack.wait_for("chat.postEphemeral")
    assert told.body["text"].startswith("That button no longer works.")
    assert told.body["user"] == USER
    assert len(live.slack.calls_to("chat.postMessage")) == before
    assert await live.responses() == []


async def test_a_form_whose_metadata_does_not_decode_is_answered_politely(
    live: LiveSlack,
) -> None:
    await _met(live)
    before = len(live.slack.calls_to("chat.postMessage"))
    view = {"type": "modal", "callback_id": "thrive.form", "private_metadata": "{garbled"}

    assert await live.submit_view(USER, view, {"answer": "Teaching"}) == 200

    [told] = await live.slack.wait_for("chat.postEphemeral")
    assert told.body["text"].startswith("That button no longer works.")
    assert len(live.slack.calls_to("chat.postMessage")) == before
    assert await live.responses() == []


async def test_undo_in_slack_removes_the_answer_and_asks_again(live: LiveSlack) -> None:
    prompt = await _prompted(live, ["autonomy-vital"])
    await live.press(
        USER,
        action_from(button_labelled(prompt["blocks"], "3")),
        channel=DM,
        message_ts=await _prompt_ts(live),
    )
    await live.until(live.responses, "the answer")
    [confirmation] = await live.slack.wait_for("chat.postEphemeral")
    undo = button_labelled(confirmation.body["blocks"], "Undo")
    posts = live.slack.calls_to("chat.postMessage")

    await live.press(USER, action_from(undo), channel=DM, message_ts="1700000000.000999")

    async def gone() -> bool:
        return await live.responses() == []

    await live.until(gone, "the answer to be undone")
    asked_again = await live.slack.wait_for("chat.postMessage", len(posts) + 1)
    assert "autonomy" in asked_again[-1].body["text"]


async def test_a_deactivated_person_is_marked_gone_and_not_prompted(live: LiveSlack) -> None:
    person = await _met(live)
    change = {
        "type": "user_change",
        "user": {"id": USER, "team_id": "T0TEST", "deleted": True, "tz": "America/Chicago"},
    }
    assert await live.event(change, "Ev-gone") == 200

    async def gone() -> bool:
        found = await live.person(USER)
        return found is not None and found.gone

    await live.until(gone, "the person to be marked gone")
    before = len(live.slack.calls_to("chat.postMessage"))
    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], ["joy-more"]
    )
    await live.runtime.outbox.dispatch_due()
    assert len(live.slack.calls_to("chat.postMessage")) == before


async def test_the_dm_channel_is_opened_once_and_remembered(live: LiveSlack) -> None:
    """A person first met through a channel mention has no DM yet: open it once."""
    mention = {
        "type": "app_mention",
        "user": "U2NEW",
        "channel": "C0GENERAL",
        "text": "<@U0BOT> help",
        "ts": "1700000100.000001",
    }
    assert await live.event(mention, "Ev-mention") == 200
    [help_reply] = await live.slack.wait_for("chat.postEphemeral")
    # The reply is for the person only, in the mention's thread; nothing public.
    assert (help_reply.body["channel"], help_reply.body["user"]) == ("C0GENERAL", "U2NEW")
    assert help_reply.body["thread_ts"] == "1700000100.000001"
    assert live.slack.calls_to("chat.postMessage") == []

    async def known() -> Any:
        return await live.person("U2NEW")

    person = await live.until(known, "the person")
    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], ["joy-more"]
    )
    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], ["valued"]
    )
    posts = await live.slack.wait_for("chat.postMessage", 2)

    assert [c.body["channel"] for c in posts] == ["DU2NEW", "DU2NEW"]
    assert len(live.slack.calls_to("conversations.open")) == 1


async def test_a_mention_never_shows_someones_answers_in_the_channel(live: LiveSlack) -> None:
    await _prompted(live, ["joy-more"])
    await live.dm(USER, "Teaching my patient Jones", ts="1700000200.000001", event_id="Ev-m1")
    await live.until(live.responses, "the answer")

    for n, text in enumerate(["<@U0BOT> my answers", "<@U0BOT> forget me"]):
        mention = {
            "type": "app_mention",
            "user": USER,
            "channel": "C0GENERAL",
            "text": text,
            "ts": f"1700000300.00000{n}",
        }
        assert await live.event(mention, f"Ev-m-{n}") == 200

    # The answer's confirmation was the first ephemeral message; the listing comes next.
    _confirmation, listing = await live.slack.wait_for("chat.postEphemeral", 2)
    assert listing.body["user"] == USER and "Teaching my patient" in listing.body["text"]

    # The confirmation with its buttons went to the person's DM, not the channel. (Found
    # by its words, not its place: the answer's closing words may be posted after it.)
    async def confirmations() -> list[Call]:
        posts = live.slack.calls_to("chat.postMessage")
        return [c for c in posts if c.body["text"].startswith(DELETE_ALL)]

    confirmation = await live.until(confirmations, "the confirmation to delete all answers")
    assert [c.body["channel"] for c in confirmation] == [DM]
    assert all(c.body["channel"] != "C0GENERAL" for c in live.slack.calls_to("chat.postMessage"))


async def test_an_unfurl_is_not_an_edit(live: LiveSlack) -> None:
    await _prompted(live, ["joy-more"])
    prompted = len(live.slack.calls_to("chat.postMessage"))
    await live.dm(USER, "See https://example.org", ts="1700000400.000001", event_id="Ev-u1")
    await live.until(live.responses, "the answer")
    # The answer's closing words are posted after it is stored: count from them on.
    posts_before = len(await live.slack.wait_for("chat.postMessage", prompted + 1))
    unfurled = {
        "type": "message",
        "subtype": "message_changed",
        "channel": DM,
        "channel_type": "im",
        "ts": "1700000401.000001",
        "message": {
            "type": "message",
            "user": USER,
            "text": "See https://example.org",
            "ts": "1700000400.000001",
            "attachments": [{"title": "Example"}],
        },
        "previous_message": {
            "type": "message",
            "user": USER,
            "text": "See https://example.org",
            "ts": "1700000400.000001",
        },
    }
    assert await live.event(unfurled, "Ev-u2") == 200
    await asyncio.sleep(0.3)
    assert len(live.slack.calls_to("chat.postMessage")) == posts_before  # no "Updated ..."


async def test_a_profile_change_of_a_stranger_signs_nobody_up(live: LiveSlack) -> None:
    change = {"type": "user_change", "user": {"id": "U9STRANGER", "team_id": "T0TEST", "tz": "UTC"}}
    assert await live.event(change, "Ev-stranger") == 200
    await asyncio.sleep(0.3)
    assert await live.person("U9STRANGER") is None
