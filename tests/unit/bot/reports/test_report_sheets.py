"""The workbook's Participation and Ideas sheets from a real pulse in chat: six
clinicians asked, all answer; one raises an idea, coded with the theme it speaks of and
linked from that theme in the Themes sheet; nobody's name in any of it."""

from __future__ import annotations

import io

import openpyxl
import pytest

from bot.context import BotContext
from bot.outbox.delivery import Outbox
from bot.privacy.audit import SCHEDULER
from bot.pulses.runs import send_now
from bot.reports import ReportRequest, build_report
from bot.reports.xlsx import to_xlsx
from storage.analysis import AnswerScope
from tests.unit.bot.dispatch_harness import ChatHarness
from tests.unit.bot.pulses.test_pulses import add_person, create

CLINICIANS = [f"clin-{n}" for n in range(6)]


async def test_participation_and_ideas_sheets(chat: ChatHarness, ctx: BotContext) -> None:
    for user in CLINICIANS:
        await chat.join(user)
    await chat.open_prompts(CLINICIANS, ["joy-more"])
    for user in CLINICIANS:
        await chat.say(user, "we are short staffed every single week")
    await chat.say("clin-0", "idea: hire two more nurses for the night shift")
    organisation = (await chat.person("clin-0")).workspace.organisation_id

    async with chat.database.transaction() as session:
        request = ReportRequest(AnswerScope(organisation), "Riverside", raw=True)
        report = await build_report(session, ctx, request, ctx.clock.now())
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report, ctx.say)))

    participation = list(book["Participation"].iter_rows(min_row=2, values_only=True))
    everyone = next(row for row in participation if row[2] == ctx.say("report.everyone"))
    assert everyone[3:6] == (6, 6, pytest.approx(1.0))  # sent, answered, 100%
    assert book["Participation"].cell(2, 6).number_format == "0.0%"
    [idea] = list(book["Ideas"].iter_rows(min_row=2, values_only=True))
    assert idea[1] == "submitted" and "night shift" in idea[2]
    assert "Team dynamics and staffing" in idea[4]
    staffing = next(
        row
        for row in book["Themes"].iter_rows(min_row=2, values_only=True)
        if str(row[0]).startswith("Team dynamics")
    )
    assert staffing[3] == 6 and staffing[10] == f"#{idea[0]}"
    everything = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    assert "clin-" not in everything  # no platform id, no name: pseudonyms only


async def test_a_small_pulse_at_one_site_shows_no_site_figure(
    chat: ChatHarness, ctx: BotContext
) -> None:
    """Four people at one site, their prompts still waiting: the site's row is hidden
    like everyone's, never "sent 0, answered 0" beside an everyone of "<5"."""
    for user in CLINICIANS:  # enough answers elsewhere for a report at all
        await chat.join(user)
    await chat.open_prompts(CLINICIANS, ["joy-more"])
    for user in CLINICIANS:
        await chat.say(user, "we are short staffed every single week")
    database = chat.database
    for user_id in ("amara", "jordan", "lee", "sam"):
        await add_person(database, user_id, site="Riverside Family Medicine")
    pulse = await create(database, ctx, name="Riverside quick", audience=("site:Riverside",))
    await send_now(
        database, ctx, Outbox(database, ctx, {}), pulse.organisation_id, pulse.id, by=SCHEDULER
    )

    async with database.transaction() as session:
        request = ReportRequest(AnswerScope(pulse.organisation_id), "Riverside", raw=True)
        report = await build_report(session, ctx, request, ctx.clock.now())
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report, ctx.say)))

    rows = {
        (row[1], row[2]): row[3:6]
        for row in book["Participation"].iter_rows(min_row=2, values_only=True)
    }
    hidden = rows[("Riverside quick", ctx.say("report.everyone"))]
    assert 0 not in hidden and 4 not in hidden
    # The same "<5" as everyone's, not 0.
    assert rows[("Riverside quick", "Riverside Family Medicine")] == hidden
