"""`report` in a Teams personal chat: one Adaptive Card carries the summary and its chart
as an Image whose URL is a PNG data URI, and the whole activity stays within the ~28 KB
Teams accepts from a bot."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from tests.integration.report_answers import seed_recent_answers
from tests.integration.teams.fake_connector import Recorded
from tests.integration.teams.live_teams import TENANT_ID, LiveTeams, card_of

LEE = "29:lee"
PNG = b"\x89PNG\r\n\x1a\n"
TEAMS_ACTIVITY_LIMIT = 28_000


async def test_a_leader_gets_the_report_with_its_chart_in_a_card(live: LiveTeams) -> None:
    await live.meet(LEE)
    await live.make_leader(LEE)
    await seed_recent_answers(live.runtime.database, "teams", TENANT_ID, datetime.now(UTC))
    before = len(live.posts_to(f"a:personal-{LEE}"))
    say = live.runtime.ctx.say

    assert await live.say("report", user=LEE) == 201

    async def new_posts() -> list[Recorded]:
        return live.posts_to(f"a:personal-{LEE}")[before:]

    [post] = await live.until(new_posts, "the report in Lee's chat")
    card = card_of(post)
    texts = [element["text"] for element in card["body"] if element["type"] == "TextBlock"]
    assert texts[0].startswith(say("report.chat.header", days=30, minimum=5))
    [image] = [element for element in card["body"] if element["type"] == "Image"]
    assert image["altText"] == say("report.chat.chart_alt", days=30)
    prefix = "data:image/png;base64,"
    assert image["url"].startswith(prefix)
    assert base64.b64decode(image["url"].removeprefix(prefix)).startswith(PNG)
    assert len(json.dumps(post.body).encode()) < TEAMS_ACTIVITY_LIMIT
