"""Decisive signs that a duration or a time course makes: what DDXPlus, a questionnaire
without time, cannot weigh. A chronic rhinosinusitis by the EPOS 2020 definition: a blocked
nose or its discharge with a facial pain or pressure or a lost sense of smell, for twelve
weeks or more (DDXPlus tells it from an acute one by nothing a note states; the members took
them as twins). A whooping cough by the CDC's clinical case definition: a cough of two weeks
or more with paroxysms, a whoop or vomiting after it. A PSVT by its ending: a racing heart
stopped by a vagal manoeuvre. Each reader takes the text and the denial test, as
:mod:`panels.offline.decisive_more`'s do. Pure: no Django.
"""

from __future__ import annotations

import re

from panels.offline.decisive_more import COUGH, Reader, all_of

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


_TWO_WEEKS = re.compile(
    r"(?i)\b(?:(?:[2-9]|1[0-9]|two|three|four|five|six|seven|eight|nine|ten|several|many) ?"
    r"(?:weeks?|wks?|/52)\b|(?:1[4-9]|[2-9][0-9]) ?days?\b|a fortnight|(?:a|one|\d+) ?"
    r"(?:months?|mo)\b)"
)
_PAROXYSM_WHOOP_OR_VOMIT = re.compile(
    r"(?i)\b(?:paroxysm\w*|coughing (?:fits?|bouts?|spells?)|(?:fits|bouts|spells) of "
    r"cough\w*|whoop\w*|(?:crow\w*|gasp\w*|high[- ]pitched) (?:\w+ ){0,3}(?:noise|sound|breath"
    r"\w*|in)|post-?tussive|vomit\w* (?:\w+ ){0,3}after (?:\w+ ){0,2}cough\w*)"
)
# A foreign body's choking, an asthma's or a croup's noise, a known reflux or an ACE
# inhibitor's cough explain a long cough otherwise.
_NOT_PERTUSSIS = re.compile(
    r"(?i)\b(?:foreign body|chok\w*|asthma\w*|wheez\w*|croup|bark\w*|stridor|\w+pril"
    r"|ACE[- ]?i\w*|cystic fibrosis|bronchiectasis)\b"
)


_RACING_HEART = re.compile(
    r"(?i)\b(?:palpitations?|heart (?:\w+ ){0,3}(?:rac\w*|fast|pound\w*|thump\w*)"
    r"|racing heart|fast heart ?beat|tachycardi\w*|SVT)\b"
)
_VAGAL = (
    r"(?:valsalva|vagal (?:manoeuvre|maneuver)s?|carotid (?:sinus )?massage|bear\w* down"
    r"|strain\w*|push\w* (?:\w+ ){0,3}toilet|hold\w* (?:my |his |her )?breath"
    r"|cold water on (?:my |his |her |the )?face|ice (?:water|pack) on (?:\w+ ){0,2}face"
    r"|(?:blow|blew|blowing) into a syringe)"
)
_ENDS = r"(?:stop\w*|end\w*|terminat\w*|settl\w*|revert\w*|break\w*|goes away|went away)"
# The manoeuvre and the ending, in either order ("stops when I bear down", "a Valsalva
# manoeuvre ended it").
_VAGAL_END = re.compile(
    rf"(?i)\b{_VAGAL}\b[^.;\n]{{0,60}}\b{_ENDS}\b|\b{_ENDS}\b[^.;\n]{{0,40}}\b{_VAGAL}\b"
)
# A flutter's or an AF's irregular rhythm, a sinus tachycardia, a thyroid's or a panic's.
_NOT_PSVT = re.compile(
    r"(?i)\b(?:irregular\w*|flutter|atrial fibrillation|AF|sinus tachycardia|thyro\w*"
    r"|panic|anxiety attack)\b"
)


LONG_STANDING: tuple[tuple[str, str, Reader], ...] = (
    (
        "Chronic rhinosinusitis",
        "a blocked or running nose with a facial pain or a lost smell for twelve weeks or more",
        all_of(
            _BLOCKED_OR_RUNNING, _FACE_OR_SMELL, _TWELVE_WEEKS, unless=(_NOT_CHRONIC_SINUSITIS,)
        ),
    ),
    (
        "Whooping cough",
        "a cough of two weeks or more with paroxysms, a whoop or vomiting after it",
        all_of(COUGH, _TWO_WEEKS, _PAROXYSM_WHOOP_OR_VOMIT, unless=(_NOT_PERTUSSIS,)),
    ),
    (
        "PSVT",
        "a racing heart ended by a vagal manoeuvre",
        all_of(_RACING_HEART, _VAGAL_END, unless=(_NOT_PSVT,)),
    ),
)
