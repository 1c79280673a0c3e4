"""Synonym families for DDXPlus findings as clinicians and patients word them, beyond the
phrases of :mod:`panels.offline.notes`: a tight, sore or full chest; breathlessness graded by
speech and signs; light-headedness and faintness; the whoop; pale stools (not a pale
patient); coryza; a child off its feeds. Also the words understood and deliberately not
weighed, the names notes give the knowledge base's places, and the words of a pain. Pure
data, read by :mod:`panels.offline.extraction` and :mod:`panels.offline.places`.

Each family is a set of words any clinician would list for the finding, not phrases lifted
from development cases; a family the knowledge base would weigh against the right condition
(contact with a similar illness, which DDXPlus lists for URTI and pharyngitis, not influenza)
is left out.
"""

from __future__ import annotations

from panels.offline.exposures import EXPOSURES
from panels.offline.lay_phrasings import LAY_PHRASINGS

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
    # The whoop of pertussis: the noisy breath in after a coughing spell (``E_112``), not the
    # knowledge base's "whooping cough" question, which DDXPlus asks of croup only.
    "whooping": ("E_112",),
    "whoops": ("E_112",),
    "inspiratory whoop": ("E_112",),
    "crowing": ("E_112",),
    "post tussive vomiting": ("E_166",),
    "posttussive vomiting": ("E_166",),
    "vomits after coughing": ("E_166",),
    "vomiting after coughing": ("E_166",),
    "sick after coughing": ("E_166",),
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
    # Pain that catches on breathing in, as notes and patients say it (pleuritic pain).
    "deep inspiration": ("E_220",),
    "on inspiration": ("E_220",),
    "inspiratory pain": ("E_220",),
    "worse on breathing in": ("E_220",),
    "worse breathing in": ("E_220",),
    "worse when breathing in": ("E_220",),
    "worse on breathing": ("E_220",),
    "worse with breathing": ("E_220",),
    "worse with deep breaths": ("E_220",),
    "hurts to breathe": ("E_220",),
    "hurts to breathe in": ("E_220",),
    "painful to breathe": ("E_220",),
    "hurts when i breathe": ("E_220",),
    "pain when breathing": ("E_220",),
    "pain on breathing": ("E_220",),
    # A pulse or a heartbeat without a pattern (a clause "heart was racing" is rewritten to
    # "heart racing" by SHORTHAND).
    "irregular pulse": ("E_155", "E_164"),
    "pulse irregular": ("E_155", "E_164"),
    "irregular rhythm": ("E_155", "E_164"),
    "irregularly irregular": ("E_155", "E_164"),
    "skipped beats": ("E_155",),
    "missed beats": ("E_155",),
    "skipping beats": ("E_155",),
    "fluttering": ("E_155",),
    # Breathlessness in a patient's words.
    "enough air": ("E_66",),
    "air hunger": ("E_66",),
    "hyperventilating": ("E_66",),
    "hyperventilation": ("E_66",),
    "puffed": ("E_66",),
    "winded": ("E_66",),
    # Numbness is the knowledge base's "numbness or tingling"; round the mouth, its own.
    "numb": ("E_177",),
    "numbness": ("E_177",),
    "perioral numbness": ("E_157",),
    "unreal": ("E_171",),
    "unreality": ("E_171",),
    "derealisation": ("E_171",),
    "depersonalization": ("E_171",),
    # Reflux: the sour or bitter taste of what comes up.
    "bitter taste": ("E_173",),
    "acid brash": ("E_173",),
    "water brash": ("E_173",),
    "comes up into my mouth": ("E_173",),
    "comes up into her mouth": ("E_173",),
    "comes up into his mouth": ("E_173",),
    # Worse on coughing or straining: the hernia's cough impulse.
    "cough impulse": ("E_221",),
    "on straining": ("E_221",),
    "when straining": ("E_221",),
    "or straining": ("E_221",),
    "worse on coughing": ("E_221",),
    "worse when coughing": ("E_221",),
    "worse with coughing": ("E_221",),
    # A smell lost in part is a lost sense of smell.
    "reduced smell": ("E_103",),
    "reduced sense of smell": ("E_103",),
    "hyposmia": ("E_103",),
    # Bleeding where nothing was injured: gums, drip sites.
    "bleeding gums": ("E_178",),
    "gum bleeding": ("E_178",),
    "bleeding from the gums": ("E_178",),
    "bleeding from her gums": ("E_178",),
    "bleeding from his gums": ("E_178",),
    "bleeding from my gums": ("E_178",),
    "bleeding from gums": ("E_178",),
    # A running nostril is a runny nose.
    "nostril running": ("E_181",),
    "running nostril": ("E_181",),
    "runny nostril": ("E_181",),
    "sneeze": ("E_181",),
    "sneezes": ("E_181",),
    "sneezy": ("E_181",),
    # Croup's barking cough: the knowledge base asks it as "whooping cough" (E_202), of croup
    # only, and lists no plain cough or hoarseness for croup.
    "sounds like a seal": ("E_202",),
    "seal like cough": ("E_202",),
    "seal bark": ("E_202",),
    # A patient's fever, chills, fast breathing, confusion and pallor.
    "burning up": ("E_91",),
    "running a temperature": ("E_91",),
    "running a fever": ("E_91",),
    "hot to touch": ("E_91",),
    "hot to the touch": ("E_91",),
    "shivers": ("E_94",),
    "shivery": ("E_94",),
    "teeth chattering": ("E_94",),
    "breathing fast": ("E_66",),
    "breathing quickly": ("E_66",),
    "breathing really fast": ("E_66",),
    "breathing really quickly": ("E_66",),
    "fast breathing": ("E_66",),
    "rapid breathing": ("E_66",),
    "muddled": ("E_39",),
    "disorientated": ("E_39",),
    "disorientation": ("E_39",),
    "white as a sheet": ("E_154",),
}
FAMILIES.update(EXPOSURES)

