"""Decisive signs that a duration makes: what DDXPlus, a questionnaire without time, cannot
weigh. A chronic rhinosinusitis by the EPOS 2020 definition: a blocked nose or its discharge
with a facial pain or pressure or a lost sense of smell, for twelve weeks or more (DDXPlus
tells it from an acute one by nothing a note states; the members took them as twins). Each
reader takes the text and the denial test, as :mod:`panels.offline.decisive_more`'s do.
Pure: no Django.
"""

from __future__ import annotations

import re

from panels.offline.decisive_more import Denial, Reader, all_stated, excluded

_BLOCKED_OR_RUNNING = re.compile(
    r"(?i)\b(?:(?:blocked|stuffy|congested|obstructed) nose|nose (?:\w+ ){0,3}(?:blocked|stuffy"
    r"|congested)|nasal (?:blockage|obstruction|congestion|discharge)|post-?nasal drip"
    r"|(?:dripping|drips|drip) (?:\w+ ){0,3}(?:throat|back of)|rhinorrho?ea)"
)
_FACE_OR_SMELL = re.compile(
    r"(?i)\b(?:facial (?:pain|pressure|fullness|ache)|(?:pain|pressure|fullness|heaviness|ache)"
    r" (?:in|over|across|between|around) (?:the |my |his |her )?(?:face|cheeks?|forehead|eyes)"
    r"|face (?:\w+ ){0,2}(?:heavy|full)|(?:loss of |lost (?:my |his |her |the )?|reduced |no )"
    r"(?:sense of )?smell|an?osmia|hyposmia|can'?t smell|cannot smell|unable to smell)"
)
_TWELVE_WEEKS = re.compile(
    r"(?i)\b(?:(?:[3-9]|1[0-9]|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|several|many) ?(?:months?|mths?|mo)\b|(?:1[2-9]|[2-9][0-9]) ?(?:weeks?|wks?)\b"
    r"|(?:a|one|two|\d+) ?(?:years?|yrs?)\b|half a year|for years|for months"
    r"|since last year|all year round)"
)
# A seasonal or allergen-driven nose is an allergic one; a fever, an acute infection's; a
# nose that bleeds or blocks on one side, a tumour's or a foreign body's.
_NOT_CHRONIC_SINUSITIS = re.compile(
    r"(?i)\b(?:every (?:spring|summer)|seasonal|hay ?fever|pollen|cats?|dogs?|dust(?: mites?)?"
    r"|sneez\w*|itch\w*|fever\w*|febrile|epistaxis|nosebleeds?|bleeding|one side|unilateral"
    r"|foreign body)\b"
)


def _chronic_rhinosinusitis(text: str, denied: Denial) -> str | None:
    """A blocked or running nose with a facial pain or a lost smell, for twelve weeks or
    more, each stated and not denied, without an allergy's season or trigger, a fever or a
    one-sided nose."""
    if excluded(text, _NOT_CHRONIC_SINUSITIS):
        return None
    return all_stated(text, denied, _BLOCKED_OR_RUNNING, _FACE_OR_SMELL, _TWELVE_WEEKS)


LONG_STANDING: tuple[tuple[str, str, Reader], ...] = (
    (
        "Chronic rhinosinusitis",
        "a blocked or running nose with a facial pain or a lost smell for twelve weeks or more",
        _chronic_rhinosinusitis,
    ),
)
