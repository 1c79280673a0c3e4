"""Lay wordings of the heart, effort, breathing, movement and risk-factor findings that
:mod:`panels.offline.lay_words` misses: a heart that "goes very fast", chest pain brought on
by a hill and gone on stopping, a baby's fast breathing and ribs pulling in, a dystonic
tongue or neck, a voice that has gone, a pain worse on moving, and the history a patient
gives in their own words (cigarettes a day, high cholesterol or blood sugar, blood pressure
or steroid tablets). Pure data, merged into ``lay_words.LAY_WORDS`` (read, not written in the
renderings), with the same rule: each entry is how patients, parents or clinicians generally
say the finding, not a sentence lifted from a development case.
"""

from __future__ import annotations

_PALPITATIONS = ("E_155",)
_EFFORT = ("E_218",)  # worse on exertion and relieved by rest
_BREATHLESS = ("E_66",)
_TONGUE = ("E_168",)
_NECK = ("E_192",)
_VOICE = ("E_212",)
_SMOKES = ("E_79",)
_CHOLESTEROL = ("E_71",)
_HYPERTENSION = ("E_104",)
_DIABETES = ("E_69",)
_APPETITE = ("E_32",)
_MOVEMENT = ("E_216",)  # pain worse with movement
_STEROIDS = ("E_44",)
_HAEMOPTYSIS = ("E_45",)
_DRIP = ("E_182",)  # greenish or yellowish discharge, as post-nasal drip reads
_SMELL = ("E_103",)
_DROOLING = ("E_190",)
_MUSCLES = ("E_144",)
_COUGH_UP = ("E_201", "E_77")  # a cough and its sputum
_CHILLS = ("E_94",)
_OSTEOPOROSIS = ("E_153",)
_DEEP_BREATH = ("E_220",)  # pain worse on deep breathing

