"""The chat command grammar: what a clinician types, and what the bot takes it to mean."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.conversation.commands import CommandName, ParsedCommand, parse_command
from bot.people.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", ParsedCommand(CommandName.HELP)),
        ("Help", ParsedCommand(CommandName.HELP)),
        ("  help!  ", ParsedCommand(CommandName.HELP)),
        ("?", ParsedCommand(CommandName.HELP)),
        ("pause", ParsedCommand(CommandName.PAUSE)),
        ("Pause.", ParsedCommand(CommandName.PAUSE)),
        ("stop", ParsedCommand(CommandName.PAUSE)),
        ("resume", ParsedCommand(CommandName.RESUME)),
        ("start", ParsedCommand(CommandName.RESUME)),
        ("my answers", ParsedCommand(CommandName.MY_ANSWERS)),
        ("My Answers", ParsedCommand(CommandName.MY_ANSWERS)),
        ("my ideas", ParsedCommand(CommandName.MY_IDEAS)),
        ("anonymous idea: swap shifts", ParsedCommand(CommandName.IDEA, "anonymous swap shifts")),
        ("forget me", ParsedCommand(CommandName.FORGET_ME)),
        ("Forget me.", ParsedCommand(CommandName.FORGET_ME)),
    ],
)
def test_bare_commands_are_recognised(text: str, expected: ParsedCommand) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "idea protected admin time on Fridays",
        "Idea protected admin time on Fridays",
        "IDEA   protected admin time on Fridays",
        "idea: protected admin time on Fridays",
        "idea:protected admin time on Fridays",
        "idea : protected admin time on Fridays",
        "idea - protected admin time on Fridays",
        "  idea protected admin time on Fridays  ",
    ],
)
def test_idea_with_text_carries_the_idea(text: str) -> None:
    assert parse_command(text) == ParsedCommand(CommandName.IDEA, "protected admin time on Fridays")


def test_an_idea_may_span_several_lines() -> None:
    parsed = parse_command("idea: scribes for every clinic\nstarting with the busiest site")
    assert parsed == ParsedCommand(
        CommandName.IDEA, "scribes for every clinic\nstarting with the busiest site"
    )


@pytest.mark.parametrize("text", ["idea", "Idea", "idea:", "idea :  ", "idea -"])
def test_idea_without_text_is_still_the_idea_command(text: str) -> None:
    # The dispatcher answers these with the usage line instead of storing "idea:" as an answer.
    assert parse_command(text) == ParsedCommand(CommandName.IDEA, "")


@pytest.mark.parametrize(
    ("text", "argument"),
    [
        ("snooze 2h", "2h"),
        ("snooze 3 days", "3 days"),
        ("Snooze: 1 week", "1 week"),
        ("snooze", ""),
    ],
)
def test_snooze_takes_its_duration_as_the_argument(text: str, argument: str) -> None:
    assert parse_command(text) == ParsedCommand(CommandName.SNOOZE, argument)


@pytest.mark.parametrize(
    "text",
    [
        "pause between patients would help",
        "Stop the in-basket madness",
        "help with charting would be great",
        "start times are too early",
        "my answers are the same as last time",
        "ideas are welcome here",
        "idea-driven culture",
        "forget me not",
        "I have an idea: scribes",
        "4",
        "",
    ],
)
def test_ordinary_answers_are_not_commands(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", timedelta(hours=2)),
        ("2 hours", timedelta(hours=2)),
        ("90 min", timedelta(minutes=90)),
        ("15m", timedelta(minutes=15)),
        ("3 days", timedelta(days=3)),
        ("1d", timedelta(days=1)),
        ("1 week", timedelta(weeks=1)),
        ("2 WEEKS", timedelta(weeks=2)),
        ("tomorrow", timedelta(days=1)),
        (" Tomorrow ", timedelta(days=1)),
        ("next week", timedelta(weeks=1)),
        ("90 days", timedelta(days=90)),
    ],
)
def test_parse_duration_reads_common_ways_of_saying_how_long(
    text: str, expected: timedelta
) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["5m", "14 minutes", "200 days", "91 days", "0h", "soon", "", "2 fortnights", "-2h", "2.5h"],
)
def test_parse_duration_rejects_unreadable_or_out_of_range(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("snooze for 2 hours", ParsedCommand(CommandName.SNOOZE, "for 2 hours")),
        ("snooze forever", ParsedCommand(CommandName.SNOOZE, "forever")),  # gets the usage
        ("snooze buttons are annoying", None),  # prose about snoozing, not a command
    ],
)
def test_snooze_is_a_command_only_when_it_reads_like_one(
    text: str, expected: ParsedCommand | None
) -> None:
    assert parse_command(text) == expected


def test_for_before_a_duration_is_fine() -> None:
    assert parse_duration("for 2 hours") == timedelta(hours=2)
