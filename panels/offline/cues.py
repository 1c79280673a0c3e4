"""Context cues for negspacy (NegEx) as notes need them beyond its clinical termset: whose
finding it is (a relative's), when (the past), whether it is only supposed (hypothetical,
feared), what is not a denial though it looks like one (pseudo-negations), more negations,
and where a cue's reach ends (termination). Pure data, read by
:mod:`panels.offline.extraction`.
"""

from __future__ import annotations

# Whose finding it is and when (negation uses the library's own clinical termset, with the
# additions below).
FAMILY_CUES = (
    "family history of",
    "family history",
    "mother",
    "father",
    "sister",
    "brother",
    "mum",
    "dad",
    "parents",
    "parent",
    "grandmother",
    "grandfather",
    "aunt",
    "uncle",
    "sibling",
    "siblings",
    "relatives",
    "relative",
    "runs in the family",
    "cousin",
    "son",
    "daughter",
)
# Terminations that do not end a relative's scope: what a relative "has" or is "with" is theirs.
# "has been" still ends it: a note about a relative who is the patient ("Mum has been
# breathless since lunch") says what the patient has been.
RELATIVES_CONTINUE = ("has", "with")
RELATIVES_END = ("has been",)
HISTORY_CUES = (
    "history of",
    "past medical history",
    "previous",
    "previously",
    "prior",
    "known",
    "in the past",
    "years ago",
    "as a child",
    "childhood",
)
HYPOTHETICAL_CUES = ("if", "should", "return if", "in case of", "watch for", "advised to") + (
    # A plan's safety-netting names what to come back with, not what the patient has.
    "safety-net for",
    "safety net for",
    "safety-netted for",
    "safety netted for",
    "safety-netting for",
    "safety netting for",
    "look out for",
    "monitor for",
)
# What the patient feared or believed, not what they have ("sure I was having a heart attack"
# is panic, not a history of angina); its scope ends at the next comma, as it names one thing.
BELIEF_CUES = ("thought i was having", "sure i was having", "convinced i was having") + (
    "worried i was having",
    "felt like i was having",
    "thought it was",
    "worried it was",
    # ... and in the present ("I think I'm having a heart attack").
    "think i'm having",
    "think i am having",
    "thinks he is having",
    "thinks she is having",
    "thinks he's having",
    "thinks she's having",
    "scared i'm having",
    "afraid i'm having",
)
# Inability cues: "can't swallow", "couldn't catch breath", "unable to stand" state a symptom,
# not a denial, so they negate nothing (NegEx pseudo-negations). negspacy's clinical termset
# lists "can't", "cannot" and "couldn't" as negations, which then denied every finding after
# them to the end of the clause ("couldn't catch breath, tingling ..., chest tightness").
PSEUDO_NEGATIONS = (
    "can't",
    "cant",
    "cannot",
    "can not",
    "couldn't",
    "could not",
    "unable to",
    # "lost weight without trying" states the loss; it denies nothing after it.
    "without trying",
    "without meaning to",
    "without dieting",
    # "can no longer walk to the bathroom", "can't get to the toilet without stopping": a
    # limit the patient states, not a denial of what follows.
    "can no longer",
    "could no longer",
    "without stopping",
    "without a rest",
    "without resting",
    # "not herself since lunchtime", "just not right": unwell, in the family's words.
    "not herself",
    "not himself",
    "not myself",
    "not themselves",
    "not right",
    "not quite right",
    "not feeling right",
    "not well",
    # "not just a cold" affirms the cold (negspacy lists "not only").
    "not just",
    # "no blood in the phlegm" denies the blood, not the phlegm.
    "no blood in the",
    "no blood in her",
    "no blood in his",
    "no blood in my",
)
TERMINATION = (
    "but",
    "however",
    "although",
    "though",
    "has",
    "reports",
    "complains of",
    "presents with",
    "positive for",
    "and now",
    "now",
    "today",
    "currently",
    "with",
    "which",
    # Words that start a new statement in a narrative ("he did not lift anything, he just
    # stood up and suddenly had chest pain"; "I am not breathless, only tired").
    "just",
    "suddenly",
    "then",
    "only",
    "says",
    "said",
    "complaining of",
    "complaining",
    "expect",
)
# Where a denial ends that other contexts run past. "has" starts a new statement after a
# denial ("no fever, has a cough") but not after a subject that denies ("no one has a fever",
# "neither has a cough"), so a denial ends at "has" only after a comma, "and" or a pronoun;
# and a new item with its article ("without erosions, a red rash") is stated, not denied.
NEGATION_TERMINATION = (
    ", has",
    "and has",
    "he has",
    "she has",
    "it has",
    "patient has",
    "also has",
    ", a",
    ", an",
    "and a",
    "and an",
    # "no palpitations before the collapse": the collapse is not denied.
    "before the",
)
# Negations that negspacy's clinical termset lacks ("she hasn't had a temperature").
# "neither has a fever", "nobody at home is coughing": a subject that denies.
MORE_NEGATIONS = ("hasn't", "haven't", "hadn't", "has not had", "have not had", "nil") + (
    "neither",
    "nobody",
    "none of",
)
# Negations that close a clause and deny what it listed before them ("Fever, cough and chills
# were not present", "nausea or vomiting: none"), read by ``panels.offline.context``.
CLOSING_NEGATIONS = ("not present", "absent", "none", "nil", "denied", "not reported") + (
    "not noted",
    "not seen",
    "not had",
    "not experienced",
    "negative",
    "not",
)
# Words that open a new statement after a comma (or a comma and "and") inside a denial: "no
# fever, he is coughing", "denies chest pain, describes palpitations". The denial ends at that
# comma; a list of denied items ("no fever, cough or rash") opens with none of them. A
# possessive opens no statement: "denies pain in her chest, her back or her arm" is a list.
STATEMENT_OPENERS = ("he", "she", "they", "i", "we") + (
    "patient",
    "describes",
    "notes",
    "noted",
    "noticed",
    "endorses",
    "admits",
    "states",
    "feels",
    "feeling",
    "uses",
    "takes",
    "developed",
    "preceding",
)
# Words that open a new item stated present ("no headache, several spots of rash") unless the
# list goes on with "or"/"nor" (``STATEMENT_DESCRIPTIONS``).
STATED_QUANTITIES = ("several", "some", "multiple")
# Words that, inside one comma-separated item after a denial, describe a finding the patient
# has: its character or its course ("no fever, cough productive of green sputum", "no chest
# pain, palpitations since yesterday"). A denied item is not described, so the denial ends at
# the comma before it, unless the list goes on with "or"/"nor" ("no fever, cough or rash for
# two weeks" denies all three). Durations ("for three days", "x 2 days") count too.
STATEMENT_DESCRIPTIONS = ("productive", "since", "started", "began", "begun", "worse") + (
    "worsening",
    "getting worse",
    "ongoing",
)
# Preceding negations that deny one predicate ("not feverish, coughing a lot", "not drooling,
# drinking well"): when one word stands between them and a comma, their reach ends at that
# comma unless the list goes on with "or"/"nor" ("not red, hot or swollen"). "Not on
# anticoagulation, ..." is no one word: what it lists next may be denied too.
SINGLE_PREDICATE_NEGATIONS = ("not",)
# Verbs of a relative who only reports what they saw or heard of the patient ("mum noticed a
# pause in his breathing", "dad thinks she has had a fever"): what follows is the patient's,
# so a relative's scope ends there. Verbs that may state the relative's own experience
# ("mum feels dizzy") are not among them; a relative named after the verb ("dad says his
# father had asthma") opens a relative's scope of its own.
RELATIVES_REPORT = ("noticed", "notices", "noted", "saw", "sees", "seen", "heard", "hears") + (
    "thinks",
    "thought",
    "says",
    "said",
    "tells",
    "told",
    "describes",
    "described",
    "mentions",
    "mentioned",
    "reports",
    "reported",
    "states",
    "stated",
    "worried",
    "worries",
    "concerned",
)
# What is smoked that is not tobacco: "smokes cannabis" is no cigarette smoking (E_79), read
# as a clinical fact the knowledge base cannot weigh (``panels.offline.extraction``).
SMOKED_NOT_TOBACCO = ("cannabis", "marijuana", "weed", "pot", "skunk", "hash", "crack") + (
    "joints",
    "a joint",
    "spliffs",
    "a spliff",
)
SMOKING_NOT_TOBACCO = tuple(
    f"{verb} {what}"
    for verb in ("smokes", "smoking", "smoked", "smoke")
    for what in SMOKED_NOT_TOBACCO
) + tuple(f"{what} {noun}" for what in SMOKED_NOT_TOBACCO for noun in ("smoker", "smoking"))
# Where a relative's scope ends besides: the patient speaking of themself, by "my" ("I visit
# my sister who has cats, within an hour my eyes itch"; "my" before a relative opens
# nothing, the relative's word does) or by "I" opening a statement after a comma or "and"
# ("my sister has hay fever and I wheeze"), not inside what is said of the relative ("my
# brother, who lives with me, coughs"; "my sister who I stay with has a cough"); and a
# quote a colon opens ("Mum rang: 'he has had a fever'": the relative reports), where a quote
# that follows the relative's verb is theirs ("her brother was 'coughing for months'").
RELATIVES_END_MORE = ("my", ", i", "and i")
# Relatives who only brought the patient ("brought in by her mother", "accompanied by his
# father") or whose child the patient is ("mother of a 3-year-old boy"): what follows them is
# the patient's, unless the note goes on about the relative ("..., who has asthma herself").
ESCORTS = ("brought in by", "brought by", "accompanied by", "attends with", "attended with") + (
    "came in with",
    "comes in with",
    "seen with",
    "here with",
)
CHILDREN = ("boy", "girl", "child", "son", "daughter", "baby", "toddler", "infant", "twins")
# "If" before what the patient does states when a finding comes or goes, not a hypothesis:
# "better if I sit up and lean forward", "a dent if I press on it", "it hurts if she lies
# flat" (NegEx pseudo-cues of the hypothetical context). "Return if she develops a rash" or
# "if I get a fever" name no such act and stay hypothetical.
_ACTS = ("sit", "lie", "lean", "bend", "stand", "walk", "climb", "run", "exercise", "move") + (
    "turn",
    "twist",
    "press",
    "push",
    "pull",
    "touch",
    "breathe",
    "cough",
    "sneeze",
    "swallow",
    "eat",
    "drink",
    "lift",
    "stop",
    "rest",
    "close",
    "look",
    "lay",
)
_THIRD = {"press": "presses", "push": "pushes", "touch": "touches", "lie": "lies"}
HYPOTHETICAL_PSEUDO = tuple(
    f"if {who} {act}" for who in ("i", "you", "we", "they") for act in _ACTS
) + tuple(f"if {who} {_THIRD.get(act, act + 's')}" for who in ("he", "she") for act in _ACTS)
# A denial of a finding "like this" denies only that it came before: "he has never had chest
# pain like this before" says the chest pain is new, not absent.
FIRST_EPISODE = ("like this", "like that", "like it", "this bad", "this severe", "as bad as this")
