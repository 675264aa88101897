"""What a finder reports: where an identifier is and what kind it is, never why."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple


class Found(NamedTuple):
    start: int
    end: int
    kind: str


# A finder reads the whole text and yields what it recognises; finders are pure functions.
Finder = Callable[[str], Iterable[Found]]
