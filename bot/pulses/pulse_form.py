"""The wellness lead's pulse form in chat: `pulse new` and `pulse edit NAME`.

A form (a Slack modal, a Teams card, the local chat's form) takes the definition;
its checks are the CLI's (definitions.check_pulse, one place); every problem comes
back at once, with the form filled in as it was. A definition that passes is shown
as a preview (who it reaches, when each zone first hears) with Save and Change:
nothing is stored until Save, which checks again (people and names change).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from bot import actions
from bot.context import Turn
from bot.errors import BadAction
from bot.events import ActionInvoked
from bot.messages import Button, ButtonStyle, Form, FormField, OutboundMessage
from bot.pulses.audience import Audience, PulseProblem, PulseProblems, candidates
from bot.pulses.definitions import (
    DEFAULT_WINDOW,
    PulseSpec,
    check_pulse,
    find_pulse,
    store_pulse,
)
from bot.pulses.preview import describe_reach, first_sends, moved_into_window, reach
from storage.models import Pulse
from storage.pulses import PulseRepository
from storage.states import Anonymity

Replies = list[OutboundMessage]
# The form's fields, in order: (name, multiline).
FIELDS = (
    ("name", False),
    ("questions", False),
    ("per_send", False),
    ("audience", True),
    ("schedule", False),
    ("window", False),
    ("days", False),
    ("anonymity", False),
)
_OPTIONAL = {"per_send", "days"}
BANK_PREFIX = "bank:"


async def open_new(turn: Turn) -> Replies:
    """`pulse new`: an empty form, with the usual choices filled in."""
    start, end = DEFAULT_WINDOW
    values = {
        "audience": "everyone",
        "schedule": "weekly",
        "window": f"{start}-{end}",
        "anonymity": Anonymity.CONFIDENTIAL.value,
    }
    return [_form(turn, values, editing=None)]


async def open_edit(turn: Turn, name: str) -> Replies:
    """`pulse edit NAME`: the form holding the pulse as it is."""
    pulse = await find_pulse(turn.session, turn.organisation_id, name)
    return [_form(turn, _values_of(pulse), editing=pulse)]


async def submitted(turn: Turn, event: ActionInvoked) -> Replies:
    """The form sent: every problem at once (and the form again), or the preview."""
    editing = await _editing(turn, event.value)
    values = {name: event.fields.get(name, "").strip() for name, _ in FIELDS}
    try:
        spec = _spec(values, editing)
        checked = await check_pulse(
            turn.session, turn.ctx, turn.organisation_id, spec, editing=editing
        )
    except (PulseProblem, PulseProblems) as problem:
        return [
            OutboundMessage(text=problem.sentence(turn.say)),
            _form(turn, values, editing=editing),
        ]
    people = await candidates(turn.session, turn.organisation_id)
    found = reach(turn.ctx, checked.audience, people)
    firsts = first_sends(checked.schedule, list(found.zones), turn.now)
    lines = [
        turn.say("pulse.form.preview", name=checked.name),
        describe_reach(turn.say, found, firsts, spec.sample),
    ]
    moved = moved_into_window(turn.say, checked.schedule)
    if moved:
        lines.append(moved)
    carried = json.dumps({"edit": editing.id if editing else None, "fields": values})
    return [
        OutboundMessage(
            text="\n".join(lines),
            buttons=(
                Button(
                    turn.say("pulse.form.save"), actions.PULSE_SAVE, carried, ButtonStyle.PRIMARY
                ),
                Button(turn.say("pulse.form.change"), actions.PULSE_CHANGE, carried),
            ),
        )
    ]


async def save(turn: Turn, event: ActionInvoked) -> Replies:
    """Save pressed on a preview: checked again, then stored (new, or over the old)."""
    editing, values = await _carried(turn, event.value)
    checked = await check_pulse(
        turn.session, turn.ctx, turn.organisation_id, _spec(values, editing), editing=editing
    )
    pulse = await store_pulse(
        turn.session, turn.ctx, turn.organisation_id, checked, editing=editing
    )
    key = "pulse.form.updated" if editing else "pulse.form.saved"
    return [OutboundMessage(text=turn.say(key, name=pulse.name), replaces=event.message_ref)]


async def reopen(turn: Turn, event: ActionInvoked) -> Replies:
    """The opener pressed (where the form could not open by itself): the form, empty for a
    new pulse or holding the pulse being edited."""
    editing = await _editing(turn, event.value)
    if editing is None:
        return await open_new(turn)
    return [_form(turn, _values_of(editing), editing=editing)]


async def change(turn: Turn, event: ActionInvoked) -> Replies:
    """Change pressed on a preview: the form again, as it was filled in."""
    editing, values = await _carried(turn, event.value)
    return [_form(turn, values, editing=editing)]


def _form(turn: Turn, values: Mapping[str, str], *, editing: Pulse | None) -> OutboundMessage:
    title = (
        turn.say("pulse.form.title_edit", name=editing.name)
        if editing
        else turn.say("pulse.form.title_new")
    )
    fields = tuple(
        FormField(
            name=name,
            label=turn.say(f"pulse.form.field.{name}"),
            multiline=multiline,
            placeholder=turn.say(f"pulse.form.hint.{name}"),
            required=name not in _OPTIONAL,
            max_length=500,
            required_error=turn.say("form.required"),
            value=values.get(name, ""),
        )
        for name, multiline in FIELDS
    )
    value = str(editing.id) if editing else ""
    return OutboundMessage(
        text=title,
        form=Form(
            title=title,
            intro=turn.say("pulse.form.intro"),
            fields=fields,
            submit=Button(turn.say("pulse.form.check"), actions.PULSE_FORM_SUBMIT, value),
            cancel_label=turn.say("button.cancel"),
            opener=Button(
                turn.say("pulse.form.open"), actions.PULSE_FORM_OPEN, value, ButtonStyle.PRIMARY
            ),
        ),
    )


def _spec(values: Mapping[str, str], editing: Pulse | None = None) -> PulseSpec:
    """The form's words as a definition (check_pulse judges them)."""
    questions = values.get("questions", "")
    bank = None
    prompts: tuple[str, ...] = ()
    if questions.lower().startswith(BANK_PREFIX):
        bank = questions[len(BANK_PREFIX) :].strip()
    else:
        prompts = tuple(part.strip() for part in questions.split(",") if part.strip())
    per_send_text = values.get("per_send", "")
    # Not a number is one of check_pulse's problems, so it shows with all the others.
    per_send = int(per_send_text) if per_send_text.isdigit() else None
    per_send_wrong = per_send_text if per_send_text and per_send is None else None
    audience = tuple(line.strip() for line in values.get("audience", "").splitlines())
    return PulseSpec(
        name=values.get("name", ""),
        prompts=prompts,
        rotate_bank=bank,
        per_occurrence=per_send,
        per_occurrence_text=per_send_wrong,
        audience=tuple(term for term in audience if term) or ("everyone",),
        schedule=values.get("schedule", "") or "weekly",
        window=values.get("window") or None,
        days=values.get("days") or None,
        anonymity=values.get("anonymity", "") or Anonymity.CONFIDENTIAL.value,
        # The form leaves these out: an edit keeps the pulse's own.
        reminder_hours=editing.reminder_after_hours if editing else 24,
        close_after_days=editing.close_after_days if editing else 7,
        anchor=editing.anchor_date if editing else None,
    )