# Phrasings rewritten to a phrase the lexicon reads, after the shorthand (appended to
# ``notes.SHORTHAND``): a finding said with a verb, a tense, a number or an order that no
# fixed phrase can list. Pattern -> replacement.
PHRASINGS: tuple[tuple[str, str], ...] = (
    # An age in months is an infant's (under 1) or a 1-year-old's, as the knowledge base
    # counts ages in years: "4mo F", "5 month old", "18-month-old".
    (
        r"(?i)\b(?:[1-9]|1[01])[- ]?(?:months?|mo)[- ]old\b|\b(?:[1-9]|1[01]) ?(?:mo|m/o)\b",
        "infant",
    ),
    (
        r"(?i)\b(?:1[2-9]|2[0-3])[- ]?(?:months?|mo)[- ]old\b|\b(?:1[2-9]|2[0-3]) ?mo\b",
        "1-year-old",
    ),
    # An age in weeks is an infant's: "7 weeks old", "6-week-old", "3 wk old".
    (r"(?i)\b(?:[1-9]|[1-4][0-9]|5[0-2])[- ]?(?:weeks?|wks?)[- ]old\b", "infant"),
    # "son 9y", "girl 4y": a child's age in years.
    (r"(?i)\b(son|daughter|boy|girl|child) (\d{1,2}) ?y\b", r"\1 \2yo"),
    (r"\binfant F\b", "infant girl"),
    (r"\binfant M\b", "infant boy"),
    # A baby taking less of its feeds ("feeding half usual volume", "only takes a few ounces").
    (
        r"(?i)\bfeeding (?:only )?(?:half|less|a third|very little)\b|\bfeeds? (?:reduced|halved)\b"
        r"|\b(?:only )?takes? (?:only )?(?:a few|half (?:her |his |the )?(?:usual )?) ?"
        r"(?:ounces|bottles?|feeds?)\b",
        "poor feeding",
    ),
    # "my heart was racing", "heart keeps pounding": the racing heart; a pulse or rhythm
    # "all over the place" is an irregular one.
    (
        r"(?i)\bheart(?:beat)? (?:is |was |keeps |kept |started |starts |has been |had been "
        r"|been |goes |went |just )?(?:really |so |very )?(?:racing|pounding|thumping"
        r"|fluttering|beating (?:fast|quickly|hard))\b",
        "heart racing",
    ),
    (
        r"(?i)\b(?:pulse|heart ?beat|heart|rhythm)\b[^.;\n]{0,40}?\ball over the place\b",
        "irregular pulse",
    ),
    # A cold that came before ("started with a cold", "8 days after onset of a cold",
    # "preceded by coryza") is the knowledge base's recent cold, not today's runny nose.
    (
        r"(?i)\b(?:after|following|preceded by|started with|starting with|began (?:like|with|as))"
        r" (?:a |an |the |his |her |my )?(?:onset of (?:a )?)?(?:mild |bad |heavy |recent )?"
        r"(?:head )?(?:cold|coryza|coryzal illness)\b|\b(?:cold|coryza) prior\b",
        "recent cold",
    ),
    # Vomiting at the end of a coughing fit is post-tussive vomiting.
    (
        r"(?i)\b(?:fits?|spells?|bouts?|paroxysms?) of coughing\b[^.;\n]{0,80}?\bvomit\w*"
        r"|\bcoughing (?:fits?|spells?|bouts?|paroxysms?)\b[^.;\n]{0,80}?\bvomit\w*",
        "\\g<0> (vomiting after coughing)",
    ),
    # A pain named for the chest and a second place at once ("central chest + upper abdo
    # pain", "chest/epigastric discomfort") is a chest pain as well as the other.
    (
        r"(?i)\bchest ?(?:\+|and|&|/) ?((?:upper |lower )?(?:abdominal|epigastric|back|neck"
        r"|shoulder|arm|jaw)) (pain|discomfort)\b",
        r"chest \2 and \1 \2",
    ),
    # A throat that is sore or raw in any tense; a swallow that hurts.
    (
        r"(?i)\bthroat (?:is |has been |feels |felt |was |been |got )?(?:really |very |so |a bit "
        r"|quite )?(?:sore|raw|scratchy|painful)\b(?: and (?:sore|raw|scratchy))?",
        "sore throat",
    ),
    (
        r"(?i)\b(?:hurts|painful|sore|agony|pain|discomfort) (?:to |when (?:i |he |she |you )?|on "
        r"|with )swallow\w*",
        "painful swallowing",
    ),
    # Sputum as a patient says it ("bringing up thick yellow stuff").
    (
        r"(?i)\b(?:bringing|brings|brought|coughing|coughs|coughed) up (?:thick |loads of |lots of "
        r"|some |this )?(?:(?:yellow|green|brown|rusty|yellowy|greenish|yellow-green|thick"
        r"|horrible) )*(?:stuff|phlegm|mucus|gunk|muck|gloop|sputum)\b",
        "productive cough",
    ),
    # A nose that streams, runs or drips; eyes that itch.
    (
        r"(?i)\bnose (?:is |starts |keeps |was |started |has been )?"
        r"(?:streaming|running|dripping)\b",
        "runny nose",
    ),
    (r"(?i)\beyes (?:are |feel |get |were |)?(?:\w+ and )?(?:itch|itchy|itching)\b", "itchy eyes"),
    # A pain that stabs or catches each time one breathes in is pleuritic.
    (
        r"(?i)\b(?:stabs?|stabbing|hurts?|hurting|pain|catches|catching|sharp)\b[^.;\n]{0,40}?"
        r"\b(?:every time|whenever|when|as) (?:i |he |she |they |you )?(?:breathe|breathes"
        r"|take a (?:deep )?breath|takes a (?:deep )?breath|inhale|inhales)\b(?: in)?",
        "\\g<0> (pain on breathing in)",
    ),
    # A weight stated as lost ("lost 9kg", "lost about a stone") is weight loss.
    (
        r"(?i)\blost (?:about |around |over |nearly |almost |roughly )?(?:\d+(?:\.\d+)?|a) ?"
        r"(?:kg|kgs|kilos?|lbs?|pounds|stones?)\b",
        "lost weight",
    ),
    # Worse on lying down, in any person: the symptom relieved by sitting up.
    (
        r"(?i)\b(?:worse|worst|comes on|brought on) (?:when |if |on |after )?"
        r"(?:i |he |she |they |you )?(?:lie|lies|lying|lay) (?:down|flat)\b",
        "worse lying flat",
    ),
)
PHRASINGS += LAY_PHRASINGS  # the lay wordings of panels.offline.lay_phrasings

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
    # A lung lobe's collapse on imaging is not the patient collapsing; the fits between
    # which a coughing child is well are the coughing fits, not seizures.
    "lobe collapse",
    "lung collapse",
    "between fits",
    "between the fits",
    "between coughing fits",
    "between attacks",
    "between episodes",
    # Pink frothy sputum is a pulmonary oedema's, not the coloured sputum of an infection.
    "pink frothy sputum",
    "frothy pink sputum",
    "pink frothy secretions",
    "frothy sputum",
    # Air under the skin or in the mediastinum is no emphysema of the lungs (COPD).
    "subcutaneous emphysema",
    "surgical emphysema",
    "mediastinal emphysema",
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
    ("tummy", "belly"),
    ("epigastrium", "epigastric region"),
    ("epigastric", "epigastric region"),
    ("upper tummy", "epigastric region"),
    ("upper abdomen", "epigastric region"),
    # A headache's places in clinical words: around the eye, over the temple.
    ("periorbital", "eye"),
    ("retro orbital", "eye"),
    ("retroorbital", "eye"),
    ("temporal", "temple"),
)
RADIATION_ALIASES: tuple[tuple[str, str], ...] = (
    ("back", "thoracic spine"),
    ("between the shoulder blades", "thoracic spine"),
    ("between my shoulder blades", "thoracic spine"),
)
# How notes qualify a pain, and the knowledge base's name for that character (``E_54``): read
# when the word qualifies a pain ("stabbing pain behind the eye", "the pain is sharp").
CHARACTER_WORDS: dict[str, str] = {
    "sharp": "sharp",
    "stabbing": "a knife stroke",
    "knife like": "a knife stroke",
    "knifelike": "a knife stroke",
    "burning": "burning",
    "crushing": "heavy",
    "heavy": "heavy",
    "squeezing": "heavy",
    "pressing": "heavy",
    "pressure like": "heavy",
    "throbbing": "a pulse",
    "pulsating": "a pulse",
    "pounding": "a pulse",
    "cramping": "a cramp",
    "crampy": "a cramp",
    "colicky": "a cramp",
    "dragging": "heavy",
    "pulling": "tugging",
    "tugging": "tugging",
    "dull": "tedious",
    "nagging": "tedious",
    "gnawing": "haunting",
}
# Words a pain is named by, a few words after its character ("sharp left sided chest pain"),
# and words that are a pain only right after it ("burning feeling", not "sharp drop in
# pressure").
PAIN_WORDS = ("pain", "pains", "ache", "aches", "aching", "discomfort", "headache", "headaches") + (
    "squeezing",
    "tightness",
    "heaviness",
)
NEAR_PAIN_WORDS = ("feeling", "sensation", "pressure")
# Words that name a pain without the word "pain" when a place follows them ("squeezing in my
# chest", "pressure behind the eyes", "burning in the middle of my chest"), with the pain's
# character they give (``E_54``; "" for none: a tight chest is an asthmatic's too).
PAIN_NOUNS: dict[str, str] = {
    "pain": "",
    "pains": "",
    "ache": "",
    "aches": "",
    "aching": "",
    "discomfort": "",
    "soreness": "",
    "tightness": "",
    "pressure": "heavy",
    "heaviness": "heavy",
    "weight": "heavy",
    "squeezing": "heavy",
    "crushing": "heavy",
    "burning": "burning",
    "stabbing": "a knife stroke",
    "throbbing": "a pulse",
    "cramps": "a cramp",
    "cramping": "a cramp",
}
# What a pain is likened to before its place ("like a hot poker in my eye", "like an
# elephant sitting on my chest"), with the character it gives (``E_54``).
SIMILES: dict[str, str] = {
    "knife": "a knife stroke",
    "poker": "a knife stroke",
    "dagger": "a knife stroke",
    "elephant": "heavy",
    "weight": "heavy",
    "stone": "heavy",
    "brick": "heavy",
}
# Words for the chest as a pain's place, before a pain word ("substernal pressure",
# "retrosternal burning").
CHEST_WORDS = ("substernal", "retrosternal")
# Words that say a place hurts, after it ("my chest is burning", "my top teeth ache").
HURTING_WORDS = (
    "hurt",
    "hurts",
    "hurting",
    "ache",
    "aches",
    "aching",
    "burns",
    "burning",
    "sore",
    "throbs",
)
