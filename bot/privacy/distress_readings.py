"""How the distress screen reads around a cue (bot/privacy/distress_cues.py): the
figures of speech set aside before reading ("this inbox is killing me"), denials ("I'm
not suicidal"), whose words they are (the nearest subject, reported speech, clinical
talk), and what marks venting about work (an irritant, a trigger, laughter) or, the
other way, words that insist it is meant. Patterns over normalised text
(bot/privacy/distress_text.py).
"""

from __future__ import annotations

import re

# Said of oneself, but meaning something else: removed before the cues are read.
FIGURES_OF_SPEECH: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        # Something else is doing the killing: "this inbox is killing me", "my feet kill me".
        r"\b(?:killing|kills|killed|murdering|murders) (?:me|us|my \w+)\b",
        r"\b(?:kill|killing|killed|murder) (?:for|it|them)\b",
        r"\bmurder (?:a|an|some)\b",
        # "Shoot me now", "just kill me", "someone please kill me".
        r"\b(?:shoot|kill|murder|strangle|stab) me\b",
        r"\bput me out of my misery\b",
        # Hard work as self-harm: "killing myself to finish notes", "working myself to death".
        (
            r"(?<!about )(?<!of )\bkilling myself (?:to|trying|working|over|"
            r"for|with|doing|getting|finishing|charting|covering|at work)\b"
        ),
        r"\b(?:work|working|worked|run|running|ran) myself (?:to death|into the ground|ragged)\b",
        # Dying as eagerness, laughter or boredom.
        r"\bdying (?:to|for|of|here|over)\b",
        (
            r"\b(?:die|died|dying|dead) (?:of|from|with) (?:embarrassment|"
            r"laughter|laughing|boredom|shame|cringe|jealousy|envy|burnout|exhaustion|"
            r"overwork|stress|paperwork|admin|charting|clicks|hunger|thirst|heat|cold)\b"
        ),
        r"\b(?:died|dying|dead|die) (?:laughing|inside a little)\b",
        r"\b(?:killed|killing|kill|kills) myself (?:laughing|with laughter)\b",
        # Accidents and idioms: "I cut myself shaving", "shot myself in the foot".
        r"\b(?:shot|shoot|shooting) myself in the foot\b",
        r"\b(?:cut|cutting|burnt|burned|burning|hurt|hurting|injured) myself "
        r"(?:on(?! purpose)|while|shaving|cooking|at the gym|lifting|playing|running|"
        r"skiing|in the kitchen|during|"
        r"by accident|with the (?:scalpel|suture|needle|stapler|oven))\b",
        r"\baccidentally (?:cut|burnt|burned|hurt|injured|stuck) myself\b",
        r"\b(?:literally|almost|nearly|basically|practically|just about) died\b",
        r"\bto die for\b",
        r"\b(?:to|of) death\b|\bdeath (?:by|of me|trap)\b|\bthe end of me\b|\bbe the death\b",
        r"\bover my dead body\b",
        (
            r"\bdead (?:tired|on my feet|beat|on arrival|in the water|end|"
            r"zone|line|lines|serious|set|last|on)\b"
        ),
        r"\bi am dead\b(?! inside)",
        r"\bdeadlines?\b",
        # A plan or a career ending: "career suicide", "the schedule is suicide".
        r"\b(?:career|professional|political|social|financial|commercial) suicide\b",
        (
            r"\bsuicid(?:e|al) (?:mission|missions|run|squad|shift|schedule|"
            r"pace|door|doors|list|sprint)\b"
        ),
        (
            r"\b(?!i\b)\w+ (?:is|was|would be|will be|are|were|be) (?:pure |"
            r"basically |literally |just |total |complete )?suicid(?:e|al)"
            r"\b"
        ),
        # Classic exaggerations of an office day.
        (
            r"\b(?:jump|jumping|throw myself|throw it|throw my \w+|throw the \w+)"
            r" out (?:of )?(?:the |a |my )?window\b"
        ),
        # Death preferred to a chore: "I'd rather die than sit through another meeting".
        (
            r"\brather (?:die|be dead) than (?:do|doing|go|going|work|working|"
            r"sit|sitting|attend|chart|charting|answer|take|taking|deal|spend|"
            r"face|read|fill|call|cover|see|work)\b"
        ),
        # Wanting to disappear for a while, to somewhere nicer.
        r"\bdisappear (?:to|for a|for the|for some|on|into) (?!forever)\w+",
    )
)

# "If I have to do one more prior auth I'll kill myself": a threat made of an office
# chore, not an intention. The whole conditional sentence is set aside.
CONDITIONAL_CHORE = re.compile(
    r"\b(?:if|one more|another)\b[^.!?]{0,90}?"
    r"\b(?:one more|another|again|more|have to|has to|make me|makes me)\b"
    r"[^.!?]{0,80}?\b(?:kill(?:ing)? myself|die|dying|jump(?:ing)?|end(?:ing)? it|"
    r"los(?:e|ing) it)\b"
    # ... and the other way round: "I'll kill myself if I get one more page".
    r"|\b(?:kill myself|die|jump|end it)\b,? if (?:i|we|they|you|anyone|someone|somebody|the)\b"
    r"[^.!?]{0,80}?\b(?:one more|another|again|ever|more)\b"
)