def _values_of(pulse: Pulse) -> dict[str, str]:
    questions = (
        f"{BANK_PREFIX}{pulse.rotate_bank_id}"
        if pulse.rotate_bank_id
        else ",".join(pulse.prompt_ids)
    )
    terms = Audience.from_json(pulse.audience).describe_terms()
    return {
        "name": pulse.name,
        "questions": questions,
        "per_send": str(pulse.prompts_per_occurrence) if pulse.rotate_bank_id else "",
        "audience": "\n".join(terms),
        "schedule": pulse.schedule or "weekly",
        "window": f"{pulse.send_window_start}-{pulse.send_window_end}",
        "days": pulse.days_of_week or "",
        "anonymity": pulse.anonymity,
    }


async def _editing(turn: Turn, value: str) -> Pulse | None:
    if not value:
        return None
    if not value.isdigit():
        raise BadAction(f"malformed pulse id {value[:30]!r}")
    pulse = await PulseRepository(turn.session).get(int(value))
    if pulse is None or pulse.organisation_id != turn.organisation_id:
        raise PulseProblem("pulse_gone")
    return pulse


async def _carried(turn: Turn, value: str) -> tuple[Pulse | None, dict[str, str]]:
    try:
        data = json.loads(value)
        edit, fields = data["edit"], data["fields"]
    except (ValueError, KeyError, TypeError):
        raise BadAction("malformed pulse preview") from None
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise BadAction("malformed pulse preview fields")
    editing = await _editing(turn, str(edit) if edit is not None else "")
    return editing, {str(k): v for k, v in fields.items()}
