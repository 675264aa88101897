"""The cues of acute distress or self-harm, and the ways chat says the same words without
meaning them, as patterns over normalised text (bot/privacy/distress_text.py).

Each cue is a family of wordings, not a sentence: a verb with its forms ("kill", "killing",
"killed") and the objects that make it self-harm ("myself"), a wish with its variants
("want to", "wish", "hope", "pray") and what is wished ("die", "not wake up", "stop
existing"). How the words around a cue are read (denials, venting, whose words) is
distress_readings.py. Three strengths:
- STRONG: self-harm, suicide, plans and means, "better off dead". Alarms unless negated
  ("I'm not suicidal") or inside a figure of speech ("killing myself to finish notes").
- WISH: wishing to die or not to live. Also quietened when the person is plainly venting
  about work: a work irritant in the same text and a trigger ("when the EHR crashed I
  wanted to die", "the inbox makes me want to die").
- WEAK: hopelessness, "can't go on", wanting it all to stop. Quietened by any work
  irritant in the same text ("I can't go on like this with the schedule").
Words that insist ("I'm not joking", "every day", "tonight") undo the quietening, never a
negation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Strength(Enum):
    STRONG = "strong"
    WISH = "wish"
    WEAK = "weak"


@dataclass(frozen=True)
class Cue:
    name: str
    pattern: re.Pattern[str]
    strength: Strength
    # True when the wording does not say whose it is ("suicidal", "want to die"): it
    # counts only when nobody else (a patient, "he", "my colleague") is its subject.
    needs_writer: bool = False
    # True when the cue carries its own negation ("want to live anymore" is only said
    # as "I don't think I want to live anymore"): a "not" before it is no denial.
    denial_proof: bool = False
    # True for words clinicians also use about their work ("suicide risk", "overdose
    # kits"): not a cue in a clause about screening, patients or training.
    clinical_too: bool = False


def _cue(
    name: str,
    pattern: str,
    strength: Strength = Strength.STRONG,
    *,
    needs_writer: bool = False,
    clinical_too: bool = False,
    denial_proof: bool = False,
) -> Cue:
    return Cue(name, re.compile(pattern), strength, needs_writer, denial_proof, clinical_too)


_HARM_VERBS = (
    r"(?:kill|killing|killed|kills|hurt|hurting|hurts|harm|harming|harmed|cut|cutting|"
    r"burn|burning|burned|burnt|hang|hanging|hanged|shoot|shooting|shot|drown|drowning|"
    r"poison|poisoning|starve|starving|end|ending|off|offing|overdose|overdosing)"
)
_WANT = (
    r"(?:want|wanted|wants|wanting|wish|wished|wishing|hope|hoped|hoping|pray|praying|long|"
    r"longing|would like|need|needed|ready|going|trying|tried|plan|planning|decided|about|"
    r"thinking)"
)
_ADVERB = (
    r"(?:just |really |honestly |sometimes |often |still |so |truly |literally |actually |"
    r"only )*"
)
_ME_SUBJECT = r"(?:i|i am|i have been|i was|i feel|i felt|i have|i had|am|been|feeling|felt)"
_PILLS = r"(?:pills|insulin|opioids|oxy|sleeping pills|painkillers|pain killers)"
_ANYMORE = r"(?:anymore|any more|any longer|no more|much longer)"
# Medicines people name when they count out an overdose (only beside "how many", "saving").
_DRUGS = (
    r"(?:pills|insulin|opioids|oxy|oxycodone|oxycontin|tylenol|paracetamol|acetaminophen|"
    r"ibuprofen|advil|aspirin|xanax|benzos|ambien|fentanyl|morphine|tramadol|lithium|"
    r"sleeping pills|painkillers|pain killers|tablets)"
)

CUES: tuple[Cue, ...] = (
    # --- self-harm and suicide, said outright ---
    _cue("harm-myself", rf"\b{_HARM_VERBS} (?:my ?self|my own self)\b"),
    _cue("self-harm", r"\bself harm(?:ing|ed|s)?\b", needs_writer=True, clinical_too=True),
    _cue("suicidal", r"\bsuicid(?:e|al|es)\b", needs_writer=True, clinical_too=True),
    _cue(
        "end-my-life",
        r"\b(?:end|ending|ended|take|taking|took|finish|finishing) (?:my|my own)"
        r" (?:life|lives)\b",
    ),
    _cue(
        "end-it",
        r"\b(?:end|ending|finish|finishing) (?:it(?: all| for good| tonight|"
        r" now| today| soon|$)|everything\b|it once and for all)",
        needs_writer=True,  # "let's end it today" is the meeting
    ),
    _cue(
        "end-suffering",
        rf"\b{_WANT} (?:to )?(?:end|stop) (?:my|the|this) (?:suffering|pain|"
        rf"misery)\b",
    ),
    _cue(
        "do-something-to-myself",
        r"\bdo (?:something|anything) (?:stupid|drastic|bad|dangerous)? ?(?:to|"
        r"with) myself\b",
    ),
    _cue(
        "cutting-again",
        r"\b(?:started|been|am|keep|kept|back to|was) (?:cutting|burning|hurting|"
        r"harming)(?: again| myself)?\b(?! (?:the|a|back|down|corners|costs|"
        r"hours|out|my|our|it|that|this|through|into|some))",
    ),
    _cue("danger-to-myself", r"\b(?:danger|risk|threat) to myself\b"),
    _cue("in-case-gone", r"\bin case i am (?:gone|dead|not here|not around)\b"),
    _cue("want-out-of-life", r"\bwant out of (?:this |my )?(?:life|living|existence|this world)\b"),
    _cue(
        "crash-car",
        rf"\b{_WANT} (?:to )?(?:crash|wreck|roll) (?:my|the) car\b|\b(?:drive|"
        rf"driving|drove|swerve|swerving|steer|steering) (?:my car |the car )"
        rf"?off (?:a|the) (?:bridge|cliff|road|overpass|pier)\b",
    ),
    _cue(
        "ways-to-die",
        r"\b(?:ways|way|how|methods?|best way|easiest way|painless way) (?:to )"
        r"?(?:die|kill myself|end it|end my life|commit suicide|overdose|not wake up)"
        r"\b",
        needs_writer=True,
    ),
    _cue(
        "pills-ready",
        rf"\b{_PILLS} (?:are |is )?(?:ready|next to me|in front of me|in my hand|"
        rf"beside me|lined up|counted out)\b",
    ),
    _cue(
        "will-to-live",
        r"\b(?:no|lost|losing|lose|lost all|have no|without) (?:the |my |all |"
        r"any )?(?:will|desire|wish|want) to (?:live|go on|keep going|be alive)"
        r"\b",
    ),
    _cue("wrists", r"\b(?:slit|slitting|cut|cutting) (?:my )?wrists?\b"),
    _cue("overdose", r"\b(?:overdos(?:e|ed|ing))\b", needs_writer=True, clinical_too=True),
    # --- plans and means ---
    _cue(
        "stockpile",
        rf"\b(?:stockpil|sav|hoard|collect|stash|keep|kept)(?:e|ed|ing|s)? (?:up )"
        rf"?(?:all )?(?:my |some |the |extra )?{_DRUGS}",
        needs_writer=True,
    ),
    _cue(
        "how-many-pills",
        rf"\bhow many (?:of )?(?:my |the )?{_DRUGS}|\b{_DRUGS} (?:saved|stashed|"
        rf"stockpiled|hidden|put aside)\b",
        needs_writer=True,  # "patients ask how many tylenol they can take"
    ),
    _cue(
        "take-all-pills",
        rf"\b(?:take|took|taking|swallow|swallowed|swallowing) (?:(?:all|every one|everything|"
        rf"a bunch|a lot|too many|lots|loads|extra|double|the rest)(?: of)?(?: my| the)? "
        rf"(?:\w+ )?{_PILLS}|(?:the whole bottle|a bottle|a handful)\b|everything in the "
        rf"(?:medicine )?(?:cabinet|drawer|house))",
    ),
    _cue(
        "note",
        r"\b(?:suicide|goodbye|farewell|final) (?:note|letter|message)s?\b|"
        r"\b(?:wrote|written|writing|write|left) (?:a|my) (?:note|letter)s? (?:to|"
        r"for) (?:my )?(?:kids|children|family|wife|husband|partner|parents|"
        r"mum|mom|dad|son|daughter)\b",
    ),
    _cue(
        "jump",
        r"\b(?:jump|jumping|jumped|throw myself|throwing myself) (?:off|from|"
        r"in front of|into|under)\b",
    ),
    _cue(
        "ledge",
        r"\b(?:stood|standing|stand|sat|sitting|climbed) on (?:the |a )?(?:\w+ )"
        r"{0,2}(?:roof|ledge|edge|railing|bridge)\b",
    ),
    _cue(
        "crash-into",
        r"\b(?:driv|swerv|crash|steer|veer)(?:e|ed|es|ing)? (?:my car |the car |"
        r"off the road )?(?:into|in front of) (?:a |the |an )?(?:\w+ )?(?:wall|"
        r"tree|truck|lorry|traffic|oncoming|pole|barrier|bridge|train)\b",
    ),
    _cue(
        "rope-gun",
        r"\b(?:bought|buy|buying|got|have|thinking about|think about|keep thinking about)"
        r" (?:a|the|my) (?:rope|noose|gun|firearm)\b|\bthe (?:rope|noose|gun)"
        r" in my\b",
    ),
    _cue(
        "have-a-plan",
        r"\bi have (?:a|the) plan\b(?=.*\b(?:pills|rope|gun|bridge|note|die|"
        r"end|kill|myself|tonight)\b)",
    ),
    _cue("attempted", r"\b(?:attempted|tried) (?:to )?(?:suicide|kill myself|end my life)\b"),
    # --- better off without me, a burden, gone ---
    _cue(
        "better-off",
        r"\bbetter off (?:dead|without me|if i (?:was|were|am) (?:dead|gone|"
        r"not here|not around))\b|\b(?:better|happier|easier) (?:off )?without me\b|"
        r"\b(?:happier|better|easier) if i (?:was|were) (?:dead|gone|not here|"
        r"not around)\b",
    ),
    _cue(
        "nobody-would-notice",
        r"\b(?:nobody|no one|noone|no body) (?:would|will|is going to|could)"
        r" (?:even )?(?:notice|miss me|care|mind) (?:if|when) i (?:was|were|"
        r"am|died|die|disappeared|disappear|did not|was not)\b|\b(?:nobody|no one|noone) "
        r"(?:would|will|is going to) (?:even |really )?miss me\b|\b(?:anyone|anybody) would "
        r"(?:even )?(?:notice|care|miss me) if i (?:just )?(?:disappeared|was gone|were gone|"
        r"died|was not here|was not around)\b",
    ),
    _cue("live-or-die", r"\b(?:if|whether) i (?:live|lived) or (?:die|died)\b", denial_proof=True),
    _cue(
        "burden",
        r"\bi am (?:just |such |only |nothing but |a |an )*(?:a |an )?(?:burden|"
        r"waste of space)\b",
    ),
    _cue(
        "nothing-to-live-for",
        r"\b(?:nothing|no one|nobody|nothing left) (?:left )?to live for\b",
    ),
    _cue(
        "no-point-living",
        r"\bno (?:reason|point) (?:in |to |for )?(?:living|live|life|going on|"
        r"go on|being alive|being here|keep going|keeping going|keep living|"
        r"staying alive|stay alive|carrying on|carry on|waking up|existing|"
        r"be alive|be here)\b",
    ),
    _cue(
        "point-of-living",
        r"\b(?:what is|do not see|can not see|no longer see|is there any|is there even|"
        r"there is no|see no) (?:the |any |a )?point (?:of|in|to) (?:living|"
        r"life|going on|being alive|being here|anything|waking up|existing)"
        r"\b|\b(?:do not|can not|no longer) see (?:any |a |the )?(?:reason|point|purpose) "
        r"(?:to|in|for) (?:keep going|go on|going on|carry on|keep living|live|living)"
        r"(?=\s*$| anymore| any more| any longer| at all)",
    ),
    _cue("why-alive", r"\bwhy am i (?:even |still )?(?:alive|here|still here|living)\b"),
    _cue(
        "not-worth-living",
        r"\b(?:life|living|my life) (?:is not|is no longer|isnt|does not feel|"
        r"does not seem|aint) worth (?:living|it)\b",
    ),
    _cue(
        "had-enough-of-life",
        r"\b(?:tired|sick|done|finished|had enough|fed up) (?:of|with) (?:living|"
        r"being alive|life|existing|my life)\b(?! (?:in|at|near|with|here|so|like|on|as|admin|"
        r"stuff|out of|from|paycheck))",
    ),
    _cue(
        "death-relief",
        r"\b(?:death|dying|being dead|not being here|not existing|not waking up)"
        r" (?:would|will|might|sounds|seems|feels|looks)? ?(?:be )?(?:like )"
        r"?(?:so |really |quite |pretty )?(?:a relief|easier|better|peaceful|"
        r"a release|a mercy|nice|good|appealing|tempting|welcome)\b",
    ),
    _cue(
        "think-about-dying",
        r"\b(?:think|thinking|thought|dream|dreaming|fantasi[sz]e|fantasi[sz]ing)"
        r" about (?:is )?(?:death|dying|being dead|not existing|not being alive|"
        r"not being here|not waking up)\b",
    ),
    _cue(
        "not-be-around",
        rf"\b(?:will not|may not|might not|am not going to) be (?:here|around|"
        rf"alive) (?:for )?{_ANYMORE}\b",
    ),
    _cue(
        "if-gone",
        r"\bif i am (?:gone|dead|not here) (?:tomorrow|tonight|by|next|soon|"
        r"one day)\b",
    ),
    _cue(
        "give-away",
        r"\b(?:gave|giving|give) away (?:all )?(?:of )?my (?:things|stuff|"
        r"belongings|possessions|cat|dog)\b",
    ),
    _cue(
        "better-if-gone",
        r"\b(?:easier|better|simpler|a relief|happier|fine) if i (?:just |simply )?(?:was not|"
        r"were not|was gone|were gone|died|was dead|were dead|did not wake up|disappeared)"
        r"(?: here| around| alive)?\b|\bif i (?:just )?(?:died|was dead|were dead|did not wake up)"
        r"(?: tomorrow| tonight| today| in my sleep)?,? (?:it )?would (?:be|feel) "
        r"(?:a relief|easier|better|fine|ok|okay|peaceful)\b",
    ),
    _cue(
        "keeping-me-alive",
        r"\b(?:thing|things|reason|reasons|one|people|person) (?:keeping|that keeps|keeps|"
        r"that is keeping|that are keeping) me alive\b",
        Strength.WISH,
    ),
    _cue("end-things", r"\b(?:end|ending|ended) things\b(?! (?:with|between|off|at|on))"),
    _cue(
        "jumping",
        r"\b(?:thinking|thought|think) (?:about|of) jumping(?=\s*$| off| from| in front)",
    ),
    _cue(
        "how-i-would-do-it",
        r"\b(?:planning|planned|plan|know exactly|knowing exactly|figured out|worked out|"
        r"thought about|thinking about|researching|researched) (?:exactly )?how (?:i would|i will"
        r"|i could|i am going to|to) (?:do it|end it|go)\b(?! (?:differently|better|if|again|"
        r"without|with|next|this|that|now|right))",
        Strength.WEAK,
    ),
    _cue(
        "lost-hope",
        r"\b(?:lost all hope|lost hope|no hope left|have no hope|given up on (?:life|living|"
        r"everything|myself))\b(?! (?:that|of|for|in|about|with|on))",
        Strength.WEAK,
    ),
    _cue(
        "not-ok",
        r"\bi am (?:really |so |just |very )?not (?:ok|okay|alright|all right)\b(?! (?:with|about|"
        r"that|to|if))|\b(?:please|someone|somebody) (?:please )?help me\b(?! (?:with|find|get|"
        r"understand|figure|out|to|fix|on|set|sort|move|cover))",
        Strength.WEAK,
    ),
    _cue(
        "how-much-longer",
        r"\bhow (?:much )?longer i can (?:keep going|go on|do this|take (?:this|it)|hold on|cope|"
        r"survive|keep living)\b",
        Strength.WEAK,
    ),
    _cue(
        "why-bother-living",
        r"\bwhy (?:even )?(?:bother|keep|go on) (?:living|going on|being alive|waking up|"
        r"trying to live|existing)\b",
    ),
    _cue(
        "done-with-everything",
        r"\b(?:done|finished) with (?:everything|it all)\b(?! (?:on|for|at|in|i|we|that|"
        r"today|this))|\bi (?:just )?want out\s*$",
        Strength.WEAK,
    ),
    _cue(
        "no-point-anymore",
        r"\b(?:there is|i see|i do not see any|what is the|see) (?:no |any )?point "
        r"(?:anymore|any more|in anything|to anything|to any of it|in any of it)\b",
        Strength.WEAK,
    ),
    _cue(
        "woke-up-disappointed",
        r"\b(?:disappointed|upset|sad|annoyed|angry|sorry) (?:that |when )?i (?:woke up|"
        r"am still alive|am still here|survived|did not die)\b",
        Strength.WISH,
    ),
    _cue(
        "fighting-to-stay-alive",
        r"\b(?:tired of|sick of|done|exhausted from|exhausted by) (?:fighting|trying|struggling)"
        r" (?:to )?(?:stay alive|live|keep living|keep going|stay here)\b|\b(?:fighting|"
        r"struggling) to stay alive\b",
        needs_writer=True,
    ),
    _cue(
        "keep-myself-safe",
        r"\b(?:can not|could not|do not think i can|not sure i can|unable to|struggling to|"
        r"do not know if i can) keep (?:myself|me) safe\b",
        denial_proof=True,
    ),
    _cue("checking-out", r"\bcheck(?:ing)? out (?:permanently|for good|of life|forever)\b"),
    _cue(
        "want-to-jump",
        r"\b(?:want|wanted|wanting|makes me want|made me want) to (?:jump|throw myself) (?:off|"
        r"from|in front of|into|under)\b",
        Strength.WISH,
    ),
    _cue(
        "si",  # clinicians' own shorthand for suicidal ideation
        r"\b(?:my|having|have|had|passive|active|with|experiencing|getting) (?:passive |"
        r"active )?si\b",
        needs_writer=True,
        clinical_too=True,
    ),
    _cue(
        "dark-thoughts",
        r"\b(?:dark|scary|bad|intrusive) thoughts\b(?! (?:about|on|of) (?:the|our|this|work|"
        r"patients?|the job))",
        Strength.WEAK,
        needs_writer=True,
    ),
    _cue("dead-inside", r"\bdead inside\b", Strength.WEAK),
    # --- wishing to die, or not to live ---
    _cue(
        "want-to-die",
        rf"\b{_WANT} (?:to )?{_ADVERB}(?:die|be dead|not exist|not be alive|"
        rf"not be here|stop existing|cease to exist|not wake up|never wake up|"
        rf"go to sleep forever|sleep forever|not live)\b",
        Strength.WISH,
        needs_writer=True,
    ),
    _cue(
        "wish-dead",
        r"\b(?:wish|wished|hope|hoped|pray|prayed) (?:that )?i (?:was|were|"
        r"had been|would be|could be) (?:dead|never born|not born|gone)\b|"
        r"\bwish i (?:was|were|had) never (?:been )?born\b|\bwish i could (?:just )"
        r"?(?:die|stop existing|not exist|disappear forever|disappear for good|"
        r"go to sleep forever|not wake up)\b",
        Strength.WISH,
    ),
    _cue(
        "not-wake-up",
        rf"\b(?:hope|hoping|pray|praying|wish|wishing) (?:that )?i (?:(?:do|"
        rf"will|would|did|could) )?{_ADVERB}(?:not|never) {_ADVERB}wake up\b|"
        rf"\b(?:hope|hoping|pray|praying|wish|wishing) (?:to )?(?:not|never) (?:to )?wake up\b|"
        rf"\b(?:sleep|asleep|to bed|lie down|close my eyes) and (?:never|not) wake(?: up)?\b|"
        rf"\bdo not want to wake up (?:anymore|"
        rf"any more|tomorrow|again|ever)\b",
        Strength.WISH,
    ),
    _cue(
        "not-want-to-live",
        r"\b(?:do not|dont|no longer|never|did not|not) (?:want|wanting|wish|wishing|wanna|"
        r"care) (?:to )?(?:live|be alive|exist|go on|keep going|keep living|see tomorrow|"
        r"wake up)\b",
        Strength.WISH,
    ),
    _cue(
        "not-want-here",
        r"\b(?:do not|no longer|never) want to be here (?:anymore|any more|"
        r"any longer|at all|on this earth|in this world)\b|\bnot want to be on this earth\b",
        Strength.WISH,
    ),
    _cue(
        "feel-like-dying",
        r"\bfeel(?:ing)? like (?:dying|i want to die|i should die|not existing|"
        r"not being here|i am better off dead)\b",
        Strength.WISH,
    ),
    _cue(
        "want-to-kill-myself",
        rf"\b(?:want|wanted|wanting|wish|wished|makes me want|made me want)"
        rf" (?:to )?{_ADVERB}(?:kill|hurt|harm|shoot|hang|off) myself\b",
        Strength.WISH,
    ),
    _cue(
        "rather-be-dead",
        r"\b(?:would|had) rather (?:be dead|die|not be alive|not exist|not be here|"
        r"not wake up)\b",
        Strength.WISH,
    ),
    _cue(
        "living-anymore",
        rf"\bwant to (?:be alive|live|exist|be here|go on|keep going|keep living)"
        rf" {_ANYMORE}\b",
        Strength.WISH,
        denial_proof=True,
    ),
    _cue(
        "wish-not-alive",
        r"\b(?:wish|wished|hope|pray) (?:that )?i (?:was|were|am|was never|"
        r"were never) not (?:alive|here|born|around)\b|\bwish i (?:was|were)"
        r" never born\b",
        Strength.WISH,
    ),
    _cue(
        "disappear-forever",
        r"\bdisappear (?:forever|for good|and never come back|and not come back|"
        r"permanently)\b",
        Strength.WISH,
    ),
    _cue(
        "bus-hits-me",
        r"\b(?:hope|hoping|wish|pray|praying) (?:a|the|that a) (?:bus|car|"
        r"truck|lorry|train) (?:hits|would hit|will hit|runs over) me\b"
        r"|\bwould not mind if i (?:died|"
        r"was dead|were dead|did not wake up|got hit|crashed)\b|\bdo not care if i (?:die|"
        r"died|wake up)\b",
        Strength.WISH,
    ),
    # --- weaker signs: hopeless, trapped, unsafe, at the end ---
    _cue(
        "not-safe",
        r"\bi am not safe\b(?! (?:to|with|driving|at work))|\bnot safe (?:right now|"
        r"tonight|at home|with myself|around myself|alone)\b",
        Strength.WEAK,
    ),
    _cue(
        "afraid-what-i-might-do",
        r"\b(?:scared|afraid|terrified|frightened) (?:of )?(?:what i (?:might|"
        r"will|could|am going to) do|i (?:might|will|am going to|could) (?:do something|"
        r"hurt))\b|\bdo not trust myself\b(?! to)|\b(?:scared|afraid|terrified|frightened) "
        r"of myself\b",
        Strength.WEAK,
    ),
    _cue(
        "in-crisis",
        r"\bi am in (?:a |real |a real )?crisis\b(?! (?:mode|management|meeting))",
    ),
    _cue(
        "breakdown",
        r"\bi am (?:having a (?:mental |nervous |complete )?breakdown|breaking down)\b",
        Strength.WEAK,
    ),
    _cue(
        "falling-apart",
        r"\bi am falling apart\b(?! (?:without|over|because|at work|with|trying|from))",
        Strength.WEAK,
    ),
    _cue("cannot-stop-crying", r"\bcan not stop crying\b", Strength.WEAK),
    _cue(
        "hopeless",
        rf"\b{_ME_SUBJECT} {_ADVERB}(?:completely |totally |utterly |so |very |"
        rf"absolutely )*(?:hopeless|worthless|empty and alone|trapped and|like a burden)"
        rf"\b(?! about| with| at work| that| when| trying)",
        Strength.WEAK,
    ),
    _cue(
        "no-way-out",
        r"\b(?:can not|do not|no longer) see (?:a|any) (?:way out|future|light)"
        r"\b|\bno way out(?: of this| for me| except| but| now| anymore|\s*$)|\bonly way out\b",
        Strength.WEAK,
    ),
    _cue(
        "cannot-go-on",
        rf"\bi (?:can not|just can not|really can not) (?:go on|keep going|"
        rf"carry on|keep living|do this|take it|cope) {_ANYMORE}\b|\bi can not (?:go on|"
        rf"keep going|carry on|keep living)\b(?! (?:like|with|working|doing|"
        rf"at))|\bcan not (?:live|go on|keep living) like this {_ANYMORE}\b",
        Strength.WEAK,
    ),
    _cue(
        "make-it-stop",
        r"\bwant (?:it|it all|everything|all of it|the pain|this pain|all this)"
        r" (?:all )?to (?:stop|end|be over)\b|\bwant it (?:all )?(?:to be )"
        r"?over\b",
        Strength.WEAK,
    ),
    _cue(
        "no-meaning",
        r"\b(?:my )?life (?:has no|has lost (?:its |all )?|is without|holds no)"
        r" (?:meaning|purpose|point|joy)\b",
        Strength.WEAK,
    ),
    _cue(
        "dark-place",
        r"\b(?:in|into) (?:a )?(?:really |very )?dark (?:place|hole)\b",
        Strength.WEAK,
        needs_writer=True,
    ),
)
