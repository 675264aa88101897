"""Organisations and the workspaces they own; moving a workspace from one to another."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import insert_for
from storage.models import (
    Delivery,
    Idea,
    IdeaVote,
    Notification,
    Occurrence,
    Organisation,
    Person,
    Pulse,
    Response,
    Workspace,
)
from storage.states import DeliveryState

MAX_NAME = 200
MOVED_AWAY = "its workspace moved to another organisation"
# A moved person's prompts from the old organisation that are still to be sent or
# answered: they close, so a person answers only their own organisation's questions.
AWAITING = (
    DeliveryState.PENDING,
    DeliveryState.WITHHELD,
    DeliveryState.SENDING,
    DeliveryState.SENT,
)


@dataclass(frozen=True)
class WorkspaceSummary:
    platform: str
    external_id: str
    name: str
    people: int


@dataclass(frozen=True)
class OrganisationSummary:
    id: int
    name: str
    workspaces: tuple[WorkspaceSummary, ...]


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, wanted: str, *, now: datetime) -> Organisation:
        """A new organisation named `wanted`, or `wanted (2)`, `(3)`... if that is taken
        (names are matched without regard to case, as people type them)."""
        base = " ".join(wanted.split())[: MAX_NAME - 10] or "Organisation"
        insert = insert_for(self.session)
        number = 1
        while True:
            name = base if number == 1 else f"{base} ({number})"
            number += 1
            if await self.named(name) is not None:
                continue
            # A concurrent first message from another new workspace may take it first.
            added = await self.session.scalar(
                insert(Organisation)
                .values(name=name, created_at=now)
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(Organisation.id)
            )
            if added is not None:
                found = await self.session.get(Organisation, added)
                assert found is not None
                return found

    async def get(self, organisation_id: int) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def named(self, name: str) -> Organisation | None:
        return await self.session.scalar(
            select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
        )

    async def all(self) -> Sequence[Organisation]:
        return (await self.session.scalars(select(Organisation).order_by(Organisation.id))).all()

    async def of_workspace(self, external_id: str) -> Organisation | None:
        """The organisation owning the workspace with this platform id (a Slack team id,
        a Teams tenant id), on whichever platform."""
        return await self.session.scalar(
            select(Organisation)
            .join(Workspace, Workspace.organisation_id == Organisation.id)
            .where(Workspace.external_id == external_id.strip())
            .limit(1)
        )

    async def workspaces(self, organisation_id: int) -> Sequence[Workspace]:
        result = await self.session.scalars(
            select(Workspace)
            .where(Workspace.organisation_id == organisation_id)
            .order_by(Workspace.id)
        )
        return result.all()

    async def workspaces_called(self, text: str) -> Sequence[Workspace]:
        """Workspaces whose platform id is `text`, or else whose name is (any case)."""
        wanted = text.strip()
        by_id = (
            await self.session.scalars(
                select(Workspace).where(Workspace.external_id == wanted).order_by(Workspace.id)
            )
        ).all()
        if by_id:
            return by_id
        result = await self.session.scalars(
            select(Workspace)
            .where(func.lower(Workspace.name) == wanted.lower())
            .order_by(Workspace.id)
        )
        return result.all()

    async def summaries(self) -> list[OrganisationSummary]:
        """Every organisation with its workspaces and how many people each has."""
        counts = dict(
            (
                await self.session.execute(
                    select(Person.workspace_id, func.count()).group_by(Person.workspace_id)
                )
            ).all()
        )
        workspaces = (await self.session.scalars(select(Workspace).order_by(Workspace.id))).all()
        return [
            OrganisationSummary(
                organisation.id,
                organisation.name,
                tuple(
                    WorkspaceSummary(w.platform, w.external_id, w.name, int(counts.get(w.id, 0)))
                    for w in workspaces
                    if w.organisation_id == organisation.id
                ),
            )
            for organisation in await self.all()
        ]

    async def remove_if_empty(self, organisation_id: int) -> bool:
        """Delete the organisation if no workspace is left in it (and so nothing else)."""
        result = await self.session.execute(
            delete(Organisation).where(
                Organisation.id == organisation_id,
                ~select(Workspace.id).where(Workspace.organisation_id == organisation_id).exists(),
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def move_workspace(self, workspace: Workspace, into: Organisation) -> dict[str, int]:
        """Move `workspace` into `into`; how many rows of each kind followed.

        Its people's own rows follow it: their identified answers, the ideas raised in it
        (with their votes) and the notifications for it or them; their prompts from the
        old organisation's occurrences not yet sent or answered are closed (a person
        answers only their own organisation's questions). If the old organisation is
        left with no workspace, everything else it held (pulses, their occurrences,
        anonymous answers) follows too and it is removed: the two are one programme now.
        """
        source = workspace.organisation_id
        others = [w for w in await self.workspaces(source) if w.id != workspace.id]
        people = select(Person.id).where(Person.workspace_id == workspace.id).scalar_subquery()
        moved: dict[str, int] = {}
        if others:
            moved["prompts closed"] = await self._update(
                update(Delivery)
                .where(
                    Delivery.person_id.in_(people),
                    Delivery.state.in_(AWAITING),
                    Delivery.occurrence_id.in_(
                        select(Occurrence.id).where(Occurrence.organisation_id == source)
                    ),
                )
                .values(state=DeliveryState.CLOSED, reason=MOVED_AWAY)
            )
            ideas = select(Idea.id).where(Idea.workspace_id == workspace.id).scalar_subquery()
            owned = {
                "answers": (Response, Response.person_id.in_(people)),
                "ideas": (Idea, Idea.workspace_id == workspace.id),
                "votes": (IdeaVote, IdeaVote.idea_id.in_(ideas)),
                "notifications": (
                    Notification,
                    or_(
                        Notification.person_id.in_(people),
                        and_(
                            Notification.platform == workspace.platform,
                            Notification.workspace == workspace.external_id,
                        ),
                    ),
                ),
            }
        else:
            moved["pulses renamed"] = await self._rename_clashing_pulses(source, into.id)
            owned = {
                "pulses": (Pulse, Pulse.organisation_id == source),
                "occurrences": (Occurrence, Occurrence.organisation_id == source),
                "answers": (Response, Response.organisation_id == source),
                "ideas": (Idea, Idea.organisation_id == source),
                "votes": (IdeaVote, IdeaVote.organisation_id == source),
                "notifications": (Notification, Notification.organisation_id == source),
            }
        for kind, (model, where) in owned.items():
            moved[kind] = await self._update(
                update(model)
                .where(where, model.organisation_id == source)  # type: ignore[attr-defined]
                .values(organisation_id=into.id)
            )
        await self._update(
            update(Workspace).where(Workspace.id == workspace.id).values(organisation_id=into.id)
        )
        await self.session.refresh(workspace)
        return {kind: count for kind, count in moved.items() if count}

    async def _rename_clashing_pulses(self, source: int, into: int) -> int:
        """Pulse names are unique per organisation: a merged pulse whose name the other
        organisation uses already is renamed "<name> (<its organisation>)"."""
        taken = {
            name.lower()
            for name in await self.session.scalars(
                select(Pulse.name).where(Pulse.organisation_id.in_((source, into)))
            )
        }
        organisation = await self.get(source)
        assert organisation is not None
        clashing = await self.session.scalars(
            select(Pulse).where(
                Pulse.organisation_id == source,
                func.lower(Pulse.name).in_(
                    select(func.lower(Pulse.name)).where(Pulse.organisation_id == into)
                ),
            )
        )
        renamed = 0
        for pulse in clashing.all():
            base = f"{pulse.name} ({organisation.name})"[:96]
            name, number = base, 1
            while name.lower() in taken:
                number += 1
                name = f"{base[:92]} ({number})"
            taken.add(name.lower())
            pulse.name = name
            renamed += 1
        await self.session.flush()
        return renamed

    async def _update(self, statement: object) -> int:
        result = await self.session.execute(
            statement.execution_options(synchronize_session=False)  # type: ignore[attr-defined]
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
