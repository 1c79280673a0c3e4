"""Lay and clinical wordings of airway findings that the phrases of
:mod:`panels.offline.lay_words` miss: a cough that barks, pauses in breathing, vaccinations
said to be up to date. Pure data, merged into ``lay_words.LAY_WORDS`` (read, not written in
the renderings), with the same rule: each entry is how clinicians, patients or parents
generally say the finding, not a sentence lifted from a development case.
"""

from __future__ import annotations

_BARKING = ("E_201", "E_202")
_APNOEA = ("E_23",)
_VACCINATED = ("E_209",)

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
}
