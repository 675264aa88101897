"""An organisation's codebook and its coder: the one place every coding path asks.

An organisation codes with the shipped codebook plus the themes its wellness lead
accepted from emerging answers (bot.analysis.emerging), and no other organisation's.
Storing an answer or idea, a recode (its worker processes too), an import, the
matrix's columns and the theme ids a person may give (review, import-codes) all ask
here; `thrive code` has no database and codes with the shipped codebook alone.

Which coder: THRIVE_CODER (`choose_coder`, once at start). The shipped coder is built
once per content and kept (`coder_for`). An organisation's is built from it and kept
per organisation: each store reads the organisation's accepted themes (one small
query) and the kept coder is rebuilt only when they differ, so a theme accepted in
another process (`thrive analysis emerging accept` beside the server) counts from the
next answer on; `accept` also forgets the organisation's coder in its own process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis.coder import Code, CodebookCoder, Coder
from bot.analysis.evaluation import LabelledAnswer
from prompts import Content, ThemeSpec
from storage.emerging import EmergingRepository

KEYWORDS = "keywords"  # the default coder: the codebook's words (coder.py)
LEARNED = "learned"  # scikit-learn trained on labelled answers (learned.py)
CODERS = (KEYWORDS, LEARNED)
_KEPT = 4  # shipped coders kept: one content per process, a few in tests
_KEPT_ORGANISATIONS = 256  # organisations' coders kept (a coder is a few hundred kB)

# An organisation's accepted themes as plain tuples (id, label, keywords): cheap to
# compare on every store and to send to a recode's worker processes.
OwnTheme = tuple[str, str, tuple[str, ...]]
OwnThemes = tuple[OwnTheme, ...]

_chosen = KEYWORDS
_coders: dict[tuple[int, str], tuple[Content, Coder]] = {}
_organisation_coders: dict[int, tuple[Content, str, OwnThemes, Coder]] = {}


def choose_coder(kind: str) -> None:
    """Which coder codes answers in this process (THRIVE_CODER, set once at start)."""
    global _chosen
    if kind not in CODERS:
        raise ValueError(f"unknown coder {kind!r}: one of {', '.join(CODERS)}")
    _chosen = kind


def chosen_coder() -> str:
    return _chosen


def coder_for(content: Content) -> Coder:
    """The chosen coder for the shipped codebook of `content`, built on first use and
    kept (the content is kept with it, so its id cannot be reused by another)."""
    key = (id(content), _chosen)
    kept = _coders.get(key)
    if kept is not None and kept[0] is content:
        return kept[1]
    coder = build_coder(content, _chosen)
    if len(_coders) >= _KEPT:
        _coders.pop(next(iter(_coders)))
    _coders[key] = (content, coder)
    return coder


def build_coder(
    content: Content, kind: str, examples: Sequence[LabelledAnswer] | None = None
) -> Coder:
    """A new shipped coder of `kind`; the learned one trained on the shipped labelled
    answers plus `examples` (people's codes)."""
    if kind == LEARNED:
        # Imported here: scikit-learn takes a second to import, and most never need it.
        from bot.analysis.learned import LearnedCoder, shipped_examples

        return LearnedCoder(content, [*shipped_examples(), *(examples or ())])
    return CodebookCoder.from_content(content)


@dataclass(frozen=True)
class OrganisationCodebook:
    """The themes one organisation codes with: the shipped codebook's, then its own."""

    shipped: tuple[ThemeSpec, ...]
    own: tuple[ThemeSpec, ...]

    @property
    def themes(self) -> tuple[ThemeSpec, ...]:
        return (*self.shipped, *self.own)

    @property
    def theme_ids(self) -> frozenset[str]:
        """The theme ids its answers may be coded with, by the coder or a person."""
        return frozenset(theme.id for theme in self.themes)


async def own_themes(session: AsyncSession, organisation_id: int | None) -> OwnThemes:
    """The themes the organisation accepted (none without an organisation)."""
    if organisation_id is None:
        return ()
    found = await EmergingRepository(session).own_theme_words(organisation_id)
    return tuple((theme_id, label, tuple(words)) for theme_id, label, words in found)


async def codebook_of(
    session: AsyncSession, content: Content, organisation_id: int | None
) -> OrganisationCodebook:
    """The organisation's codebook; without an organisation, the shipped one alone."""
    own = await own_themes(session, organisation_id)
    return OrganisationCodebook(tuple(content.codebook.themes), tuple(map(own_spec, own)))


async def organisation_coder(
    session: AsyncSession, content: Content, organisation_id: int | None
) -> Coder:
    """The chosen coder for the organisation's codebook, kept per organisation until
    its accepted themes change."""
    own = await own_themes(session, organisation_id)
    if not own or organisation_id is None:
        return coder_for(content)
    kept = _organisation_coders.get(organisation_id)
    if kept is not None and kept[0] is content and kept[1] == _chosen and kept[2] == own:
        return kept[3]
    coder = Coders(content, coder_for(content), _chosen).coder(own)
    if len(_organisation_coders) >= _KEPT_ORGANISATIONS:
        _organisation_coders.pop(next(iter(_organisation_coders)))
    _organisation_coders[organisation_id] = (content, _chosen, own, coder)
    return coder


def forget(organisation_id: int) -> None:
    """Drop the organisation's kept coder: its codebook just changed."""
    _organisation_coders.pop(organisation_id, None)


class Coders:
    """Every organisation's coder for one content and coder kind: the shipped coder,
    and from it the coder for a given set of accepted themes (built on first use and
    kept). A recode hands one to each worker process, once; batches then say only
    which organisation's themes to code with."""

    def __init__(self, content: Content, shipped: Coder, kind: str = KEYWORDS) -> None:
        self.content = content
        self.shipped = shipped
        self.kind = kind
        self._built: dict[OwnThemes, Coder] = {}

    def coder(self, own: OwnThemes = ()) -> Coder:
        if not own:
            return self.shipped
        built = self._built.get(own)
        if built is None:
            specs = [own_spec(theme) for theme in own]
            if self.kind == LEARNED:
                # The learned coder knows the shipped themes only: the accepted ones
                # are found by their words beside it.
                words = CodebookCoder.from_content(self.content, specs, only_extra=True)
                built = _Joined(self.shipped, words)
            else:
                built = CodebookCoder.from_content(self.content, specs)
            self._built[own] = built
        return built

    def __getstate__(self) -> dict[str, Any]:
        # Workers build the coders they need: the parent's built ones stay home.
        return {**self.__dict__, "_built": {}}


class _Joined:
    """The shipped coder's codes and an organisation's own themes' codes, surest first."""

    def __init__(self, shipped: Coder, own: Coder) -> None:
        self.shipped = shipped
        self.own = own

    def code(self, text: str, question: str | None = None) -> tuple[Code, ...]:
        codes = [*self.shipped.code(text, question), *self.own.code(text, question)]
        codes.sort(key=lambda code: -code.confidence)
        return tuple(codes)


def own_spec(theme: OwnTheme) -> ThemeSpec:
    """An accepted theme as the coder reads it: its words are its keywords."""
    theme_id, label, keywords = theme
    return theme_spec(theme_id, label, keywords)


def theme_spec(theme_id: str, label: str, keywords: Sequence[str]) -> ThemeSpec:
    words = [word.strip().lower() for word in keywords if word.strip()]
    return ThemeSpec(
        id=theme_id,
        label=label[:200] or theme_id,
        description=label[:500] or theme_id,
        keywords=words or [theme_id],
        leans=None,
    )


__all__ = [
    "CODERS",
    "KEYWORDS",
    "LEARNED",
    "Coders",
    "OrganisationCodebook",
    "build_coder",
    "choose_coder",
    "chosen_coder",
    "codebook_of",
    "coder_for",
    "forget",
    "organisation_coder",
    "own_themes",
]
