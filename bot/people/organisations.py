"""Organisations: which one a command means, what they hold, and joining a workspace to
another organisation (`thrive org list|link`, `--org`).

A workspace seen for the first time starts as an organisation of its own (see
storage.people.PeopleRepository.workspace); linking is how one programme comes to
span a Slack workspace and a Teams tenant. What follows a linked workspace is said in
storage.organisations.OrganisationRepository.move_workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import ThriveError
from bot.privacy.audit import Audited, at_cli, record
from storage.models import Organisation, Workspace
from storage.organisations import OrganisationRepository, OrganisationSummary

LINK_ACTION = Audited.ORGANISATION_LINKED.value


class OrganisationProblem(ThriveError):
    """A request naming an organisation or workspace that cannot be used as it stands;
    the copy key `org.error.<problem>` names the sentence."""

    def __init__(self, problem: str, **values: object) -> None:
        super().__init__(problem, **values)
        self.copy_key = f"org.error.{problem}"


@dataclass(frozen=True)
class Linked:
    """What `link_workspace` did."""

    workspace: str  # its name and platform id, as shown
    left: str  # the organisation it left
    joined: str  # the organisation it joined
    moved: dict[str, int]  # rows of each kind that followed it
    left_removed: bool  # the organisation it left had no workspace left, and is gone


async def organisations(session: AsyncSession) -> list[OrganisationSummary]:
    return await OrganisationRepository(session).summaries()


async def resolve_organisation(session: AsyncSession, given: str | None) -> Organisation:
    """The organisation a command means by `--org`: its name (any case), or the platform
    id (Slack team id, Teams tenant id) of any of its workspaces; with `--org` left out,
    the only one there is. OrganisationProblem listing them otherwise."""
    repository = OrganisationRepository(session)
    if given is not None and given.strip():
        found = await repository.named(given) or await repository.of_workspace(given)
        if found is None:
            raise OrganisationProblem(
                "unknown", given=given.strip(), organisations=await _listed(session)
            )
        return found
    every = await repository.all()
    if not every:
        raise OrganisationProblem("none")
    if len(every) > 1:
        raise OrganisationProblem("choose", count=len(every), organisations=await _listed(session))
    return every[0]


async def link_workspace(
    session: AsyncSession, workspace: str, into: str, *, by: str, now: datetime
) -> Linked:
    """Move `workspace` (a platform id, or a workspace name) into the organisation `into`
    (as `--org` reads it), recorded in the audit log with `by` (who ran it) and when."""
    repository = OrganisationRepository(session)
    moving = await _one_workspace(repository, workspace)
    target = await resolve_organisation(session, into)
    shown = _shown(moving)
    if moving.organisation_id == target.id:
        raise OrganisationProblem("already_in", workspace=shown, organisation=target.name)
    source = await repository.get(moving.organisation_id)
    assert source is not None  # a workspace's organisation is a foreign key
    left = source.name
    moved = await repository.move_workspace(moving, target)
    removed = await repository.remove_if_empty(source.id)
    await record(
        session,
        Audited.ORGANISATION_LINKED,
        by=at_cli(by),
        now=now,
        organisation_id=target.id,
        subject=f"{moving.platform}:{moving.external_id}",
        detail={
            "by": by,
            "workspace": shown,
            "from": left,
            "into": target.name,
            "moved": moved,
            "from_removed": removed,
        },
    )
    return Linked(shown, left, target.name, moved, removed)


async def _one_workspace(repository: OrganisationRepository, given: str) -> Workspace:
    found = await repository.workspaces_called(given)
    if len(found) == 1:
        return found[0]
    if not found:
        every = await repository.summaries()
        known = ", ".join(
            f"{w.name} ({w.external_id})" for organisation in every for w in organisation.workspaces
        )
        raise OrganisationProblem("unknown_workspace", given=given.strip(), workspaces=known)
    raise OrganisationProblem(
        "ambiguous_workspace",
        given=given.strip(),
        count=len(found),
        workspaces=", ".join(_shown(w) for w in found),
    )


async def _listed(session: AsyncSession) -> str:
    """Each organisation with its workspaces' platform ids: what `--org` accepts."""
    return "; ".join(
        f"{organisation.name} ({', '.join(w.external_id for w in organisation.workspaces)})"
        if organisation.workspaces
        else organisation.name
        for organisation in await organisations(session)
    )


def _shown(workspace: Workspace) -> str:
    if workspace.name and workspace.name != workspace.external_id:
        return f"{workspace.name} ({workspace.platform} {workspace.external_id})"
    return f"{workspace.platform} {workspace.external_id}"