# A negation just before a cue turns it into a denial ("never thought of hurting
# myself"); unless the negation belongs to the cue itself ("I don't want to live").
NEGATION = re.compile(
    r"\b(?:not|never|no|nor|without|neither|none|nothing like|no plans to|no intention of|"
    r"no thoughts of|no desire to|no urge to|denies|deny|refuse to|would never|will never)\b"
)
NEGATION_WINDOW_WORDS = 6
# A "not" that says the opposite of a denial: "I can't stop thinking about killing myself".
NOT_A_DENIAL = re.compile(
    r"\b(?:can not|could not|can never|do not know how to) (?:stop|help|shake|get rid of|"
    r"escape|switch off|turn off)\b|\bnot sure (?:i|if|whether)\b|\bno matter\b|"
    r"\b(?:do|did) not know\b|"
    r"\bnothing (?:but|except)\b"
)

# "... but I think about it every day": the denial is followed by its opposite.
ADMITTED_AFTER_DENIAL = re.compile(
    r"\b(?:i )?(?:still |often |sometimes |always )?"
    r"(?:think|thought|thinking|dream|dreaming) about it\b"
    r"|\b(?:crosses|crossed|cross) my mind\b|\bthe thought is there\b"
)

# Who can be a subject: the writer, or (OTHERS) someone else; the nearest one before a
# cue is whose it is ("my patient told me he wants to die" is his).
WRITER = frozenset({"i", "me", "my", "myself"})
SUBJECTS = re.compile(
    r"\b(?:i|me|my|myself|we|us|our|he|she|they|his|her|him|them|their|patient|patients|pt|"
    r"pts|client|clients|colleague|colleagues|coworker|friend|son|daughter|kid|kids|child|teen|"
    r"teens|teenager|mom|mum|dad|mother|father|husband|wife|brother|sister|resident|residents|"
    r"someone|somebody|people|person|man|woman|boy|girl|student|students|member|veteran)\b"
)
# Someone else's words reported: "a patient said I want to die".
REPORTED = re.compile(
    r"\b(?:said|says|saying|told me|tells me|telling me|wrote|writes|asked|asks|yelled|"
    r"screamed|shouted|stated|reported|disclosed|admitted)\b"
)
# Someone other than the writer is the subject.
OTHERS = re.compile(
    r"\b(?:he|she|they|his|her|hers|him|them|their|patient|patients|pt|pts|client|clients|"
    r"colleague|colleagues|coworker|co-worker|friend|son|daughter|kid|kids|child|teen|teens|"
    r"teenager|mom|mum|dad|mother|father|husband|wife|brother|sister|resident|residents|"
    r"someone|somebody|people|person|man|woman|boy|girl|student|students|member|veteran)\b"
)
# Talk about the clinical work itself.
CLINICAL = re.compile(
    r"\b(?:screen|screens|screening|screened|risk|risks|prevention|assessment|assessments|"
    r"protocol|protocols|training|template|templates|hotline|rate|rates|kit|kits|reversal|"
    r"naloxone|narcan|workflow|referral|referred|refer|asq|phq|phq-9|policy|precautions|"
    r"watch|awareness|education|module|case|cases|consult|evaluation|eval|ideation screen|"
    r"died by|death by|lost to|survivor|survivors|bereavement|postvention|safety plan)\b"
)
# What clinicians vent about: a wish to die said of one of these is a figure of speech.
WORK_IRRITANTS = re.compile(
    r"\b(?:inbox|inboxes|messages|message|epic|ehr|emr|cerner|charting|chart|charts|notes|"
    r"note|documentation|prior auth|prior auths|auth|auths|authorization|audit|audits|"
    r"meeting|meetings|schedule|schedules|scheduling|template|pager|page|pages|paged|fax|faxes|"
    r"printer|computer|system|login|clicks|click|staffing|shift|shifts|call|clinic|job|"
    r"work|admin|billing|coding|metrics|survey|surveys|training|module|form|forms|wifi|phone|"
    r"phones|portal|pop-ups|popups|commute|traffic|parking|email|emails|paperwork|workload|"
    r"backlog|policy|management|boss|manager|rounds|committee|compliance|software|"
    r"update|upgrade|queue|refills|coverage|huddle|census|boarding|consent|insurance)\b"
)
# What makes a wish to die a reaction to something, not a state.
TRIGGERS = re.compile(
    r"\b(?:when|whenever|every time|everytime|each time|makes me|made me|making me|after|"
    r"because|if|during|crashed|went down|again|another|one more|ugh|argh|omg|lol|lmao|"
    r"haha|ffs|fml|sigh)\b|\bwanted to\b|\b\d+ \w+\b"
)
# Laughter marks a joke: with it, a wish or a weak cue is read as venting (never a strong
# one: "I am going to kill myself tonight lol" is still an alarm).
LAUGHTER = re.compile(r"\b(?:lol|lmao|rofl|haha\w*|hehe\w*|jk|just kidding)\b")
# Words that insist it is meant: they undo the venting reading (never a negation).
INSISTENCE = re.compile(
    r"\b(?:not joking|not kidding|i mean it|i am serious|for real|every day|every night|"
    r"all the time|constantly|for weeks|for months|tonight|forever|for good|permanently|"
    r"plan|no one knows|nobody knows)\b"
)
