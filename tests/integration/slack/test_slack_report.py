"""`report` in a Slack DM: the summary is posted, then its chart arrives through Slack's
external upload, exactly as slack_sdk's files_upload_v2 makes it: the upload URL asked
for, the PNG's bytes posted there, and the upload completed into the leader's DM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.people.roles import Role
from bot.reports import send_due_reports
from storage.people import PeopleRepository
from storage.report_schedules import ReportScheduleRepository
from tests.integration.report_answers import seed_recent_answers
from tests.integration.slack.live_slack import LiveSlack
from tests.integration.slack.signing import TEAM_ID
from tests.storage.matrix_rows import organisation as organisation_of

LEE = "U1LEE"
PNG = b"\x89PNG\r\n\x1a\n"


async def test_a_leader_gets_the_report_and_its_chart(live: LiveSlack) -> None:
    assert await live.dm(LEE, "hello", ts="1700000000.000001", event_id="Ev-hi") == 200
    person = await live.until(lambda: live.person(LEE), "Lee to be known")
    async with live.runtime.database.transaction() as session:
        people = PeopleRepository(session)
        found = await people.get(person.id)
        assert found is not None
        await people.grant(found, Role.LEADER, now=datetime.now(UTC))
    await seed_recent_answers(live.runtime.database, "slack", TEAM_ID, datetime.now(UTC))
    say = live.runtime.ctx.say

    assert await live.dm(LEE, "report", ts="1700000001.000001", event_id="Ev-report") == 200

    [completed] = await live.slack.wait_for("files.completeUploadExternal")
    [asked] = live.slack.calls_to("files.getUploadURLExternal")
    [uploaded] = live.slack.calls_to("upload")
    assert asked.body["filename"] == "thrive-report.png"
    assert asked.body["alt_txt"] == say("report.chat.chart_alt", days=30)
    file_id = uploaded.body["file_id"]
    assert int(asked.body["length"]) == uploaded.body["size"] == len(live.slack.uploads[file_id])
    assert live.slack.uploads[file_id].startswith(PNG)
    assert completed.ok
    assert live.slack.files[file_id]["channel"] == f"D{LEE}"
    assert live.slack.files[file_id]["title"] == say("report.chat.chart_title", days=30)
    # The words came first, in the same DM.
    posts = [c for c in live.slack.calls_to("chat.postMessage") if c.body["channel"] == f"D{LEE}"]
    header = say("report.chat.header", days=30, minimum=5)
    [summary] = [post for post in posts if str(post.body["text"]).startswith(header)]
    assert "Team dynamics and staffing: 100%" in summary.body["text"]
    assert summary.at < uploaded.at


async def test_the_scheduled_report_reaches_the_leaders_channel_with_its_chart(
    live: LiveSlack,
) -> None:
    now = datetime.now(UTC)
    await seed_recent_answers(live.runtime.database, "slack", TEAM_ID, now)
    async with live.runtime.database.transaction() as session:
        organisation = await organisation_of(session, "slack", TEAM_ID)
        await ReportScheduleRepository(session).set(
            organisation, "month", now - timedelta(minutes=1), None, now
        )

    assert await send_due_reports(live.runtime.database, live.runtime.ctx) == 1

    [completed] = await live.slack.wait_for("files.completeUploadExternal")
    assert completed.body["channel_id"] == "C0LEADERS"
    heading = live.runtime.ctx.say("report.chat.scheduled", every="month")
    [post] = [
        call
        for call in live.slack.calls_to("chat.postMessage")
        if call.body["channel"] == "C0LEADERS"
    ]
    assert str(post.body["text"]).startswith(heading)
