"""`thrive ideas` as a real process on a SQLite file where people talked to the bot: list,
show, move (which queues the same news as a move in chat), merge, export (audited) and the
digest; and nowhere a word of who sent the anonymous idea."""

from __future__ import annotations

import asyncio
import csv
import getpass
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.catalog import sync_content
from bot.clock import FixedClock
from bot.context import BotContext
from bot.people.roles import Role
from prompts import load_content
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Idea
from tests.cli.thrive_process import env_on_a_copy, rows, thrive
from tests.unit.bot.dispatch_harness import ChatHarness, RecordingSender

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
ANONYMOUS_AUTHOR = "quietauthor"  # the platform id of the anonymous idea's author


async def _seed(path: Path) -> None:
    content = load_content()
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    await sync_content(database, content)
    chat = ChatHarness(database, BotContext(content, FixedClock(NOW), "s"), RecordingSender())
    await chat.grant("lee", Role.LEADER)
    await chat.join("ana")
    await chat.join(ANONYMOUS_AUTHOR)
    await chat.say("ana", "idea a float nurse on Mondays")
    await chat.say(ANONYMOUS_AUTHOR, "idea float nurses every Monday morning")
    async with database.transaction() as session:
        anonymous = await session.scalar(select(Idea).where(Idea.id == 2))
        assert anonymous is not None
        anonymous.anonymous = True
    await chat.outbox.dispatch_due()  # the leaders' cards are posted (and remembered)
    await database.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ideas-cli") / "seed.db"
    asyncio.run(_seed(path))
    return path


@pytest.fixture
def env(tmp_path: Path, seeded: Path) -> dict[str, str]:
    return env_on_a_copy(seeded, tmp_path)


def _ok(tmp_path: Path, env: dict[str, str], *args: str) -> str:
    result = thrive("ideas", *args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout + result.stderr


def test_a_move_from_the_cli_queues_the_news_and_the_card_update_as_chat_does(
    tmp_path: Path, env: dict[str, str]
) -> None:
    said = _ok(tmp_path, env, "move", "1", "accepted")
    assert "Done: idea #1 moved to “accepted”" in said
    queued = rows(env, "SELECT audience, person_id, body FROM notifications WHERE state='pending'")
    news = [json.loads(str(body)) for audience, _, body in queued if audience == "person"]
    cards = [json.loads(str(body)) for audience, _, body in queued if audience == "leaders"]
    assert len(news) == 1 and "leaders accepted your idea #1" in news[0]["text"]
    assert len(cards) == 1 and "moved to “accepted” by your wellness team" in cards[0]["text"]
    moved = rows(env, "SELECT operator FROM audit_log WHERE action='idea.moved'")
    assert moved == [(getpass.getuser(),)]  # who ran it, in the audit log
    # A move the pathway does not have, or one that needs an owner, is refused: nothing moves.
    refused = thrive("ideas", "move", "1", "implemented", cwd=tmp_path, env=env)
    assert refused.returncode == 1 and "can go to: in progress, declined" in refused.stderr
    needs_owner = thrive("ideas", "move", "1", "in progress", cwd=tmp_path, env=env)
    assert needs_owner.returncode == 1 and "--owner" in needs_owner.stderr
    led = _ok(tmp_path, env, "move", "1", "in_progress", "--owner", "lee")
    assert "in progress" in led
    assert rows(env, "SELECT state FROM ideas WHERE id=1") == [("in progress",)]


def test_merge_into_itself_is_refused_and_a_merge_tells_both_submitters(
    tmp_path: Path, env: dict[str, str]
) -> None:
    itself = thrive("ideas", "merge", "1", "1", cwd=tmp_path, env=env)
    assert itself.returncode == 1 and "can't be merged into itself" in itself.stderr
    said = _ok(tmp_path, env, "merge", "2", "1")
    assert "Merged idea #2 into #1" in said
    told = rows(env, "SELECT person_id FROM notifications WHERE audience='person'")
    assert len(told) == 2  # ana and the anonymous author, each once


def test_no_leader_visible_output_names_the_anonymous_author(
    tmp_path: Path, env: dict[str, str]
) -> None:
    name = "Quietauthor"  # the harness names people after their id
    outputs = [
        _ok(tmp_path, env, "list"),
        _ok(tmp_path, env, "list", "--state", "submitted"),
        _ok(tmp_path, env, "show", "2"),
        digest := _ok(tmp_path, env, "digest", "--since", "2026-01-01"),
        _ok(tmp_path, env, "merge", "2", "1"),
        _ok(tmp_path, env, "show", "1"),
    ]
    exported = _ok(tmp_path, env, "export", "--format", "csv", "--output", "out.csv")
    assert "Wrote 2 ideas" in exported
    with (tmp_path / "out.csv").open(encoding="utf-8") as file:
        table = list(csv.DictReader(file))
    assert {row["from"] for row in table} >= {"Anonymous"}
    outputs += [exported, (tmp_path / "out.csv").read_text(encoding="utf-8")]
    _ok(tmp_path, env, "export", "--format", "xlsx", "--output", "out.xlsx")
    sheet = load_workbook(tmp_path / "out.xlsx").active
    assert sheet is not None
    outputs.append(json.dumps([list(map(str, row)) for row in sheet.iter_rows(values_only=True)]))
    for shown in outputs:
        assert ANONYMOUS_AUTHOR not in shown.lower() and name.lower() not in shown.lower()
    assert "From: Anonymous" in outputs[2]
    assert digest.startswith("**You said, we did (2026-01-01 to ")  # Markdown
    assert "2 received" in digest  # both ideas came in the period
    # Every export is in the audit log, with who ran it.
    assert [a for (a,) in rows(env, "SELECT action FROM audit_log")].count("ideas.export") == 2
