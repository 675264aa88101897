"""Over real HTTP, turns after the first reuse the Bot Connector client and its token."""

from __future__ import annotations

from adapters.teams.adapter import TeamsAdapter
from adapters.teams.auth import StrictAuthentication
from tests.integration.teams.live_teams import LiveTeams


def _auth(live: LiveTeams) -> StrictAuthentication:
    adapter = next(a for a in live.runtime.adapters if isinstance(a, TeamsAdapter))
    auth = adapter.cloud.bot_framework_authentication
    assert isinstance(auth, StrictAuthentication)
    return auth


async def test_turns_to_one_service_url_share_one_client_and_one_token(live: LiveTeams) -> None:
    for n in range(3):
        assert await live.say("help", activity_id=f"act-{n}") == 201
    replies = await live.replies(at_least=3)
    assert len(replies) == 3  # each accepted by the connector: the token still good
    # The inbound turn and the reply (a proactive send) to one service URL: one client.
    assert _auth(live).clients.connectors == 1
    assert len(live.channel.issued) == 1  # and one token from the endpoint for all
