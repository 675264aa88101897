"""The idea card, worded: every label and fact on it comes from copy.yaml here, once, so
the renderers (Slack, Teams, the local chat) only lay it out.

Pure functions of a copy lookup and the idea's facts: the pathway calls `word_card` with
what it read from the database, and the outbox calls `read_old_card` for a card that was
queued, unworded, by a version that let each renderer word it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import IdeaCard, LabelledText, Say

# The states whose card carries a note (moves.DECLINED, moves.NEEDS_MORE_INFO: named here
# as text, since the outbox reads this module and moves imports the outbox), and its label.
_NOTE_LABELS = {"declined": "idea.card.reason", "needs more info": "idea.card.asked"}


def state_label(say: Say, state: str) -> str:
    """The state as people read it (copy `idea.state.*`)."""
    return say(f"idea.state.{state.replace(' ', '_')}")


def word_card(
    say: Say,
    *,
    idea_id: int,
    text: str,
    state: str,
    votes: int,
    submitted_by: str | None,
    owner: str | None = None,
    note: str | None = None,
    to_submitter: bool = False,
    anonymous: bool = False,
) -> IdeaCard:
    """The card for an idea in `state`. `submitted_by` None: it names nobody ("Anonymous").
    `to_submitter`: the copy its own submitter reads ("From you", saying whether leaders
    see their name, per `anonymous`). `note` is shown only in a state that has one (the
    decline reason, or the question)."""
    if to_submitter:
        sender = say("idea.card.from_you_anonymous" if anonymous else "idea.card.from_you")
    elif submitted_by is not None:
        sender = say("idea.card.from", name=submitted_by)
    else:
        sender = say("idea.card.anonymous")
    facts = [
        sender,
        say("idea.card.one_vote") if votes == 1 else say("idea.card.votes", count=votes),
    ]
    if owner:
        facts.append(say("idea.card.led_by", name=owner))
    label_key = _NOTE_LABELS.get(state)
    notes = (LabelledText(say(label_key), note),) if note and label_key else ()
    return IdeaCard(
        idea_id=idea_id,
        title=say("idea.card.title", number=idea_id),
        state=state_label(say, state),
        text=text,
        facts=tuple(facts),
        notes=notes,
    )


def read_old_card(say: Say, raw: Mapping[str, Any], idea_id_key: str = "idea_id") -> IdeaCard:
    """A card kept in the old shape (raw state, votes, submitted_by, owner, note), worded
    now. The local chat kept its copy under "id" rather than "idea_id"."""
    return word_card(
        say,
        idea_id=int(raw[idea_id_key]),
        text=str(raw.get("text") or ""),
        state=str(raw.get("state") or ""),
        votes=int(raw.get("votes") or 0),
        submitted_by=_text_or_none(raw.get("submitted_by")),
        owner=_text_or_none(raw.get("owner")),
        note=_text_or_none(raw.get("note")),
    )


def _text_or_none(value: object) -> str | None:
    return str(value) if value is not None else None
