"""`thrive pulse ...` as a real process against a SQLite file: create, list, show, pause,
resume, send-now, delete, and a one-line refusal (exit 1, no traceback) for mistakes."""

from __future__ import annotations

import asyncio
import getpass
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Person
from storage.people import PeopleRepository
from tests.cli.thrive_process import RUN_TIMEOUT, THRIVE, env_on_a_copy, rows, thrive

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
PEOPLE = [
    ("amara", "North", "America/New_York"),
    ("jordan", "North", "America/New_York"),
    ("kenji", "North", "Asia/Tokyo"),
    ("wei", "South", None),  # the organisation's zone
]


async def _seed(path: Path) -> None:
    database = Database(f"sqlite:///{path}")
    await upgrade(database)
    async with database.transaction() as session:
        people = PeopleRepository(session)
        workspace = await people.workspace("local", "local", now=NOW)
        for user_id, site, zone in PEOPLE:
            person = await people.add(
                Person(
                    workspace_id=workspace.id,
                    platform_user_id=user_id,
                    display_name=user_id.title(),
                    site=site,
                    timezone=zone,
                    tags=["nights"] if user_id == "kenji" else [],
                    created_at=NOW,
                )
            )
            await people.grant(person, "clinician", now=NOW)
    await database.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with four people, made once; each test gets a copy."""
    path = tmp_path_factory.mktemp("pulse-cli") / "seed.db"
    asyncio.run(_seed(path))
    return path


@pytest.fixture
def env(tmp_path: Path, seeded: Path) -> dict[str, str]:
    return env_on_a_copy(seeded, tmp_path)


def pulse(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return thrive("pulse", *args, cwd=tmp_path, env=env)


def _refused(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    # One line (an unknown value goes on to list the values that exist).
    assert result.stderr.strip().startswith(expected)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr


def test_create_list_show_pause_resume(tmp_path: Path, env: dict[str, str]) -> None:
    created = pulse(
        tmp_path,
        env,
        "create",
        "--name",
        "Weekly check-in",
        "--prompts",
        "joy-more,valued",
        "--audience",
        "site:North",
        "--window",
        "12:00-13:00",
        "--days",
        "mon-fri",
        "--reminder-hours",
        "0",
    )
    rotating = pulse(
        tmp_path,
        env,
        "create",
        "--name",
        "Rotation",
        "--rotate-bank",
        "guide",
        "--per-occurrence",
        "2",
        "--schedule",
        "0 9 * * tue",
        "--window",
        "09:00-11:00",
        "--sample",
        "0.5",
        "--anonymity",
        "anonymous",
    )

    assert created.returncode == 0, created.stderr
    created_lines = created.stdout.splitlines()
    assert created_lines[0] == "Created pulse 'Weekly check-in' (#1)."
    # Who it reaches and when each zone first hears, in that zone's own time.
    assert " at 1 site in " in created_lines[1] and "first prompts" in created_lines[1]
    assert rotating.returncode == 0, rotating.stderr
    assert rows(env, "SELECT name, reminder_after_hours, audience FROM pulses ORDER BY id") == [
        ("Weekly check-in", None, '{"sites": ["North"]}'),
        ("Rotation", 24, "{}"),
    ]
    listed = pulse(tmp_path, env, "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "Rotation\ton\t0 9 * * tue mon,tue,wed,thu,fri,sat,sun 09:00-11:00 local\teveryone"
        "\tlast: not sent yet",
        "Weekly check-in\ton\tweekly mon,tue,wed,thu,fri 12:00-13:00 local\tsite:North"
        "\tlast: not sent yet",
    ]

    shown = pulse(tmp_path, env, "show", "weekly check-in")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[:6] == [
        "Weekly check-in (#1, on)",
        "  asks: joy-more, valued",
        "  audience: site:North",
        "  schedule: weekly mon,tue,wed,thu,fri 12:00-13:00 local",
        "  reminder: none; closes after 7 day(s); anonymity: confidential",
        "Next fire:",
    ]
    # One line per zone of the audience, at noon local on a weekday.
    assert [line.split(":")[0] for line in lines[6:8]] == ["  America/New_York", "  Asia/Tokyo"]
    assert all(" 12:00 local (" in line for line in lines[6:8])

    assert pulse(tmp_path, env, "pause", "Weekly check-in").stdout.strip() == (
        "Paused 'Weekly check-in'."
    )
    paused = pulse(tmp_path, env, "show", "Weekly check-in")
    assert "Weekly check-in (#1, paused)" in paused.stdout
    assert "  none: the pulse is paused" in paused.stdout
    assert pulse(tmp_path, env, "resume", "Weekly check-in").returncode == 0
    assert rows(env, "SELECT paused FROM pulses WHERE id = 1") == [(0,)]


def test_send_now_and_the_figures_in_show(tmp_path: Path, env: dict[str, str]) -> None:
    pulse(tmp_path, env, "create", "--name", "Weekly", "--prompts", "joy-more")

    sent = pulse(tmp_path, env, "send-now", "Weekly")

    assert sent.returncode == 0, sent.stderr
    said = sent.stdout.splitlines()
    assert said[0] == "Queued 4 prompt(s) for 'Weekly'; the running server sends them."
    # ...and when they really arrive: now, or the first moment the rules allow, and why.
    assert any(words in said[1] for words in ("get it now", "wait for", "None can be asked now"))
    assert rows(env, "SELECT count(*), min(state) FROM deliveries") == [(4, "pending")]
    assert rows(env, "SELECT pulse_id, key FROM occurrences") == [(1, None)]
    shown = pulse(tmp_path, env, "show", "Weekly").stdout
    assert "Occurrences (1 most recent):" in shown
    assert "all zones: sent 0, queued 4, deferred 0, failed 0, withheld 0" in shown
    assert "answered (fewer than 5 sent)" in shown
    assert "Overall: 4 prompts waiting to go out" in shown


def test_delete_asks_first_and_keeps_past_occurrences(tmp_path: Path, env: dict[str, str]) -> None:
    pulse(tmp_path, env, "create", "--name", "Weekly", "--prompts", "joy-more")
    pulse(tmp_path, env, "send-now", "Weekly")

    declined = subprocess.run(
        [str(THRIVE), "pulse", "delete", "Weekly"],
        cwd=tmp_path,
        env=env,
        input="n\n",
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert declined.returncode == 1
    assert rows(env, "SELECT count(*) FROM pulses") == [(1,)]

    deleted = pulse(tmp_path, env, "delete", "Weekly", "--yes")

    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.strip() == "Deleted 'Weekly'; its 1 past occurrence(s) are kept."
    assert rows(env, "SELECT count(*) FROM pulses") == [(0,)]
    assert rows(env, "SELECT pulse_id, count(*) FROM occurrences") == [(None, 1)]
    # The send and the deletion are in the audit log with the operator's login.
    assert rows(env, "SELECT action, operator FROM audit_log WHERE action LIKE 'pulse.%'") == [
        ("pulse.sent", getpass.getuser()),
        ("pulse.deleted", getpass.getuser()),
    ]
    assert rows(env, "SELECT count(*) FROM deliveries") == [(4,)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--prompts", "nope"), "There is no prompt with id nope. Prompt ids: joy-more,"),
        (
            ("--prompts", "joy-more", "--schedule", "*/5 * * * *"),
            "That schedule won't work: '*/5 * * * *' fires 288 times a day; "
            "a pulse may fire at most once a day.",
        ),
        (
            ("--prompts", "joy-more", "--audience", "site:Nowhere"),
            "Nobody is at the site Nowhere right now. The sites are: ",
        ),
        (
            ("--prompts", "joy-more", "--audience", "site:South", "--audience", "tag:nights"),
            "The audience site:South tag:nights matches nobody right now.",
        ),
        (("--prompts", "joy-more", "--sample", "abc"), "--sample takes a number (got abc)."),
        (
            ("--prompts", "joy-more", "--sample", "1.5"),
            "A sample is a share of the audience above 0 and at most 1, like 0.5 (got 1.5).",
        ),
        (
            ("--rotate-bank", "guide", "--per-occurrence", "6"),
            "Each occurrence asks 1 to 5 questions of this bank, not 6.",
        ),
        (
            ("--prompts", "joy-more", "--window", "13:00-12:00"),
            "The send window must start before it ends, on the same day (got 13:00-12:00).",
        ),
        (
            ("--prompts", "joy-more", "--anonymity", "secret"),
            "Anonymity is one of anonymous, confidential, identified (got secret).",
        ),
    ],
)
def test_a_bad_definition_is_one_line_and_exit_1(
    tmp_path: Path, env: dict[str, str], args: tuple[str, ...], expected: str
) -> None:
    result = pulse(tmp_path, env, "create", "--name", "Bad", *args)

    _refused(result, expected)
    assert rows(env, "SELECT count(*) FROM pulses") == [(0,)]


def test_a_duplicate_name_and_an_unknown_pulse(tmp_path: Path, env: dict[str, str]) -> None:
    pulse(tmp_path, env, "create", "--name", "Weekly", "--prompts", "joy-more")

    _refused(
        pulse(tmp_path, env, "create", "--name", "weekly", "--prompts", "valued"),
        "There is already a pulse called weekly. Pick another name.",
    )
    for command in ("show", "pause", "resume", "send-now"):
        _refused(pulse(tmp_path, env, command, "Monthly"), "There is no pulse called Monthly.")
    _refused(
        pulse(tmp_path, env, "delete", "Monthly", "--yes"), "There is no pulse called Monthly."
    )


def test_send_now_refuses_a_paused_pulse(tmp_path: Path, env: dict[str, str]) -> None:
    pulse(tmp_path, env, "create", "--name", "Weekly", "--prompts", "joy-more")
    pulse(tmp_path, env, "pause", "Weekly")

    _refused(
        pulse(tmp_path, env, "send-now", "Weekly"),
        "Weekly is paused. Resume it first with `pulse resume Weekly`.",
    )
    assert rows(env, "SELECT count(*) FROM occurrences") == [(0,)]


def test_every_problem_is_reported_at_once(tmp_path: Path, env: dict[str, str]) -> None:
    result = pulse(
        tmp_path,
        env,
        "create",
        "--name",
        "Bad",
        "--prompts",
        "joy-more",
        "--per-occurrence",
        "2",
        "--audience",
        "site:Nowhere",
        "--window",
        "13:00-12:00",
        "--anonymity",
        "secret",
    )

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "That pulse has 4 problems; nothing was saved:"
    # --per-occurrence means nothing beside --prompts: refused, not ignored.
    assert lines[1].startswith("• --per-occurrence goes with a bank to rotate through")
    assert lines[2].startswith("• Nobody is at the site Nowhere right now. The sites are: ")
    assert lines[3].startswith("• The send window must start before it ends")
    assert lines[4].startswith("• Anonymity is one of")
    assert rows(env, "SELECT count(*) FROM pulses") == [(0,)]


def test_a_cron_at_night_is_shown_with_when_it_really_sends(
    tmp_path: Path, env: dict[str, str]
) -> None:
    created = pulse(
        tmp_path, env, "create", "--name", "Early", "--prompts", "joy-more",
        "--schedule", "0 3 * * tue",
    )  # fmt: skip

    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines()[-1] == (
        "0 3 * * tue fires at 03:00, outside the send window 12:00-13:00, so it sends at "
        "12:00 local instead (never at night)."
    )
    listed = pulse(tmp_path, env, "list").stdout
    assert "(fires 03:00, outside the window: sends at 12:00)" in listed


def test_database_and_demo_options_reach_any_database(tmp_path: Path, env: dict[str, str]) -> None:
    """--database URL (or a path) and --demo work on any command; looking never creates."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    url = env["THRIVE_DATABASE_URL"]
    plain = {key: value for key, value in env.items() if key != "THRIVE_DATABASE_URL"}

    missing = thrive("pulse", "list", cwd=elsewhere, env=plain)
    no_demo = thrive(
        "report", "--format", "html", "--out", "x.html", "--demo", cwd=elsewhere, env=plain
    )
    by_url = thrive("pulse", "list", "--database", url, cwd=elsewhere, env=plain)
    by_path = thrive(
        "--database", url.removeprefix("sqlite:///"), "roles", "list", cwd=elsewhere, env=plain
    )
    (elsewhere / "thrive-demo.db").write_bytes(Path(url.removeprefix("sqlite:///")).read_bytes())
    by_demo = thrive("pulse", "list", "--demo", cwd=elsewhere, env=plain)
    hinted = thrive("pulse", "list", cwd=elsewhere, env=plain)

    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("There is no Thrive database at ")
    # --demo without the demo's file says how to make it, not "use --demo".
    assert no_demo.returncode == 1
    assert no_demo.stderr.strip() == (
        f"There is no demo database at {(elsewhere / 'thrive-demo.db').resolve()} yet: "
        "run `thrive demo` first (or give --database PATH)."
    )
    assert "add --demo" in hinted.stderr  # once the demo's file is here, it says so
    assert not (elsewhere / "thrive.db").exists()  # a read-only command created nothing
    assert by_url.returncode == 0, by_url.stderr
    assert by_path.returncode == 0 and "ROLES" in by_path.stdout, by_path.stderr
    assert by_demo.returncode == 0, by_demo.stderr
