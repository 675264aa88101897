"""The audit log's one way in: every raw-data view, role change, pathway move, pulse
send and deletion is recorded here, with who, what, when and which filters.

The log is append-only (storage.audit has add and reads only; a trigger refuses UPDATE
and DELETE). An entry names people by id, never by name or platform id, and holds no
answer text: counts and filters, not content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import AuditFilter, AuditRepository
from storage.models import AuditEntry


class Audited(StrEnum):
    """What happened, as stored in audit_log.action."""

    OWN_ANSWERS_VIEWED = "answers.view_own"
    ANSWERS_FORGOTTEN = "answers.forget"  # `forget me`, or `thrive people forget`
    QUOTES_VIEWED = "quotes.view"
    ANSWERS_EXPORTED = "answers.export"
    RAW_ANSWERS_VIEWED = "raw_answers.view"  # `thrive analysis review`: answers to code
    RAW_ANSWERS_EXPORTED = "raw_answers.export"  # `thrive analysis export-codes`
    # `thrive report` with answers' words in it: quotes, the Summary sheet, a .qdpx.
    REPORT_EXPORTED = "report.export"
    ROLE_GRANTED = "role.granted"
    ROLE_REVOKED = "role.revoked"
    IDEA_MOVED = "idea.moved"
    IDEA_MERGED = "idea.merged"
    IDEAS_EXPORTED = "ideas.export"  # `thrive ideas export`: every idea's words
    PULSE_SENT = "pulse.sent"  # send now, from chat or the CLI, or a scheduled fire
    PULSE_DELETED = "pulse.deleted"
    ORGANISATION_LINKED = "organisation.link"
    TEXT_PURGED = "retention.purge"
    AUDIT_VIEWED = "audit.view"


@dataclass(frozen=True)
class Actor:
    """Who did it: a person in chat, the operator at the CLI (their login), or the
    scheduler (neither)."""

    via: str  # chat | cli | scheduler | demo
    person_id: int | None = None
    operator: str | None = None


SCHEDULER = Actor("scheduler")


def in_chat(person_id: int) -> Actor:
    return Actor("chat", person_id=person_id)


def at_cli(operator: str | None) -> Actor:
    return Actor("cli", operator=operator)


async def record(
    session: AsyncSession,
    action: Audited,
    *,
    by: Actor,
    now: datetime,
    organisation_id: int | None,
    subject: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry, in the caller's transaction: it is kept only if the action is."""
    return await AuditRepository(session).add(
        action.value,
        now=now,
        organisation_id=organisation_id,
        actor_id=by.person_id,
        operator=by.operator,
        subject=subject,
        detail={**(detail or {}), "via": by.via},
    )


async def read_log(
    session: AsyncSession, wanted: AuditFilter, *, by: Actor, now: datetime, limit: int
) -> Sequence[AuditEntry]:
    """The entries `wanted` asks for, newest first; reading the log is itself recorded,
    with its filters (after the read, so it does not list itself)."""
    entries = await AuditRepository(session).entries(wanted, limit=limit)
    filters: dict[str, Any] = {
        "organisation_id": wanted.organisation_id,
        "since": wanted.since.isoformat() if wanted.since else None,
        "actor_ids": list(wanted.actor_ids) if wanted.actor_ids is not None else None,
        "operator": wanted.operator,
    }
    await record(
        session,
        Audited.AUDIT_VIEWED,
        by=by,
        now=now,
        organisation_id=wanted.organisation_id,
        detail={
            "filters": {key: value for key, value in filters.items() if value is not None},
            "shown": len(entries),
        },
    )
    return entries


def actor_of(entry: AuditEntry) -> str:
    """Who, as the log says it: a person's id, the operator's login, or the scheduler."""
    if entry.actor_id is not None:
        return f"person:{entry.actor_id}"
    via = str(entry.detail.get("via", ""))
    if entry.operator:
        return f"{via or 'cli'}:{entry.operator}"
    return via or "-"
