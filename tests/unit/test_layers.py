"""The dependency arrows point one way (../shared/DESIGN.md): adapters -> bot -> storage,
bot -> prompts; botbuilder stays inside adapters/teams; bot/'s rooms import each other
only as their __init__ docstrings say, and the neutral model imports no room."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOMS = (
    "conversation",
    "people",
    "pulses",
    "outbox",
    "pathway",
    "privacy",
    "analysis",
    "safety",
    "reports",
)
# Which rooms (or one module of a room) each room may import; conversation is the top,
# privacy a leaf.
ROOM_MAY_IMPORT: dict[str, set[str]] = {
    "conversation": {
        "people",
        "pulses",
        "outbox",
        "pathway",
        "privacy",
        "analysis",
        "safety",
        "reports",
    },
    "people": {"outbox", "privacy"},
    # safety: answers are screened for distress when stored (and ideas, in pathway).
    "pulses": {"outbox", "pathway", "people", "privacy", "analysis", "safety"},
    # How a prompt is laid out when it is sent; the wording of an idea card an older
    # version queued unworded.
    "outbox": {"pulses.prompting", "pathway.cards"},
    "pathway": {"outbox", "people", "privacy", "analysis", "safety"},
    "privacy": set(),
    "analysis": {"privacy"},
    # The screen is privacy's; the escalation contact hears through the outbox.
    "safety": {"privacy", "outbox"},
    # The matrix it lays out, the response rates it shows (through participation's own
    # suppression), the outbox and the leaders for the scheduled summary.
    "reports": {"analysis", "privacy", "pulses.participation", "outbox", "people"},
}


def imports_of(path: Path) -> Iterator[str]:
    """Every module a file imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(package)
        for name in imports_of(path)
        if name.split(".")[0] in forbidden or name in forbidden
    ]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("bot", ("adapters", "thrive", "slack_bolt", "slack_sdk", "botbuilder", "aiohttp")),
        ("storage", ("bot", "adapters", "thrive")),
        ("prompts", ("bot", "adapters", "storage", "thrive")),
        ("adapters", ("thrive",)),
    ],
)
def test_layers_point_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    assert offending(package, forbidden) == []


def test_botbuilder_is_imported_only_inside_adapters_teams() -> None:
    found = [
        problem
        for package in ("bot", "adapters", "storage", "prompts", "thrive")
        for problem in offending(package, ("botbuilder", "botframework"))
        if not problem.startswith("adapters/teams/")
    ]
    assert found == []


def test_rooms_import_only_the_rooms_they_say() -> None:
    found = []
    for room in ROOMS:
        for path in modules(f"bot/{room}"):
            for name in imports_of(path):
                parts = name.split(".")
                if parts[0] != "bot" or len(parts) < 2 or parts[1] not in ROOMS:
                    continue
                allowed = ROOM_MAY_IMPORT[room]
                if parts[1] != room and not {parts[1], ".".join(parts[1:3])} & allowed:
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    assert found == []


def test_the_neutral_model_imports_no_room() -> None:
    top = [path for path in (ROOT / "bot").glob("*.py")]
    found = [
        f"{path.name} imports {name}"
        for path in top
        for name in imports_of(path)
        if name.split(".")[:2][-1] in ROOMS and name.startswith("bot.")
    ]
    assert found == []


def test_every_room_says_what_it_owns_and_may_import() -> None:
    for room in ROOMS:
        doc = ast.get_docstring(ast.parse((ROOT / "bot" / room / "__init__.py").read_text()))
        assert doc and "Owns" in doc and "May import" in doc, room
