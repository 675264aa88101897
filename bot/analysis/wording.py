"""The words that say which way an answer points, whatever its theme.

A theme's own words say what an answer is about; these say how the writer feels about
it. Complaint words ("frustrating", "too many", "drowning") point to a barrier, joy and
help words ("love", "helps", "smooth") to an enabler. Wishes ("need", "wish", "would
be nice") and asks to cut something ("less", "fewer", "stop") name something missing or in
the way: a barrier. They are general English, not content a wellness lead edits, so
they live here rather than in the codebook.
"""

from __future__ import annotations

from bot.analysis.text import stem, word_set

BARRIER_WORDS = word_set(
    """
difficult difficulty hard harder hardest tough frustrating frustrated frustration annoying
annoyed awful terrible horrible worst worse bad hate hated sucks suck kills killing
drowning drown overwhelming overwhelmed exhausting exhausted exhaustion tired stress
stressed stressful burden burdensome endless constant constantly nonstop relentless
excessive crazy insane impossible unrealistic struggle struggling painful pain nightmare
mess chaos chaotic rushed pressure unfair ridiculous waste wasting broken slow cumbersome
tedious draining drained demoralizing disrespected disrespectful ignored undervalued
unappreciated underpaid unpaid shortage problem problems issue issues worry worried
anxious sad angry upset dread dreading sick fed miserable
toxic tension conflict blame blaming complain complaining fight fighting forced rude unsustainable
hostile yelling fried buried piling behind late doubled exploded hollow rough
ugh sigh argh lonely isolated invisible useless pointless
"""
)

ENABLER_WORDS = word_set(
    """
love loved loving enjoy enjoyed enjoying joy joyful great good nice awesome amazing
wonderful fantastic excellent best favorite favourite happy happier glad grateful
thankful fun rewarding meaningful fulfilling satisfying energized energizing helpful
supportive smooth smoothly easy easier efficient well proud lucky blessed
calm relaxed manageable glorious rockstar rockstars gelled changer thrive
thriving silver lining convenient valued appreciated heard yay civilized fine calmer
saves saving sustainable closer stronger bonded
"""
)

# "would be nice to have", "we need", "wish we had", "if only": something is missing.
WISH_WORDS = word_set(
    """
need needs needed wish want wanted would should if more better improve fix add give
allow let provide offer please bring hire
"""
)

# "more staff", "not enough time", "if i had time": a missing thing is named.
WANT_WORDS = word_set(
    """
more enough extra additional adequate sufficient need needs wish if hire another second
"""
)

# "less paperwork", "fewer alerts", "stop the noon meetings": the thing is in the way.
REDUCTION_WORDS = word_set(
    """
less fewer stop reduce reduced cut eliminate rid limit cap ban too shorter
"""
)

BARRIER_STEMS = frozenset(stem(word) for word in BARRIER_WORDS)
ENABLER_STEMS = frozenset(stem(word) for word in ENABLER_WORDS) - BARRIER_STEMS
WISH_STEMS = frozenset(stem(word) for word in WISH_WORDS)
REDUCTION_STEMS = frozenset(stem(word) for word in REDUCTION_WORDS)
WANT_STEMS = frozenset(stem(word) for word in WANT_WORDS)
# Of those, the ones that can also say there is enough of it ("enough time to listen").
ENOUGH_STEMS = frozenset(stem(word) for word in word_set("enough adequate sufficient"))


FEELINGS = {**dict.fromkeys(ENABLER_STEMS, 1), **dict.fromkeys(BARRIER_STEMS, -1)}


def feeling(word_stem: str) -> int:
    """-1 for a complaint word, +1 for a joy or help word, 0 otherwise."""
    return FEELINGS.get(word_stem, 0)
