"""A chart on Teams: inside the Adaptive Card as a PNG data URI while the activity stays
within the ~28 KB Teams takes from a bot; a larger one follows the card as an inline
image attachment, the words kept in the card."""

from __future__ import annotations

import json
import os

from adapters.teams.cards import CARD_CONTENT_TYPE, MAX_PAYLOAD_BYTES, render_activity
from bot.messages import Image, OutboundMessage

PNG = b"\x89PNG\r\n\x1a\n"


def _image(size: int) -> Image:
    return Image(data=PNG + os.urandom(size), alt="Top themes, as bars", title="Top themes")


def test_a_small_chart_goes_inside_the_card() -> None:
    activity = render_activity(
        OutboundMessage(text="Report for the last 30 days", image=_image(4_000))
    )

    [attachment] = activity["attachments"]
    assert attachment["contentType"] == CARD_CONTENT_TYPE
    body = attachment["content"]["body"]
    assert body[0]["text"] == "Report for the last 30 days"
    [picture] = [element for element in body if element["type"] == "Image"]
    assert picture["url"].startswith("data:image/png;base64,")
    assert picture["altText"] == "Top themes, as bars"
    assert len(json.dumps(activity).encode()) <= MAX_PAYLOAD_BYTES


def test_a_large_chart_follows_the_card_as_an_attachment() -> None:
    activity = render_activity(OutboundMessage(text="Report", image=_image(40_000)))

    card, picture = activity["attachments"]
    assert card["contentType"] == CARD_CONTENT_TYPE
    assert all(element["type"] != "Image" for element in card["content"]["body"])
    assert picture["contentType"] == "image/png"
    assert picture["contentUrl"].startswith("data:image/png;base64,")
