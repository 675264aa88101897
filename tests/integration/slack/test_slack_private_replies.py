"""An answer's confirmation is for the answerer only (ephemeral, with Undo), and the work
behind an ack is finished even when the server stops right after it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.clock import SystemClock
from tests.integration.slack.fake_slack import FakeSlack
from tests.integration.slack.live_slack import (
    SIGNING_SECRET,
    LiveSlack,
    action_from,
    button_labelled,
)
from tests.integration.slack.signing import TEAM_ID, interaction_body
from tests.integration.slack.test_slack_flow import DM, USER, _prompt_ts, _prompted
from thrive.runtime import build_runtime
from thrive.server import create_app, start_site
from thrive.settings import load_settings


async def _confirmation(live: LiveSlack) -> tuple[tuple[str, str], dict[str, Any]]:
    """The ephemeral "Thanks, saved" message: its (channel, ts) and the message."""
    await live.slack.wait_for("chat.postEphemeral")
    [(where, message)] = [
        (where, message)
        for where, message in live.slack.ephemeral.items()
        if message["text"].startswith("Thanks, saved")
    ]
    return where, message


async def _press_on_ephemeral(
    live: LiveSlack, button: dict[str, Any], channel: str, ts: str
) -> int:
    """A press on an ephemeral message, as Slack sends it: is_ephemeral and a response_url."""
    payload = {
        "type": "block_actions",
        "user": {"id": USER, "team_id": TEAM_ID},
        "team": {"id": TEAM_ID},
        "api_app_id": "A0TEST",
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "container": {
            "type": "message",
            "channel_id": channel,
            "message_ts": ts,
            "is_ephemeral": True,
        },
        "channel": {"id": channel},
        "response_url": live.slack.ephemeral_response_url(channel, ts),
        "actions": [{**action_from(button), "type": "button", "action_ts": str(time.time())}],
    }
    return await live.post(interaction_body(payload), json_body=False)


async def test_a_dm_answer_is_confirmed_only_to_the_answerer_with_undo(live: LiveSlack) -> None:
    await _prompted(live, ["joy-more", "valued"])

    await live.dm(USER, "Teaching residents", ts="1700000001.000001", event_id="Ev-p1")

    (channel, _ts), confirmation = await _confirmation(live)
    [post] = live.slack.calls_to("chat.postEphemeral")
    assert (channel, post.body["user"]) == (DM, USER)
    assert "thread_ts" not in confirmation
    assert confirmation["text"] == "Thanks, saved."  # her own message shows the words
    assert button_labelled(confirmation["blocks"], "Undo")["action_id"].startswith("answer.undo")
    # The next question is a normal message (it must stay pressable and updatable).
    posts = await live.slack.wait_for("chat.postMessage", 3)
    assert not any(call.body["text"].startswith("Thanks, saved") for call in posts)


async def test_a_thread_answers_confirmation_goes_to_that_thread(live: LiveSlack) -> None:
    await _prompted(live, ["joy-more"])
    prompt_ts = await _prompt_ts(live)

    await live.dm(USER, "Continuity", ts="1700000002.000001", event_id="Ev-p2", thread_ts=prompt_ts)

    (channel, _ts), confirmation = await _confirmation(live)
    assert (channel, confirmation["user"]) == (DM, USER)
    assert confirmation["thread_ts"] == prompt_ts


async def test_undo_on_the_ephemeral_confirmation_replaces_it_by_its_response_url(
    live: LiveSlack,
) -> None:
    prompt = await _prompted(live, ["autonomy-vital"])
    three = button_labelled(prompt["blocks"], "3")
    await live.press(USER, action_from(three), channel=DM, message_ts=await _prompt_ts(live))
    (channel, ts), confirmation = await _confirmation(live)
    asked = len(live.slack.calls_to("chat.postMessage"))

    undo = button_labelled(confirmation["blocks"], "Undo")
    assert await _press_on_ephemeral(live, undo, channel, ts) == 200

    [replaced] = await live.slack.wait_for("response_url")
    assert replaced.body["replace_original"] is True
    assert live.slack.ephemeral[(channel, ts)]["text"].startswith("Undone")
    # chat.update cannot reach an ephemeral message: it was not even tried.
    assert not [call for call in live.slack.calls_to("chat.update") if call.body["ts"] == ts]

    async def gone() -> bool:
        return await live.responses() == []

    await live.until(gone, "the answer to be undone")
    asked_again = await live.slack.wait_for("chat.postMessage", asked + 1)
    assert "autonomy" in asked_again[-1].body["text"]


async def test_work_acked_just_before_shutdown_is_finished(tmp_path: Path) -> None:
    # A slow Slack: the reply is still on its way when the server is told to stop.
    async with FakeSlack(delay=0.3) as slack:
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path}/t.db",
            secret_key="x",
            slack_signing_secret=SIGNING_SECRET,
            slack_bot_token=slack.token,
            slack_api_url=slack.base_url,
        )
        runtime = await build_runtime(settings, clock=SystemClock())
        runner, port = await start_site(create_app(runtime), "127.0.0.1", 0)
        async with aiohttp.ClientSession() as http:
            live = LiveSlack(f"http://127.0.0.1:{port}", runtime, slack, http, runner)
            for n in range(3):
                user = f"U0SHUT{n}"
                ts = f"1700000010.00000{n}"
                assert await live.dm(user, "hello", ts=ts, event_id=f"Ev-shut-{n}") == 200
            assert not slack.calls_to("chat.postMessage")  # nothing sent before the stop

            await runner.cleanup()

        replied = {call.body["channel"] for call in slack.calls_to("chat.postMessage")}
        assert replied == {"DU0SHUT0", "DU0SHUT1", "DU0SHUT2"}
