"""`thrive demo`: a seeded demo organisation in the local web chat."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.local.adapter import LOCAL_PLATFORM, LOCAL_WORKSPACE, conversation_for
from bot.people.roles import Role
from bot.people.welcome import queue_role_welcome
from bot.pulses.definitions import PulseSpec, create_pulse
from bot.pulses.runs import ask_now
from storage.models import Person
from storage.people import PeopleRepository
from thrive.runtime import Runtime

# The short pulse every demo clinician gets at once: the first guide question,
# then a scale question, then the idea prompt, so every kind of input is on show.
DEMO_PROMPTS = ["joy-more", "autonomy-vital", "break-the-rules"]
# A real pulse, so `pulses` lists it with its figures. Its window is the whole day, every
# day, so the tour works at any hour (the demo's people keep no quiet hours either).
DEMO_PULSE = PulseSpec(
    name="Demo check-in",
    prompts=tuple(DEMO_PROMPTS),
    schedule="weekly",
    window="00:00-23:59",
    days="mon-sun",
)
DEMO_MAIL_DOMAIN = "demo.thrive.example"  # .example: reserved, never a real mailbox


@dataclass(frozen=True)
class DemoPerson:
    id: str
    name: str
    site: str
    timezone: str
    roles: tuple[Role, ...]
    tags: tuple[str, ...] = ()

    @property
    def email(self) -> str:
        """So `thrive roles grant amara@demo.thrive.example leader` works on the demo."""
        return f"{self.id}@{DEMO_MAIL_DOMAIN}"


RIVERSIDE = ("Riverside Family Medicine", "America/New_York")
NORTHGATE = ("Northgate Clinic", "America/Chicago")
HILLCREST = ("Hillcrest Health Center", "America/Denver")

DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("amara", "Dr Amara Okafor", *RIVERSIDE, (Role.CLINICIAN,), ("physician",)),
    DemoPerson("jordan", "Jordan Lee, NP", *RIVERSIDE, (Role.CLINICIAN,), ("app",)),
    DemoPerson("maria", "Maria Santos, RN", *RIVERSIDE, (Role.CLINICIAN,), ("nurse",)),
    DemoPerson("sam", "Sam Patel, MA", *RIVERSIDE, (Role.CLINICIAN,), ("ma",)),
    DemoPerson("wei", "Dr Li Wei", *NORTHGATE, (Role.CLINICIAN,), ("physician",)),
    DemoPerson("chris", "Chris Novak, PA", *NORTHGATE, (Role.CLINICIAN,), ("app",)),
    DemoPerson("fatima", "Fatima Haddad, RN", *NORTHGATE, (Role.CLINICIAN,), ("nurse",)),
    DemoPerson("tomas", "Dr Tomás Reyes", *HILLCREST, (Role.CLINICIAN,), ("physician",)),
    DemoPerson("grace", "Grace Kim, RN", *HILLCREST, (Role.CLINICIAN,), ("nurse",)),
    DemoPerson("helen", "Dr Helen Brooks", *NORTHGATE, (Role.LEADER,), ("medical-director",)),
    DemoPerson("david", "Dr David Cohen", *HILLCREST, (Role.LEADER,), ("department-leader",)),
    DemoPerson("ana", "Ana Moreno", *RIVERSIDE, (Role.WELLNESS_LEAD,), ("wellness",)),
)


async def seed_demo(runtime: Runtime) -> int:
    """Create the demo organisation if the local chat has nobody yet, and prompt its
    clinicians at once. Returns how many prompts were queued (0 if already seeded)."""
    now = runtime.ctx.clock.now()
    async with runtime.database.transaction() as session:
        people = PeopleRepository(session)
        workspace = await people.workspace(
            LOCAL_PLATFORM, LOCAL_WORKSPACE, now=now, name="Thrive demo organisation"
        )
        if await people.in_workspace(workspace.id):
            return 0
        clinicians: list[Person] = []
        for demo in DEMO_PEOPLE:
            person = await people.add(
                Person(
                    workspace_id=workspace.id,
                    platform_user_id=demo.id,
                    display_name=demo.name,
                    email=demo.email,
                    site=demo.site,
                    timezone=demo.timezone,
                    tags=list(demo.tags),
                    conversation_ref=conversation_for(demo.id).to_dict(),
                    # The tour must work at any hour: demo people keep no quiet hours or
                    # weekends (an empty span means none); real people get the org's.
                    quiet_hours_start="00:00",
                    quiet_hours_end="00:00",
                    quiet_weekends=False,
                    created_at=now,
                )
            )
            for role in demo.roles:
                await people.grant(person, role, now=now)
                # Leaders and the wellness lead open their chat to what they can do here;
                # a clinician's opens on the first question.
                await queue_role_welcome(
                    session, runtime.ctx.say, person, role, now=now, granted=False
                )
            if Role.CLINICIAN in demo.roles:
                clinicians.append(person)
        pulse = await create_pulse(session, runtime.ctx, workspace.organisation_id, DEMO_PULSE)
    opened = await ask_now(
        runtime.database,
        runtime.ctx,
        runtime.outbox,
        clinicians,
        DEMO_PROMPTS,
        pulse_id=pulse.id,
    )
    return opened.queued
