"""Lay and clinical wordings of airway findings that the phrases of
:mod:`panels.offline.lay_words` miss: a cough that barks, pauses in breathing, vaccinations
said to be up to date, a patient's own eczema; and, as patterns appended to
``lay_phrasings.LAY_PHRASINGS``, a cold days ago, a runny nose that came before or a nose
that has cleared (a recent cold, not today's nose), a relative's eczema or hay fever, a pain
worse bending forward (no relief leaning forward), a known HIV infection, a BMI below 18.5, a
severe COPD by its GOLD stage, its FEV1 or the oxygen it needs at home.
Pure data, merged into ``lay_words.LAY_WORDS`` (read, not written in the renderings), with
the same rule: each entry is how clinicians, patients or parents generally say the finding,
not a sentence lifted from a development case.
"""

from __future__ import annotations

_BARKING = ("E_201", "E_202")
_APNOEA = ("E_23",)
_VACCINATED = ("E_209",)
_SEVERE_COPD = ("E_123", "E_31")

AIRWAY_WORDS: dict[str, tuple[str, ...]] = {
    # A barking cough (croup's): the knowledge base asks it as "whooping cough" (E_202), its
    # French question "toux aboyante". "Barky" alone stays a hoarse cough (a barky voice).
    "barky cough": _BARKING,
    "bark like cough": _BARKING,
    "barking like a seal": _BARKING,
    # Pauses in breathing (apnoeas): the knowledge base's one such finding is E_23.
    "pause in breathing": _APNOEA,
    "pauses in breathing": _APNOEA,
    "pause in her breathing": _APNOEA,
    "pause in his breathing": _APNOEA,
    "pauses in her breathing": _APNOEA,
    "pauses in his breathing": _APNOEA,
    "apnoeas": _APNOEA,
    "apnoeic episode": _APNOEA,
    "apnoeic episodes": _APNOEA,
    "apnoeic spells": _APNOEA,
    "apnoeic spell": _APNOEA,
    # Vaccinations up to date, as notes and parents say it.
    "vaccinations up to date": _VACCINATED,
    "vaccines up to date": _VACCINATED,
    "jabs up to date": _VACCINATED,
    "vaccinations utd": _VACCINATED,
    "vaccines utd": _VACCINATED,
    "immunisations utd": _VACCINATED,
    "imms utd": _VACCINATED,
    "up to date with vaccinations": _VACCINATED,
    "up to date with her vaccinations": _VACCINATED,
    "up to date with his vaccinations": _VACCINATED,
    "up to date with immunisations": _VACCINATED,
    "up to date with jabs": _VACCINATED,
    "fully immunised": _VACCINATED,
    "immunised": _VACCINATED,
    "vaccinated": _VACCINATED,
    # A patient's own eczema is an allergic disposition (E_226); a relative's stays E_86
    # (``notes.FAMILY_FINDINGS``).
    "eczema": ("E_226",),
    "atopic eczema": ("E_226",),
    # A severe COPD (E_31, with the COPD itself): the shorthand "severe COPD" of the notes'
    # words is not read (an upper-case abbreviation), so the lay words say it in lower case.
    "severe copd": _SEVERE_COPD,
    "very severe copd": _SEVERE_COPD,
    "end stage copd": _SEVERE_COPD,
    "severe emphysema": _SEVERE_COPD,
    "severe chronic obstructive pulmonary disease": _SEVERE_COPD,
}

_DAYS = (
    r"(?:[1-9]|1[0-4]|a few|a couple of|several|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|thirteen|fourteen) days"
)
_WEEKS = r"(?:a|one|1|a couple of|two|2) weeks?|a week and a half|a fortnight"
# Bending or leaning forward that makes a pain worse (a sinus pain's) is not the relief on
# leaning forward the knowledge base asks about (E_33).
_FORWARD = (
    r"(?:lean|leans|leaning|leant|bend|bends|bending|bent|i bend|i lean) (?:forwards?|over|down)"
)
_RELATIVE = (
    r"(?:mother|mum|mom|father|dad|parents?|sisters?|brothers?|siblings?|grandmother|grandfather"
    r"|aunt|uncle)"
)
# Someone other than the patient and no relative, right before what they have ("a partner
# with HIV"); a relative's is NegEx's family context (``cues.FAMILY_CUES``).
_NOT_ANOTHERS = "".join(
    f"(?<!{who} )"
    for who in (
        "partner", "husband", "wife", "boyfriend", "girlfriend", "contact", "friend", "flatmate",
    )
)  # fmt: skip

