"""Where each Teams conversation lives, remembered in memory and in the database.

A Teams message can only be posted or updated through its conversation's serviceUrl,
which comes with each inbound activity. The book saves every conversation it sees
(install, every turn) so that, after a restart, the outbox can still prompt people,
post to the leaders' channel and update cards it posted before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.teams.inbound import PERSONAL, TEAMS_PLATFORM
from bot.clock import Clock
from bot.events import ConversationRef
from storage.conversations import ConversationRepository
from storage.engine import Database


class ConversationBook:
    def __init__(self, database: Database, clock: Clock, fallback_service_url: str) -> None:
        self.database = database
        self.clock = clock
        self.fallback_service_url = fallback_service_url
        # What the database already holds, so a turn in a known conversation writes nothing.
        self._known: dict[str, ConversationRef] = {}
        self._personal: dict[tuple[str, str], ConversationRef] = {}

    async def remember(self, ref: ConversationRef) -> None:
        """Save `ref` unless it is already saved exactly so."""
        if self._known.get(ref.conversation_id) == ref:
            return
        user_id = _owner(ref)
        async with self.database.transaction() as session:
            await ConversationRepository(session).save(
                TEAMS_PLATFORM,
                ref.workspace,
                ref.conversation_id,
                ref.to_dict(),
                self.clock.now(),
                user_id=user_id,
            )
        self._learn(ref)

    async def find(self, conversation_id: str) -> ConversationRef | None:
        known = self._known.get(conversation_id)
        if known is not None:
            return known
        async with self.database.transaction() as session:
            raw = await ConversationRepository(session).find(TEAMS_PLATFORM, conversation_id)
        return self._learn(ConversationRef.from_dict(raw)) if raw is not None else None

    async def personal_chat(self, tenant: str, user_id: str) -> ConversationRef | None:
        """The person's one-to-one chat with the bot, if the bot has one with them."""
        known = self._personal.get((tenant, user_id))
        if known is not None:
            return known
        async with self.database.transaction() as session:
            raw = await ConversationRepository(session).personal_chat(
                TEAMS_PLATFORM, tenant, user_id
            )
        return self._learn(ConversationRef.from_dict(raw)) if raw is not None else None

    async def channel(self, tenant: str, channel_id: str) -> ConversationRef | None:
        """Tenant `tenant`'s team channel to post into: as saved, or through the tenant's
        serviceUrl (a tenant's conversations share one), or the configured default.
        None if the channel is, or may be, another tenant's: one organisation's ideas
        never go to another's leaders."""
        saved = await self.find(channel_id)
        if saved is not None:
            return saved if saved.workspace == tenant else None
        async with self.database.transaction() as session:
            conversations = ConversationRepository(session)
            tenants = await conversations.tenants(TEAMS_PLATFORM, limit=2)
            raw = await conversations.latest_in(TEAMS_PLATFORM, tenant)
        if tenants != [tenant]:  # never heard from the channel, and not only from this tenant
            return None
        neighbour: Mapping[str, Any] = (raw or {}).get("data") or {}
        data = {
            "service_url": neighbour.get("service_url") or self.fallback_service_url,
            "channel_id": neighbour.get("channel_id") or "msteams",
            "bot_id": neighbour.get("bot_id", ""),
            "bot_name": neighbour.get("bot_name", ""),
            "conversation_type": "channel",
        }
        return ConversationRef(TEAMS_PLATFORM, tenant, channel_id, data)

    def _learn(self, ref: ConversationRef) -> ConversationRef:
        self._known[ref.conversation_id] = ref
        owner = _owner(ref)
        if owner is not None:
            self._personal[(ref.workspace, owner)] = ref
        return ref


def _owner(ref: ConversationRef) -> str | None:
    """Whose one-to-one chat this is, if it is one."""
    if ref.data.get("conversation_type", PERSONAL) != PERSONAL:
        return None
    user = ref.data.get("user_id")
    return str(user) if user else None
