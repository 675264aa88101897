"""The wellness lead creates and edits pulses in chat with a form: the CLI's checks,
every problem at once, a preview of who it reaches and when, then Save."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot import actions
from bot.messages import OutboundMessage
from bot.people.roles import Role
from storage.models import Pulse
from tests.unit.bot.dispatch_harness import ChatHarness, button, texts
from tests.unit.bot.pulses.test_pulses import add_person


async def _people(chat: ChatHarness) -> None:
    await add_person(chat.database, "ana", site="Head office", roles=(Role.WELLNESS_LEAD,))
    await add_person(chat.database, "helen", site="Northgate", roles=(Role.LEADER,))
    for user_id, site, zone in (
        ("amara", "Riverside Family Medicine", "America/Chicago"),
        ("jordan", "Riverside Family Medicine", "America/Chicago"),
        ("tomas", "Hillcrest", "America/Denver"),
    ):
        await add_person(chat.database, user_id, site=site, timezone=zone)


def _form_of(replies: Sequence[OutboundMessage]) -> OutboundMessage:
    [message] = [reply for reply in replies if reply.form is not None]
    return message


async def _send(chat: ChatHarness, form: OutboundMessage, **values: str) -> list[OutboundMessage]:
    assert form.form is not None
    fields = {field.name: field.value for field in form.form.fields} | values
    submit = form.form.submit
    return list(await chat.press("ana", submit.action_id, submit.value, fields=fields))


async def _pulses(chat: ChatHarness) -> list[Pulse]:
    async with chat.database.transaction() as session:
        return list((await session.scalars(select(Pulse).order_by(Pulse.id))).all())


async def test_a_pulse_is_created_in_chat_after_a_preview(chat: ChatHarness) -> None:
    await _people(chat)

    form = _form_of(await chat.say("ana", "pulse new"))
    preview = await _send(
        chat,
        form,
        name="Lunchtime check-in",
        questions="joy-more,autonomy-vital",
        audience="site:Riverside\nsite:Hillcrest",
        schedule="weekly",
        days="tue",
    )

    # Who it reaches (clinicians only: not Ana or Helen), and when each zone first hears.
    [shown] = preview
    assert shown.text.splitlines() == [
        "Lunchtime check-in would reach:",
        "3 people at 2 sites in 2 time zones; first prompts Tue 03 Mar 12:00 in Chicago, "
        "Tue 03 Mar 12:00 in Denver.",
    ]
    assert await _pulses(chat) == []  # nothing stored before Save
    saved = await chat.press_button("ana", button(preview, actions.PULSE_SAVE), on=shown)

    assert texts(saved)[0].startswith("Saved Lunchtime check-in.")
    [pulse] = await _pulses(chat)
    assert (pulse.name, pulse.prompt_ids, pulse.days_of_week) == (
        "Lunchtime check-in",
        ["joy-more", "autonomy-vital"],
        "tue",
    )
    # "Riverside" was the start of one site's name: the pulse keeps the full name.
    assert pulse.audience == {"sites": ["Riverside Family Medicine", "Hillcrest"]}
    listing = texts(await chat.say("ana", "pulses"))[0]
    assert "Lunchtime check-in (on)" in listing


async def test_every_problem_comes_back_at_once_with_the_form_as_filled(
    chat: ChatHarness,
) -> None:
    await _people(chat)
    form = _form_of(await chat.say("ana", "pulse new"))

    replies = await _send(
        chat,
        form,
        name="Night owls",
        questions="joy-more,no-such-question",
        per_send="2",
        audience="site:Nowhere",
        window="14:00-13:00",
    )

    problems = replies[0].text.splitlines()
    assert problems[0] == "That pulse has 4 problems; nothing was saved:"
    assert any("--per-occurrence goes with a bank" in line for line in problems)
    assert any("There is no prompt with id no-such-question." in line for line in problems)
    assert any(
        "The sites are: Head office, Hillcrest, Northgate, Riverside Family Medicine." in line
        for line in problems
    )
    assert any("must start before it ends" in line for line in problems)
    again = _form_of(replies)
    assert again.form is not None
    assert {f.name: f.value for f in again.form.fields}["name"] == "Night owls"
    assert await _pulses(chat) == []


async def test_a_bad_number_schedule_and_days_show_together_in_the_forms_words(
    chat: ChatHarness,
) -> None:
    await _people(chat)
    form = _form_of(await chat.say("ana", "pulse new"))
    assert form.form is not None
    days_field = {f.name: f for f in form.form.fields}["days"]
    assert "Mon-Fri" in days_field.label and "Mon-Fri" in days_field.placeholder

    replies = await _send(
        chat,
        form,
        name="Odd one",
        questions="bank:guide",
        per_send="x",
        schedule="sometimes",
        days="funday",
    )

    problems = replies[0].text.splitlines()
    assert problems[0] == "That pulse has 3 problems; nothing was saved:"
    assert "• Questions per send takes a whole number, like 2 (got x)." in problems
    assert any("'sometimes' is not weekly, fortnightly, monthly or a cron" in p for p in problems)
    assert any("Those days won't work: not a day of the week: 'funday'" in p for p in problems)
    assert not any("per_send" in p for p in problems)
    assert await _pulses(chat) == []


async def test_a_night_cron_is_previewed_with_when_it_really_sends(chat: ChatHarness) -> None:
    await _people(chat)
    form = _form_of(await chat.say("ana", "pulse new"))

    [preview] = await _send(chat, form, name="Early", questions="joy-more", schedule="0 3 * * tue")

    assert (
        "0 3 * * tue fires at 03:00, outside the send window 12:00-13:00, so it sends at 12:00 "
        "local instead (never at night)." in preview.text
    )


async def test_a_pulse_is_edited_with_the_same_form(chat: ChatHarness) -> None:
    await _people(chat)
    form = _form_of(await chat.say("ana", "pulse new"))
    preview = await _send(chat, form, name="Weekly", questions="joy-more")
    await chat.press_button("ana", button(preview, actions.PULSE_SAVE), on=preview[0])

    editing = _form_of(await chat.say("ana", "pulse edit weekly"))
    assert editing.form is not None
    assert {f.name: f.value for f in editing.form.fields}["questions"] == "joy-more"
    preview = await _send(chat, editing, questions="bank:guide", per_send="2")
    updated = await chat.press_button("ana", button(preview, actions.PULSE_SAVE), on=preview[0])

    assert texts(updated) == ["Updated Weekly. Its next send follows the new definition."]
    [pulse] = await _pulses(chat)
    assert (pulse.rotate_bank_id, pulse.prompts_per_occurrence, pulse.prompt_ids) == (
        "guide",
        2,
        [],
    )


async def test_a_clinician_cannot_open_the_form(chat: ChatHarness) -> None:
    await _people(chat)

    [refused] = await chat.say("amara", "pulse new")

    assert refused.form is None and "wellness lead" in refused.text
