"""The pathway's states, the moves between them, and the buttons that offer them.

    submitted -> under review -> accepted | needs more info | declined (with a reason)
              -> in progress (owner assigned) -> implemented -> shared

One table drives both the buttons on a card and the check of every move; a merged idea
(leaders folded it into another that says the same) moves no further.
"""

from __future__ import annotations

from bot import actions
from bot.errors import BadAction
from bot.messages import Button, ButtonStyle, Say
from storage.models import Idea

SUBMITTED = "submitted"
UNDER_REVIEW = "under review"
ACCEPTED = "accepted"
NEEDS_MORE_INFO = "needs more info"
DECLINED = "declined"
IN_PROGRESS = "in progress"
IMPLEMENTED = "implemented"
SHARED = "shared"
MERGED = "merged"

# Where each state may go next; a declined idea can be looked at again.
MOVES: dict[str, tuple[str, ...]] = {
    SUBMITTED: (UNDER_REVIEW, ACCEPTED, NEEDS_MORE_INFO, DECLINED),
    UNDER_REVIEW: (ACCEPTED, NEEDS_MORE_INFO, DECLINED),
    NEEDS_MORE_INFO: (UNDER_REVIEW, ACCEPTED, DECLINED),
    ACCEPTED: (IN_PROGRESS, DECLINED),
    IN_PROGRESS: (IMPLEMENTED,),
    IMPLEMENTED: (SHARED,),
    DECLINED: (UNDER_REVIEW,),
    SHARED: (),
    MERGED: (),
}
# No further work happens on these: retention may empty their text (bot.privacy.retention).
CLOSED = frozenset({DECLINED, IMPLEMENTED, SHARED, MERGED})
# Waiting for leaders to decide (the triage queue, and the weekly nudge).
TRIAGE = (SUBMITTED, UNDER_REVIEW, NEEDS_MORE_INFO)
# Under way or done: what the board shows everyone.
UNDER_WAY = (ACCEPTED, IN_PROGRESS, IMPLEMENTED, SHARED)
# Open: a new idea may look like one of these, and only these can be merged.
OPEN = (*TRIAGE, ACCEPTED, IN_PROGRESS)
# The submitter reads why (declined) or what leaders want to know (needs more info).
NEEDS_NOTE = frozenset({DECLINED, NEEDS_MORE_INFO})
_STYLE = {
    ACCEPTED: ButtonStyle.PRIMARY,
    IMPLEMENTED: ButtonStyle.PRIMARY,
    DECLINED: ButtonStyle.DANGER,
}


def slug(state: str) -> str:
    """The state as it appears in action values and copy keys."""
    return state.replace(" ", "_")


def state_named(text: str) -> str | None:
    """A state as someone typed it ("in progress", "in_progress"), or None."""
    state = text.strip().lower().replace("_", " ").replace("-", " ")
    return state if state in MOVES else None


def _state(slug_: str) -> str:
    state = slug_.replace("_", " ")
    if state not in MOVES:
        raise BadAction(f"unknown idea state {slug_!r}")
    return state


def parse_move(value: str) -> tuple[int, str, str]:
    """'idea:from:to' -> (idea id, from state, to state), if the pathway allows that move."""
    parts = value.split(":")
    if len(parts) != 3 or not parts[0].isdigit():
        raise BadAction(f"malformed pathway value {value[:50]!r}")
    from_state, to_state = _state(parts[1]), _state(parts[2])
    if to_state not in MOVES[from_state]:
        raise BadAction(f"the pathway has no move {from_state!r} -> {to_state!r}")
    return int(parts[0]), from_state, to_state


def card_buttons(say: Say, idea: Idea) -> tuple[Button, ...]:
    """The moves the pathway allows from the idea's state, as buttons on its card."""
    buttons = []
    for to_state in MOVES.get(idea.state, ()):
        action_id = actions.IDEA_NOTE_OPEN if to_state in NEEDS_NOTE else actions.IDEA_MOVE
        buttons.append(
            Button(
                label=say(f"pathway.button.{slug(to_state)}"),
                action_id=action_id,
                value=f"{idea.id}:{slug(idea.state)}:{slug(to_state)}",
                style=_STYLE.get(to_state, ButtonStyle.DEFAULT),
            )
        )
    return tuple(buttons)
