"""Teams cards over real HTTP: a prompt goes out as an Adaptive Card, a press on it (an
Action.Submit, posted as Teams posts it) answers it and the card is replaced in place."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.pulses.runs import ask_now
from storage.models import Response
from tests.integration.teams.fake_connector import Recorded
from tests.integration.teams.live_teams import LiveTeams, card_of

USER = "29:user-1"
SETTLE_SECONDS = 0.3


async def _prompted(live: LiveTeams, prompt_ids: list[str]) -> Recorded:
    """Open an occurrence for the clinician; returns the recorded post of the prompt."""
    person = await live.meet(USER)
    before = len(live.channel.posted())
    await ask_now(
        live.runtime.database, live.runtime.ctx, live.runtime.outbox, [person], prompt_ids
    )
    prompt = (await live.replies(before + 1))[before]
    # Posted is not yet recorded: wait for the outbox to commit, as a reply would.
    await live.until(live.sent_deliveries, "the delivery to be recorded as sent")
    return prompt


def _texts(card: dict[str, Any]) -> str:
    return " ".join(e.get("text", "") for e in card["body"] if e["type"] == "TextBlock")


def _button(card: dict[str, Any], title: str) -> dict[str, Any]:
    found = [
        action
        for element in card["body"]
        if element["type"] == "ActionSet"
        for action in element["actions"]
        if action["title"] == title
    ]
    found += [action for action in card.get("actions", []) if action["title"] == title]
    assert found, f"no {title!r} button on the card"
    button: dict[str, Any] = found[0]
    return button


async def _answers(live: LiveTeams, count: int) -> list[Response]:
    async def stored() -> list[Response]:
        found = await live.responses()
        return found if len(found) == count else []

    found: list[Response] = await live.until(stored, f"{count} answers")
    return found


async def test_a_prompt_is_a_card_and_pressing_an_option_answers_and_replaces_it(
    live: LiveTeams,
) -> None:
    prompt = await _prompted(live, ["autonomy-vital", "joy-more"])
    card = card_of(prompt)
    assert card["type"] == "AdaptiveCard"
    assert "autonomy" in _texts(card).lower()
    four = _button(card, "4")
    assert four["type"] == "Action.Submit"
    prompt_id = await _posted_id(live, prompt)

    assert await live.submit(four["data"], reply_to_id=prompt_id) == 201

    [response] = await _answers(live, 1)
    assert (response.prompt_id, response.scale_value) == ("autonomy-vital", 4)
    [replaced] = await live.until(live.replaced, "the prompt card to be replaced")
    assert replaced.path == f"/v3/conversations/{prompt.conversation_id}/activities/{prompt_id}"
    # Answered, with the question's follow-up to add a comment right there.
    assert "✓ Answered" in str(replaced.body) and "What makes you say that?" in str(replaced.body)
    # The next question follows as a new card.
    posts = await live.replies(3)
    assert "What parts of your job bring you joy" in str(posts[-1].body)


async def test_a_submit_that_is_not_ours_gets_a_friendly_reply_and_stores_nothing(
    live: LiveTeams,
) -> None:
    await _prompted(live, ["autonomy-vital"])
    before = len(live.channel.posted())

    assert await live.submit({"action": "someone-elses-card", "choice": 4}) == 201

    told = (await live.replies(before + 1))[before]
    assert told.body["text"].startswith("That button no longer works.")
    await asyncio.sleep(SETTLE_SECONDS)
    assert await live.responses() == []
    assert await live.replaced() == []


async def test_typing_a_reply_still_answers_the_prompt(live: LiveTeams) -> None:
    await _prompted(live, ["joy-more"])

    assert await live.say("Teaching residents") == 201

    [response] = await _answers(live, 1)
    assert (response.prompt_id, response.text) == ("joy-more", "Teaching residents")


async def _posted_id(live: LiveTeams, post: Recorded) -> str:
    """The activity id the fake gave the prompt, as stored on the delivery."""
    [delivery] = await live.sent_deliveries()
    ref = delivery.message_ref
    assert ref is not None and ref["conversation_id"] == post.conversation_id
    return str(ref["message_id"])
