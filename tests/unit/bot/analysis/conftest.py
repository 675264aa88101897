"""The default coder over the shipped content, built once."""

from __future__ import annotations

import pytest

from bot.analysis import CodebookCoder
from prompts import Content


@pytest.fixture(scope="session")
def coder(content: Content) -> CodebookCoder:
    return CodebookCoder.from_content(content)
