"""The tables, as typed SQLAlchemy 2 models.

All times are stored in UTC (timezone-aware columns); conversion to a
person's local time happens at the edges. Unique constraints guard the
places where a duplicate would be a bug: a delivery per occurrence and
person, a vote per idea and voter, an inbound event id per platform.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from storage.states import Anonymity, DeliveryState, NotificationState

# Named constraints so Alembic migrations are stable across SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, also on SQLite (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        list[str]: JSON,
    }


class InstanceSetting(Base):
    """Key/value facts about this installation, e.g. the generated secret key."""

    __tablename__ = "instance_settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Organisation(Base):
    """One programme: the workspaces whose people it asks and whose leaders hear them.

    A workspace seen for the first time starts as an organisation of its own;
    `thrive org link` joins it to another. Every row that belongs to an organisation
    carries its id, and nothing is read across organisations."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Workspace(Base):
    """A Slack workspace, a Teams tenant, or the local web chat."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    default_timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("workspace_id", "platform_user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform_user_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    # As the platform told us (Slack's profile, Teams, the demo); None when it did not.
    email: Mapped[str | None] = mapped_column(String(320))
    site: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(default=list)
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet_hours_start: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" local
    quiet_hours_end: Mapped[str | None] = mapped_column(String(5))
    quiet_weekends: Mapped[bool | None] = mapped_column(Boolean)  # None: the organisation's
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paused: Mapped[bool] = mapped_column(Boolean, default=False)  # opted out of prompts
    # Said `digest off`: no "you said, we did" digest (news of their own ideas still comes).
    digest_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    gone: Mapped[bool] = mapped_column(Boolean, default=False)  # deactivated on the platform
    conversation_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The prompt the person last pressed "Answer" on: their next plain message answers it.
    # No foreign key: deliveries already point at people, and this is only a hint.
    answering_delivery_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    workspace: Mapped[Workspace] = relationship(lazy="joined")
    roles: Mapped[list[RoleGrant]] = relationship(
        lazy="selectin",
        cascade="all, delete-orphan",
        back_populates="person",
        foreign_keys="RoleGrant.person_id",
    )


class RoleGrant(Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("person_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))  # bot.people.roles.Role's values
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship(back_populates="roles", foreign_keys=[person_id])


class Bank(Base):
    __tablename__ = "banks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Prompt(Base):
    __tablename__ = "prompts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bank_id: Mapped[str] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    follow_up: Mapped[str | None] = mapped_column(Text)
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)  # options / scale, as loaded


class Pulse(Base):
    __tablename__ = "pulses"
    # Names are one organisation's own: two organisations may both have "Weekly check".
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(100))
    prompt_ids: Mapped[list[str]] = mapped_column(default=list)
    rotate_bank_id: Mapped[str | None] = mapped_column(ForeignKey("banks.id"))
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    schedule: Mapped[str | None] = mapped_column(String(100))  # cron, recipient's local time
    send_window_start: Mapped[str | None] = mapped_column(String(5))
    send_window_end: Mapped[str | None] = mapped_column(String(5))
    # None: no reminder. No column default: the ORM would put it in place of an explicit
    # None (bot.pulses.definitions sets the 24 h default when a pulse is created).
    reminder_after_hours: Mapped[int | None] = mapped_column(Integer)
    close_after_days: Mapped[int] = mapped_column(Integer, default=7)
    anonymity: Mapped[str] = mapped_column(String(20), default=Anonymity.CONFIDENTIAL)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Days of the week it may be sent on ("mon,tue,..."); None: the schedule's default.
    days_of_week: Mapped[str | None] = mapped_column(String(30))
    # Every two weeks counts weeks from this date.
    anchor_date: Mapped[date | None] = mapped_column(Date)
    # When rotating through a bank: how many prompts each occurrence asks, and where
    # the next occurrence starts.
    prompts_per_occurrence: Mapped[int] = mapped_column(Integer, default=1)
    rotation_index: Mapped[int] = mapped_column(Integer, default=0)
    sample_fraction: Mapped[float | None] = mapped_column(Float)  # a random share of the audience
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Occurrence(Base):
    """One sending of a pulse: which prompts it asks, when it opened and closes."""

    __tablename__ = "occurrences"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Its deliveries belong to it, and so to this organisation (they carry no copy).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    pulse_id: Mapped[int | None] = mapped_column(ForeignKey("pulses.id", ondelete="SET NULL"))
    prompt_ids: Mapped[list[str]] = mapped_column(default=list)
    anonymity: Mapped[str] = mapped_column(String(20), default=Anonymity.CONFIDENTIAL)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A scheduled occurrence is one pulse, one time zone, one local day: the unique key
    # makes a second firing of the same job (two replicas, a restart) open nothing.
    zone: Mapped[str | None] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(200), unique=True)

    # The one rule for "is this occurrence still open?", for a loaded row and for a query
    # (keep the two together): closed by hand, or past its closing time, it takes no
    # more prompts or answers.
    def is_open_at(self, now: datetime) -> bool:
        return self.closed_at is None and (self.closes_at is None or self.closes_at > now)

    @classmethod
    def open_at(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.closed_at.is_(None), or_(cls.closes_at.is_(None), cls.closes_at > now))


class Delivery(Base):
    """The outbox row: one occurrence's prompts for one person.

    `next_index` is how far the person got through the occurrence's prompts;
    it lives here (not on the answer) so anonymous answers stay unlinked.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "person_id"),
        # The outbox claims in this order (a fan-out's rows share one due time), one
        # state at a time: ordered across two states, every claim would sort them all.
        Index("ix_deliveries_state_due_at_id", "state", "due_at", "id"),
        # ... and finds due reminders without reading every sent row.
        Index("ix_deliveries_reminder_due_at_id", "reminder_due_at", "id"),
        # The fatigue cap counts each person's recent prompts.
        Index("ix_deliveries_person_id_sent_at", "person_id", "sent_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default=DeliveryState.PENDING)
    next_index: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # MessageRef.key of where the current prompt is shown, so a thread reply finds it.
    message_key: Mapped[str | None] = mapped_column(String(300), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Why it was deferred or skipped (quiet hours, the fatigue cap, paused...).
    reason: Mapped[str | None] = mapped_column(String(300))
    # At most one reminder to a non-responder: when it is due, and when it went.
    reminder_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    occurrence: Mapped[Occurrence] = relationship(lazy="joined")


class Response(Base):
    """An answer. Text is stored only after redaction; person_id is NULL when anonymous."""

    __tablename__ = "responses"
    # The matrix counts one organisation's answers question by question.
    __table_args__ = (
        Index("ix_responses_organisation_id_prompt_id", "organisation_id", "prompt_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("occurrences.id", ondelete="SET NULL")
    )
    prompt_id: Mapped[str] = mapped_column(ForeignKey("prompts.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    respondent_key: Mapped[str | None] = mapped_column(String(64), index=True)
    site: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str | None] = mapped_column(Text)
    scale_value: Mapped[int | None] = mapped_column(Integer)
    choice: Mapped[str | None] = mapped_column(String(64))
    redactions: Mapped[list[str]] = mapped_column(default=list)  # kinds removed, not values
    # MessageRef.key of the message that carried the answer, so an edit can find it.
    # Never set for anonymous answers: it would point at the person's own chat.
    source_message_key: Mapped[str | None] = mapped_column(String(300), index=True)
    # The respondent's role when they answered, kept like `site` (no link needed).
    role: Mapped[str | None] = mapped_column(String(30))
    # `chat`: given to the bot; `import`: earlier data brought in from a file.
    source: Mapped[str] = mapped_column(String(20), default="chat", server_default="chat")
    # When a person last confirmed or corrected its codes: from then on its `person`
    # codings (none at all, if they said so) are its codes, whatever the coder says.
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Set when retention removed the text (bot.privacy.retention); codes and values stay.
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The distress safety net found signs of acute distress or self-harm in the text:
    # never quoted, clustered or exported (codes and counts still count it).
    distress: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Theme(Base):
    """A column of the matrix: the shipped codebook's (no organisation), or one an
    organisation accepted from its emerging themes (seen only there)."""

    __tablename__ = "themes"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|emerging|merged
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("themes.id"))


class Coding(Base):
    """A theme an answer speaks of: by the coder (`coder`, with its confidence; replaced
    whenever the answer is recoded) or by a person (`person`; never replaced by the
    coder, and the answer's codes once the answer is reviewed)."""

    __tablename__ = "codings"
    __table_args__ = (UniqueConstraint("response_id", "theme_id", "source"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id"), index=True)
    polarity: Mapped[str | None] = mapped_column(String(10))  # barrier | enabler
    source: Mapped[str] = mapped_column(String(20))  # coder | person
    confidence: Mapped[float | None] = mapped_column(Float)  # None for a person's code
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdeaCoding(Base):
    """A theme an idea speaks of, as for answers (the idea is coded on its own: an idea
    from `idea <text>` or an anonymous idea prompt has no answer row to carry codes)."""

    __tablename__ = "idea_codings"
    __table_args__ = (UniqueConstraint("idea_id", "theme_id", "source"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id"), index=True)
    polarity: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))  # coder | person
    confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EmergingTheme(Base):
    """A candidate theme: a cluster of one organisation's answers that no theme covers,
    waiting for the wellness lead to accept, merge or dismiss it. Kept apart from
    `themes` so the coder and the matrix never read an undecided candidate."""

    __tablename__ = "emerging_themes"
    __table_args__ = (
        Index("ix_emerging_themes_organisation_id_state", "organisation_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    top_terms: Mapped[list[str]] = mapped_column(default=list)  # most telling first
    # The answers in the cluster, so a merge can code them; ids, not text.
    response_ids: Mapped[list[Any]] = mapped_column(default=list)
    # pending | accepted | merged | dismissed
    state: Mapped[str] = mapped_column(String(20), default="pending")
    # The theme it became (accepted) or joined (merged).
    theme_id: Mapped[str | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Idea(Base):
    __tablename__ = "ideas"
    __table_args__ = (Index("ix_ideas_organisation_id_state", "organisation_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # Where it was raised; the organisation is who hears it.
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)  # redacted
    state: Mapped[str] = mapped_column(String(20), default="submitted")
    source: Mapped[str] = mapped_column(String(20))  # prompt | command | message
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # Kept even for anonymous ideas so the bot can tell the submitter what happened;
    # never shown to leaders when `anonymous` is set.
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    site: Mapped[str | None] = mapped_column(String(100))
    # Where the leaders' cards for this idea were posted (one per workspace of the
    # organisation whose leaders read them: a MessageRef's fields plus "workspace"), so
    # every change updates each in place.
    card_refs: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Set when retention emptied the text of a closed idea; its state and votes stay.
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The distress safety net found signs of acute distress or self-harm in the text:
    # kept from leaders (no card, no queue), so no leader learns who wrote it.
    distress: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Merged into another idea by leaders (state "merged"); its own history stays.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    # The open idea it looked like when it came in: a hint, so no foreign key.
    similar_to_id: Mapped[int | None] = mapped_column(Integer)


class IdeaEvent(Base):
    __tablename__ = "idea_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdeaSupporter(Base):
    """Someone else who sent the same idea (a merge carried them over): told of every
    move as the submitter is; `anonymous` as they sent it, so leaders never see them."""

    __tablename__ = "idea_supporters"
    __table_args__ = (UniqueConstraint("idea_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DigestSchedule(Base):
    """How often an organisation's "you said, we did" digest goes, and when next."""

    __tablename__ = "digest_schedules"
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    every_days: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PathwayMailing(Base):
    """One digest or nudge of one organisation for one period: the unique key makes a
    job that fires twice send nothing twice."""

    __tablename__ = "pathway_mailings"
    __table_args__ = (UniqueConstraint("organisation_id", "kind", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # digest | nudge
    period: Mapped[str] = mapped_column(String(40))
    since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdeaVote(Base):
    __tablename__ = "idea_votes"
    __table_args__ = (UniqueConstraint("idea_id", "voter_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))  # pseudonym, not a person id
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProcessedEvent(Base):
    """Inbound event ids already handled, so a platform's retry is processed once."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """Who saw or changed what, when, with which filters. Append-only: a trigger on the
    table (migration 0011) refuses UPDATE and DELETE, and storage.audit has no method for
    either. `actor_id` has no foreign key for that reason: removing a person must not
    rewrite their rows; the id then names no one."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    # The operating-system login of whoever ran a `thrive` command (no actor_id then).
    operator: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class Notification(Base):
    """The outbox for announcements: to a group (a new idea to the leaders; the adapter
    of `platform` decides where that group reads) or to one person (`person_id`)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_state_due_at", "state", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(200))  # the platform's workspace id
    audience: Mapped[str] = mapped_column(String(30))  # leaders | person
    # Set when the audience is one person (an idea's submitter hearing of its progress).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)  # a neutral message
    state: Mapped[str] = mapped_column(String(20), default=NotificationState.PENDING)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReportSchedule(Base):
    """The summary a wellness lead has posted to the organisation's leaders, every week or
    month (bot/reports/schedule.py); at most one per organisation."""

    __tablename__ = "report_schedules"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    every: Mapped[str] = mapped_column(String(10))  # week | month
    next_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LocalChatMessage(Base):
    """The local web chat's own message store: it stands in for Slack's or Teams' servers."""

    __tablename__ = "local_chat_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(10))  # bot | person
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SavedConversation(Base):
    """Where a platform conversation lives, kept so the bot can write into it later
    (after a restart): a Teams conversation's serviceUrl, bot id and kind. Saved on
    install and refreshed on every turn."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("platform", "conversation_id"),
        Index("ix_conversations_platform_workspace", "platform", "workspace"),
        Index("ix_conversations_platform_user_id", "platform", "user_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(200))  # the tenant
    conversation_id: Mapped[str] = mapped_column(String(500))
    # Set for a person's one-to-one chat with the bot: where to reach them privately.
    user_id: Mapped[str | None] = mapped_column(String(200))
    ref: Mapped[dict[str, Any]] = mapped_column(default=dict)  # ConversationRef.to_dict()
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