HISTORY_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "heart races",
            "heart suddenly races",
            "heart suddenly goes fast",
            "heart suddenly goes very fast",
            "heart raced",
            "heart goes fast",
            "heart goes very fast",
            "heart goes really fast",
            "heart going fast",
            "heart going very fast",
            "heart going really fast",
            "heart was going fast",
            "heart was going really fast",
            "heart beats fast",
            "heart beats very fast",
            "heart is pounding",
            "heart thumping",
            "heart fluttering",
            "heart flutters",
            "heart skips",
        ),
        _PALPITATIONS,
    ),
    **dict.fromkeys(
        (
            "walk up the hill",
            "walking up the hill",
            "walk up a hill",
            "walking up a hill",
            "walk up hills",
            "walking up hills",
            "walk up the stairs",
            "walking up the stairs",
            "walk up stairs",
            "walking up stairs",
            "climb the stairs",
            "climbing the stairs",
            "walk fast",
            "walking fast",
            "walk quickly",
            "hurrying",
            "carrying shopping",
            "carry the shopping",
            "carrying the shopping",
            "when i exert myself",
            "with exertion",
            "on effort",
            "of stopping",
            "on stopping",
            "when i stop walking",
            "if i stop walking",
            "stop and rest",
            "goes away with rest",
            "settles with rest",
            "after resting",
        ),
        _EFFORT,
    ),
    **dict.fromkeys(
        (
            "breathes fast",
            "breathes very fast",
            "breathes really fast",
            "breathing very fast",
            "ribs pulling in",
            "ribs sucking in",
            "chest sucking in",
            "subcostal recession",
            "intercostal recession",
            "tracheal tug",
        ),
        _BREATHLESS,
    ),
    **dict.fromkeys(
        (
            "tongue is pushing out",
            "tongue pushing out",
            "tongue sticks out",
            "tongue keeps coming out",
        ),
        _TONGUE,
    ),
    **dict.fromkeys(
        (
            "neck is pulled",
            "neck pulled",
            "neck is twisted",
            "head pulled back",
            "head turned to one side",
            "wry neck",
        ),
        _NECK,
    ),
    **dict.fromkeys(
        (
            "voice has gone",
            "voice gone",
            "lost her voice",
            "lost his voice",
            "hot potato voice",
            "muffled voice",
        ),
        _VOICE,
    ),
    **dict.fromkeys(
        (
            "blood streaks",
            "blood streaking",
            "blood streaked",
            "streaks of blood",
            "flecks of blood",
        ),
        _HAEMOPTYSIS,
    ),
    **dict.fromkeys(
        (
            "dripping at the back of my throat",
            "dripping down the back of my throat",
            "drips down the back of my throat",
        ),
        _DRIP,
    ),
    **dict.fromkeys(("cant smell", "cant taste or smell"), _SMELL),
    **dict.fromkeys(
        (
            "spitting into a cup",
            "spitting out saliva",
            "cannot swallow own saliva",
            "cannot swallow her own saliva",
            "cannot swallow his own saliva",
            "unable to swallow own saliva",
            "unable to swallow her saliva",
            "unable to swallow his saliva",
        ),
        _DROOLING,
    ),
    **dict.fromkeys(("muscle pains", "aching muscles", "sore muscles"), _MUSCLES),
    **dict.fromkeys(
        (
            "i smoke",
            "cigarettes a day",
            "cigarettes per day",
            "cigs a day",
            "cigs per day",
            "roll ups a day",
        ),
        _SMOKES,
    ),
    **dict.fromkeys(
        (
            "cholesterol is high",
            "cholesterol was high",
            "raised cholesterol",
            "high lipids",
            "raised lipids",
            "dyslipidaemia",
        ),
        _CHOLESTEROL,
    ),
    **dict.fromkeys(
        (
            "blood pressure tablet",
            "blood pressure tablets",
            "blood pressure pills",
            "blood pressure medication",
            "blood pressure medicine",
            "tablet for blood pressure",
            "tablets for blood pressure",
            "pills for blood pressure",
            "medication for blood pressure",
            "raised blood pressure",
            "bp tablets",
        ),
        _HYPERTENSION,
    ),
    **dict.fromkeys(
        (
            "sugar is high",
            "high blood sugar",
            "blood sugar is high",
            "raised blood sugar",
            "sugar diabetes",
        ),
        _DIABETES,
    ),
    **dict.fromkeys(
        (
            "not feeding well",
            "feeding less",
            "half her bottle",
            "half his bottle",
            "half of her bottle",
            "half of his bottle",
            "half her feeds",
            "half his feeds",
            "half her usual bottles",
            "half his usual bottles",
            "half her usual feeds",
            "half his usual feeds",
        ),
        _APPETITE,
    ),
    **dict.fromkeys(
        (
            "worse moving",
            "worse on movement",
            "worse when moving",
            "worse when i move",
            "hurts to move",
            "painful to move",
            "turn in bed",
            "turning in bed",
            "turn over in bed",
        ),
        _MOVEMENT,
    ),
    # Corticosteroids taken, not given once (a dose in the emergency department is no habit).
    **dict.fromkeys(
        (
            "long-term prednisolone",
            "long term prednisolone",
            "long-term steroids",
            "long term steroids",
            "on prednisolone",
            "steroid tablets",
        ),
        _STEROIDS,
    ),
    **dict.fromkeys(
        (
            "coughing green",
            "coughing thick green",
            "coughing up thick green",
            "coughing yellow",
            "bringing up green",
            "bringing up yellow",
        ),
        _COUGH_UP,
    ),
    **dict.fromkeys(("shaking chills", "the shakes"), _CHILLS),
    **dict.fromkeys(("fever and shaking", "shaking with fever"), ("E_91", "E_94")),
    **dict.fromkeys(("bone thinning", "thin bones", "brittle bones", "weak bones"), _OSTEOPOROSIS),
    **dict.fromkeys(
        ("when i breath deep", "when i breathe deep", "on breathing deep"), _DEEP_BREATH
    ),
}

# Patterns rewritten to a phrase the lexicon reads (appended to
# ``lay_phrasings.LAY_PHRASINGS``): a chest that "hurts" on one side is a pain there.
HISTORY_PHRASINGS: tuple[tuple[str, str], ...] = (
    (
        r"(?i)\bhurts? (?:on|in|at) (?:the )?((?:right|left) side of (?:his|her|my|the) chest"
        r"|(?:his|her|my|the) chest)\b",
        "pain in \\1",
    ),
)
