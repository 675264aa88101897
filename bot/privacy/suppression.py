"""The one suppression rule for small groups: every count, percentage, breakdown or
quote shown to anyone passes through here first.

A *group* is a set of respondents a figure describes (the people of one site who
answered a question; those of them who spoke of one theme). The rule, after Viva
Glint and Culture Amp:

1. a group of fewer than the minimum (THRIVE_MIN_GROUP_SIZE, 5) shows no figure; a
   quote needs a larger group (THRIVE_MIN_GROUP_SIZE_COMMENTS, 10);
2. complementary suppression: when one group of a breakdown is hidden, the next
   smallest is hidden too, and more until the hidden ones together reach the minimum,
   so the total minus the shown groups never gives a small group away;
3. a filter whose remainder (everyone minus the filtered group) would be a small group
   is refused, since the unfiltered figure minus the filtered one would reveal it.

Pure functions: counts in, decisions out; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.errors import ThriveError


class NotEnoughResponses(ThriveError):
    """A filter or view that would let a small group be worked out."""

    copy_key = "analysis.not_enough_responses"


@dataclass(frozen=True)
class Thresholds:
    """The minimum group size for figures, and the larger one for quotes."""

    figures: int = 5
    comments: int = 10


def may_show(respondents: int, minimum: int) -> bool:
    """Whether a figure about a group of `respondents` may be shown: an empty group
    (nobody) says nothing about anyone; a small one is hidden."""
    return respondents == 0 or respondents >= minimum


def may_quote(respondents: int, thresholds: Thresholds) -> bool:
    """Whether quotes from a group of `respondents` may be shown."""
    return respondents >= max(thresholds.comments, thresholds.figures)


def shown_groups(
    groups: Mapping[str, int],
    minimum: int,
    total: int | None = None,
    hidden: Iterable[str] = (),
) -> frozenset[str]:
    """The names of the groups whose figures may be shown.

    `groups` maps each group of a breakdown to its respondents; `total`, when the
    whole is shown beside them, is its respondents (a whole below the minimum shows
    nothing, so none of its groups either); `hidden` names groups already hidden for
    another reason (their population is). Small groups are hidden; if any is, the
    smallest shown groups are hidden with them until at least two are hidden and
    together they reach the minimum. Ties are broken by name, so the result is stable.
    """
    if total is not None and not may_show(total, minimum):
        return frozenset()
    forced = set(hidden)
    ordered = sorted(groups.items(), key=lambda item: (-item[1], item[0]))
    shown = [may_show(count, minimum) and name not in forced for name, count in ordered]
    hidden_counts = [count for (_, count), ok in zip(ordered, shown, strict=True) if not ok]

    def exposed() -> bool:
        secret = [count for count in hidden_counts if count > 0]
        return bool(secret) and (len(secret) < 2 or sum(secret) < minimum)

    while exposed() and any(shown):
        smallest = max(index for index, ok in enumerate(shown) if ok)
        shown[smallest] = False
        hidden_counts.append(ordered[smallest][1])
    return frozenset(name for (name, _), ok in zip(ordered, shown, strict=True) if ok)


def check_filter(pairs: Iterable[tuple[int, int]], minimum: int) -> None:
    """Refuse a filter (NotEnoughResponses) when, for any `(filtered, whole)` pair of
    respondent counts (the filtered view and the same view without the filter) both
    shown, the remainder `whole - filtered` is a small group: subtracting would
    reveal it."""
    for filtered, whole in pairs:
        both_shown = may_show(filtered, minimum) and may_show(whole, minimum)
        if both_shown and not may_show(whole - filtered, minimum):
            raise NotEnoughResponses(
                f"filter leaves {whole - filtered} of {whole}", minimum=minimum
            )
