"""The analysis room keeps to what its docstring says it may import."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit.test_layers import ROOMS, imports_of

ROOT = Path(__file__).resolve().parents[4]
ROOM = ROOT / "bot" / "analysis"


def test_the_room_says_what_it_owns_and_may_import() -> None:
    doc = ast.get_docstring(ast.parse((ROOM / "__init__.py").read_text()))
    assert doc and "Owns" in doc and "May import" in doc


def test_the_room_imports_only_the_neutral_model_storage_prompts_and_privacy() -> None:
    outside = {"adapters", "thrive", "slack_bolt", "slack_sdk", "botbuilder"}
    other_rooms = {f"bot.{room}" for room in ROOMS if room != "privacy"}
    found = [
        f"{path.name} imports {name}"
        for path in sorted(ROOM.rglob("*.py"))
        for name in imports_of(path)
        if name.split(".")[0] in outside or ".".join(name.split(".")[:2]) in other_rooms
    ]
    assert found == []
