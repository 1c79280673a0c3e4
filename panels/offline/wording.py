"""Synonym families for DDXPlus findings as clinicians and patients word them, beyond the
phrases of :mod:`panels.offline.notes`: a tight, sore or full chest; breathlessness graded by
speech and signs; light-headedness and faintness; the whoop; pale stools (not a pale
patient); coryza; a child off its feeds. Also the words understood and deliberately not
weighed, the names notes give the knowledge base's places, and negations negspacy's clinical
termset lacks. Pure data, read by :mod:`panels.offline.extraction` and
:mod:`panels.offline.places`.

Each family is a set of words any clinician would list for the finding, not phrases lifted
from development cases; a family the knowledge base would weigh against the right condition
(contact with a similar illness, which DDXPlus lists for URTI and pharyngitis, not influenza)
is left out.
"""

from __future__ import annotations

FAMILIES: dict[str, tuple[str, ...]] = {
    # Chest pain in the words of a tight, sore or full chest (a clause "my chest is really
    # tight" is rewritten to "chest tightness" by SHORTHAND).
    "chest soreness": ("E_53", "E_55_@_chest"),
    "sore chest": ("E_53", "E_55_@_chest"),
    "chest fullness": ("E_53", "E_55_@_chest"),
    "chest wall pain": ("E_53", "E_55_@_chest"),
    # Breathlessness as a triage note grades it.
    "breathless at rest": ("E_66",),
    "short of breath at rest": ("E_66",),
    "shortness of breath at rest": ("E_66",),
    "dyspnoea at rest": ("E_66",),
    "stridor at rest": ("E_194",),
    "finish a sentence": ("E_66",),
    "finish sentences": ("E_66",),
    "finish her sentences": ("E_66",),
    "finish his sentences": ("E_66",),
    "finish my sentences": ("E_66",),
    "speaking in phrases": ("E_66",),
    "speaking in short phrases": ("E_66",),
    "short phrases": ("E_66",),
    "single words": ("E_66",),
    "struggling for breath": ("E_66",),
    "gasping for breath": ("E_66",),
    "increased work of breathing": ("E_66",),
    # Light-headed, faint, clammy.
    "light headed": ("E_76",),
    "light headedness": ("E_76",),
    "lightheadedness": ("E_76",),
    "presyncope": ("E_82",),
    "presyncopal": ("E_82",),
    "near syncope": ("E_82",),
    "nearly fainted": ("E_82",),
    "felt faint": ("E_82",),
    "feeling faint": ("E_82",),
    "clammy": ("E_50",),
    "sweating buckets": ("E_50",),
    "drenched in sweat": ("E_50",),
    # The whoop of pertussis.
    "whooping": ("E_202",),
    "whoops": ("E_202",),
    "inspiratory whoop": ("E_202",),
    "crowing": ("E_202",),
    # Pale stools are cholestasis, not pallor (read before "pale" can match).
    "pale stools": ("E_188",),
    "pale stool": ("E_188",),
    "pale greasy stools": ("E_188",),
    "pale fatty stools": ("E_188",),
    "pale faeces": ("E_188",),
    "pale coloured stools": ("E_188",),
    "clay coloured stools": ("E_188",),
    # A cold's runny nose, as notes abbreviate it.
    "coryza": ("E_181",),
    "coryzal": ("E_181",),
    # A child off its food or feeds.
    "poor feeding": ("E_32",),
    "feeding poorly": ("E_32",),
    "difficulty feeding": ("E_32",),
    "reduced feeding": ("E_32",),
    "reduced feeds": ("E_32",),
    "off feeds": ("E_32",),
    "off food": ("E_32",),
    "off her food": ("E_32",),
    "off his food": ("E_32",),
    "off my food": ("E_32",),
    "off their food": ("E_32",),
    "poor appetite": ("E_32",),
    "reduced appetite": ("E_32",),
    # Signs of laboured breathing on examination.
    "recession": ("E_66",),
    "nasal flaring": ("E_66",),
    "accessory muscle use": ("E_66",),
    "cold sweat": ("E_50",),
}

# Words a note uses that are understood and deliberately not weighed: not findings, and not
# clinical words outside the knowledge base either (they must not push a member to abstain).
# A non-tender abdomen is a normal finding; a pale turbinate or polyp is not a pale patient;
# tachycardia is a sign that DDXPlus has no finding for (as a fast heart rate is).
NEUTRAL: tuple[str, ...] = (
    "non tender",
    "nontender",
    "not tender",
    "tachycardia",
    "tachycardic",
    "sinus tachycardia",
    "pale boggy",
    "pale grey",
    "pale turbinates",
    "pale mucosa",
    "pale polyps",
    "pale yellow",
)
# How notes name places the knowledge base names otherwise: (words, the KB's place name), for
# the pain, radiation, rash and swelling places ("left arm" reads as the left biceps, as the
# DDXPlus questionnaire codes an arm); the last group only for radiation, where "to the back"
# of a chest pain is the thoracic spine.
PLACE_ALIASES: tuple[tuple[str, str], ...] = (
    ("arm", "biceps"),
    ("upper arm", "biceps"),
    ("shoulder blade", "scapula"),
    ("jaw", "under the jaw"),
    ("neck", "thyroid cartilage"),
    ("throat", "thyroid cartilage"),
    ("top teeth", "upper teeth"),
)
RADIATION_ALIASES: tuple[tuple[str, str], ...] = (
    ("back", "thoracic spine"),
    ("between the shoulder blades", "thoracic spine"),
    ("between my shoulder blades", "thoracic spine"),
)
# Negations that negspacy's clinical termset lacks ("she hasn't had a temperature").
MORE_NEGATIONS = ("hasn't", "haven't", "hadn't", "has not had", "have not had", "nil")
