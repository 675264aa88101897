"""The workbook's Participation and Ideas sheets from a real pulse in chat: six
clinicians asked, all answer; one raises an idea, coded with the theme it speaks of and
linked from that theme in the Themes sheet; nobody's name in any of it."""

from __future__ import annotations

import io

import openpyxl
import pytest

from bot.context import BotContext
from bot.reports import ReportRequest, build_report
from bot.reports.xlsx import to_xlsx
from storage.analysis import AnswerScope
from tests.unit.bot.dispatch_harness import ChatHarness

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
