"""Redaction speed: every inbound message is redacted before it is stored.

Sentences: our labelled clinician sentences (tests/data/redaction/, ordinary comments and
ones with identifiers, 740 in all). Baselines measured in the same run on the same
sentences: `str.split` (the least any text pass costs) and the old redactor's kind of
pass, one list of precompiled regexes applied with `sub` (it caught about half the
identifiers). The first call also loads the Census name lists; that cost is shown apart.

    python -m bench.redaction [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).parents[1] / "tests" / "data" / "redaction"

# The shape of the redactor before: eight patterns, one `sub` each, no word lists.
_OLD_PASS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
        r"\b(?:MRN|medical record(?: number)?|chart(?: #)?)\s*[:#]?\s*[A-Z]{0,3}\d[\d-]{3,}",
        r"\b(?:DOB|date of birth|born(?: on)?)\s*[:#]?\s*\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}",
        r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)",
        r"(?<![\w+])\+?\(?\d[\d\s().-]{7,22}\d(?!\d)",
        r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Drive|Dr)\b",
        r"\b(?:patient|pt\.?),?\s+[A-Z][^\W\d_]+(?:\s+[A-Z][^\W\d_]+)?",
        r"\b\d{7,}\b",
    )
]


def _old_redactor(text: str) -> str:
    for pattern in _OLD_PASS:
        text = pattern.sub("[removed]", text)
    return text


def _timings(work: Callable[[str], object], sentences: list[str], rounds: int) -> list[float]:
    """Seconds per sentence, one figure per sentence: the best of `rounds` tries (the
    machine is shared, and the best is the least disturbed)."""
    best = [float("inf")] * len(sentences)
    for _ in range(rounds):
        for i, sentence in enumerate(sentences):
            start = time.perf_counter()
            work(sentence)
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def run(rounds: int = 5) -> None:
    sentences = [
        json.loads(line)["text"]
        for name in ("dev", "heldout")
        for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    start = time.perf_counter()
    from bot.privacy import redact  # the name lists load on the first call, timed here

    redact("Tom Brennan, 67 yo, missed his colonoscopy")
    first = time.perf_counter() - start

    split = _timings(str.split, sentences, rounds)
    old = _timings(_old_redactor, sentences, rounds)
    ours = _timings(redact, sentences, rounds)
    print(f"redaction of {len(sentences)} clinician sentences (best of {rounds} per sentence)")
    print(f"  first call, loading the name lists: {first * 1000:.0f} ms")
    for label, pick in (
        ("mean", statistics.fmean),
        ("p50", statistics.median),
        ("p95", lambda xs: statistics.quantiles(xs, n=20)[-1]),
    ):
        base, old_pass, thrive = pick(split), pick(old), pick(ours)
        print(
            f"  {label:>4}: thrive {thrive * 1e6:6.1f} us   old regex pass {old_pass * 1e6:5.1f} us"
            f"   str.split {base * 1e6:4.2f} us   ratio to old pass {thrive / old_pass:4.1f}x"
            f"   to split {thrive / base:5.0f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    run(parser.parse_args().rounds)


if __name__ == "__main__":
    main()
