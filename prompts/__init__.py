"""Thrive's content: question banks, the theme codebook and the bot's copy, loaded from YAML."""

from prompts.loader import DEFAULT_CONTENT_DIR, load_content, validate_path
from prompts.problems import ContentError, Problem
from prompts.schema import (
    BankSpec,
    BotCopy,
    ChoiceOption,
    Codebook,
    Content,
    Polarity,
    PromptKind,
    PromptSpec,
    SafetyPlan,
    SafetySpec,
    ScaleSpec,
    ThemeSpec,
    placeholders,
)

__all__ = [
    "DEFAULT_CONTENT_DIR",
    "BankSpec",
    "BotCopy",
    "ChoiceOption",
    "Codebook",
    "Content",
    "ContentError",
    "Polarity",
    "Problem",
    "PromptKind",
    "PromptSpec",
    "SafetyPlan",
    "SafetySpec",
    "ScaleSpec",
    "ThemeSpec",
    "load_content",
    "placeholders",
    "validate_path",
]
