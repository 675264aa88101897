"""An answer typed in the local web chat is coded as it is stored, over real HTTP."""

from __future__ import annotations

from storage.models import Coding, Response
from tests.integration.live_chat import LiveChat


async def test_an_answer_about_the_in_basket_is_stored_with_its_code(live_chat: LiveChat) -> None:
    chat = live_chat
    amara = await chat.person_pk("amara")

    await chat.say("amara", "Clearing the in-basket at midnight drains the joy out of it")

    [answer] = await chat.rows(Response, Response.person_id == amara)
    codes = await chat.rows(Coding, Coding.response_id == answer.id)
    assert ("in-basket", "barrier", "coder") in {(c.theme_id, c.polarity, c.source) for c in codes}
    assert answer.role == "clinician"