# COPD by name, and the oxygen a patient uses at home (long-term oxygen therapy).
_COPD = r"(?:COPD|chronic obstructive pulmonary disease|emphysema)"
_UNDENIED = r"(?:(?!\b(?:not|no|never|nil|without|off)\b)[^.;\n])"  # a word up to a stop
_HOME_OXYGEN = (
    r"(?:home (?:O2|oxygen)|LTOT|long[- ]term oxygen|(?:O2|oxygen) at (?:home|night)"
    r"|(?:night-?time|nocturnal|overnight) (?:O2|oxygen))"
)

AIRWAY_PHRASINGS: tuple[tuple[str, str], ...] = (
    # A severe COPD (E_31): GOLD stage 3 or 4 (an FEV1 under 50% of predicted), said as a
    # stage, as the FEV1 of a COPD, or as the oxygen a COPD needs at home.
    (r"\bGOLD(?: stage| grade)? ?(?:3|4|III|IV)\b(?![.\d])", "severe copd"),
    (
        rf"(?i)\b{_COPD}\b{_UNDENIED}{{0,30}}\bFEV1\b(?: (?:of|is|was|at))?:? ?"
        r"(?:[1-4]\d|[5-9])(?:\.\d+)? ?%",
        "\\g<0> (severe copd)",
    ),
    (
        rf"(?i)\b{_COPD}\b{_UNDENIED}{{0,60}}\b{_HOME_OXYGEN}\b"
        rf"|\b{_HOME_OXYGEN}\b[^.;\n]{{0,20}}\b(?:for|because of)"
        rf" (?:his |her |their |my )?{_COPD}\b",
        "\\g<0> (severe copd)",
    ),
    # A known HIV infection (E_2), said as a history states it; not a test or a negative one.
    (
        # Not someone else's ("a partner with HIV", "his brother has HIV").
        rf"(?i){_NOT_ANOTHERS}\b(?:with|known|has|have|had|living with|history of"
        r"|diagnosed with|hx of|pmh:?"
        r"|background of)\s+(?:untreated |poorly controlled |advanced |long-standing )?HIV\b"
        r"(?!\s*(?:-|negative|neg\b|tests?|testing|screen))",
        "hiv positive",
    ),
    # A body mass index below 18.5 is underweight (E_208).
    (
        r"(?i)\bBMI (?:of |is |was |: ?)?(?:1[0-7](?:\.\d+)?|18(?:\.[0-4]\d*)?)(?!\.?\d)",
        "underweight",
    ),
    # A relative's eczema or hay fever is a family history of allergies (E_86), where the
    # patient's own is an allergic disposition.
    (
        rf"(?i)\b{_RELATIVE} (?:has|have|had|with|suffers? from|gets?) (?:bad |mild |severe )?"
        r"(?:eczema|hay ?fever|allergies)\b",
        "family history of allergies",
    ),
    # A cold had days or a week or two ago is a recent cold (E_116); not a partner's or a
    # friend's ("her boyfriend had a cold last week").
    (
        rf"(?i){_NOT_ANOTHERS}\b(?:had|caught|got|after) (?:a |an )?"
        r"(?:bad |heavy |head |nasty |mild )?cold"
        rf" (?:(?:about|around|roughly|nearly|almost|just over|over) )?(?:(?:{_DAYS}|{_WEEKS})"
        r" ago|last week)\b",
        "\\g<0> (recent cold)",
    ),
    # A runny nose or coryza that came before the complaint (read as a recent cold by
    # ``lay_phrasings``: "a runny nose before") is that cold, not today's nose.
    (
        r"(?i)\b(?:runny nose|sniffles?|snuffles?|coryza|coryzal symptoms)\b[^.;\n()]*?"
        r" \(recent cold\)",
        "recent cold",
    ),
    # A runny or blocked nose that has cleared is a cold that came before, not today's nose.
    (
        r"(?i)\b(?:the |my |his |her |their )?(?:runny|blocked|stuffy|snotty|snuffly) nose"
        r"(?: (?:has|had|have))? (?:now )?(?:cleared(?: up)?|gone|resolved|settled|dried up)\b",
        "recent cold",
    ),
    (
        r"(?i)\b(?:worse(?:ns|ned)?|aggravated|increases?|exacerbated)"
        rf" (?:(?:on|when|with|by|if) )?{_FORWARD}\b"
        rf"|\b{_FORWARD} makes? (?:it|the pain|them) worse\b",
        "worse bending over",
    ),
)
