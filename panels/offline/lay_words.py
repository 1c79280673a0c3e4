"""Lay and clinical wordings of non-pain DDXPlus findings that the phrases of
:mod:`panels.offline.notes` and :mod:`panels.offline.wording` miss: how patients, parents and
clinicians usually say a finding (verb forms, word orders, British and American spellings;
extraction normalises American spellings to British, so the British form is written here).
Pure data, read by :mod:`panels.offline.vocabulary` (``LAY_WORDS``) and appended to the
shorthand (``LAY_PHRASINGS``).

Each entry is a family any clinician would list for the finding, not a sentence lifted from a
development case. Words that out-of-scope notes also use for something else (slurred speech in
a stroke, a stiff neck in meningitis) are left out.
"""

from __future__ import annotations

_NOSE = ("E_181",)
_PURULENT = ("E_182",)
_SMELL = ("E_103",)
_ITCHY_NOSE = ("E_169",)
_ITCHY_EYES = ("E_170",)
_SPUTUM = ("E_77",)
_COUGH_UP = ("E_201", "E_77")
_PTOSIS = ("E_172",)
_TRISMUS = ("E_205",)
_EYES_UP = ("E_180",)
_TONGUE = ("E_168",)
_SPASMS = ("E_193",)
_FEET = ("E_93",)
_LIMBS = ("E_84",)
_EAR = ("E_53", "E_55_@_V_129", "E_55_@_V_130")
_FACE = ("E_53", "E_55_@_V_108", "E_55_@_V_109")
_PROSTRATED = ("E_88",)

LAY_WORDS: dict[str, tuple[str, ...]] = {
    # A runny or blocked nose, sneezing, in the words of a patient or a parent.
    "sneeze": _NOSE,
    "sneezes": _NOSE,
    "sneezed": _NOSE,
    "sneezy": _NOSE,
    "sniffle": _NOSE,
    "sniffly": _NOSE,
    "sniffling": _NOSE,
    "snuffles": _NOSE,
    "snuffling": _NOSE,
    "streaming nose": _NOSE,
    "nose streaming": _NOSE,
    "nose streams": _NOSE,
    "nose is streaming": _NOSE,
    "running nose": _NOSE,
    "nose running": _NOSE,
    "nose is running": _NOSE,
    "nose is runny": _NOSE,
    "nose is blocked": _NOSE,
    "nose blocked": _NOSE,
    "nose blocks up": _NOSE,
    "nose gets blocked": _NOSE,
    "blocked up nose": _NOSE,
    "stuffed up nose": _NOSE,
    "nose stuffed up": _NOSE,
    "congested nose": _NOSE,
    "nasal stuffiness": _NOSE,
    "stuffiness": _NOSE,
    "blocked nostril": _NOSE,
    "nostril blocked": _NOSE,
    "nostril blocks": _NOSE,
    "nostril runs": _NOSE,
    "runny nostril": _NOSE,
    "clear nasal discharge": _NOSE,
    "watery nasal discharge": _NOSE,
    "clear watery discharge": _NOSE,
    "clear discharge from the nose": _NOSE,
    "nasal drip": _NOSE,
    # Coloured (purulent) nasal discharge.
    "green snot": _PURULENT,
    "yellow green snot": _PURULENT,
    "green mucus": _PURULENT,
    "yellow mucus": _PURULENT,
    "yellow green mucus": _PURULENT,
    "coloured mucus": _PURULENT,
    "discoloured mucus": _PURULENT,
    "coloured nasal discharge": _PURULENT,
    "discoloured nasal discharge": _PURULENT,
    "yellow nasal discharge": _PURULENT,
    "yellow green nasal discharge": _PURULENT,
    "thick nasal discharge": _PURULENT,
    "mucopurulent discharge": _PURULENT,
    "mucopurulent nasal discharge": _PURULENT,
    "purulent rhinorrhoea": _PURULENT,
    "purulent secretions": _PURULENT,
    # Smell and taste.
    "can t taste": _SMELL,
    "cannot taste": _SMELL,
    "could not taste": _SMELL,
    "couldn t taste": _SMELL,
    "loss of taste": _SMELL,
    "lost my taste": _SMELL,
    "lost her taste": _SMELL,
    "lost his taste": _SMELL,
    "lost my sense of taste": _SMELL,
    "lost my sense of smell": _SMELL,
    "lost sense of smell": _SMELL,
    "loss of taste and smell": _SMELL,
    "loss of smell and taste": _SMELL,
    "no sense of taste": _SMELL,
    "reduced taste": _SMELL,
    "ageusia": _SMELL,
    "cannot smell": _SMELL,
    "could not smell": _SMELL,
    "couldn t smell": _SMELL,
    "can t smell anything": _SMELL,
    "smell has gone": _SMELL,
    "taste has gone": _SMELL,
    # Itchy nose, palate or throat; itchy eyes.
    "itchy palate": _ITCHY_NOSE,
    "palatal itch": _ITCHY_NOSE,
    "itchy roof of the mouth": _ITCHY_NOSE,
    "itchy roof of my mouth": _ITCHY_NOSE,
    "itchy roof of mouth": _ITCHY_NOSE,
    "nose itches": _ITCHY_NOSE,
    "nose is itchy": _ITCHY_NOSE,
    "itching nose": _ITCHY_NOSE,
    "nasal itch": _ITCHY_NOSE,
    "nasal itching": _ITCHY_NOSE,
    "throat itches": _ITCHY_NOSE,
    "eyes are itchy": _ITCHY_EYES,
    "eyes itching": _ITCHY_EYES,
    "itching eyes": _ITCHY_EYES,
    "itchy eye": _ITCHY_EYES,
    "ocular itch": _ITCHY_EYES,
    "ocular itching": _ITCHY_EYES,
    "itchy watery eyes": ("E_170", "E_127"),
    "itchy red eyes": ("E_170", "E_74"),
    "itchy streaming eyes": ("E_170", "E_127"),
    # A cough that brings up more or coloured sputum.
    "coughing up green": _COUGH_UP,
    "coughing up yellow": _COUGH_UP,
    "coughing up thick": _COUGH_UP,
    "coughing up mucus": _COUGH_UP,
    "coughing up gunk": _COUGH_UP,
    "coughing up stuff": _COUGH_UP,
    "coughing stuff up": _COUGH_UP,
    "coughs up phlegm": _COUGH_UP,
    "bringing up phlegm": _SPUTUM,
    "bringing up sputum": _SPUTUM,
    "bringing up mucus": _SPUTUM,
    "spitting yellow": _SPUTUM,
    "spitting green": _SPUTUM,
    "spitting up phlegm": _SPUTUM,
    "chesty cough": ("E_201", "E_77"),
    "wet cough": ("E_201", "E_77"),
    "loose cough": ("E_201", "E_77"),
    "productive of": _SPUTUM,
    "green phlegm": _SPUTUM,
    "yellow phlegm": _SPUTUM,
    "brown phlegm": _SPUTUM,
    "coloured phlegm": _SPUTUM,
    "discoloured sputum": _SPUTUM,
    # Orthopnoea and waking breathless, as a ward or a patient says them.
    "can t lie flat": ("E_217",),
    "cannot lie flat": ("E_217",),
    "unable to lie flat": ("E_217",),
    "sitting bolt upright": ("E_217",),
    "sat bolt upright": ("E_217",),
    "sits bolt upright": ("E_217",),
    "sleeping sat up": ("E_217",),
    "sleeps sitting up": ("E_217",),
    "sleeping sitting up": ("E_217",),
    "extra pillows": ("E_217",),
    "propped up on pillows": ("E_217",),
    # History in everyday words: cholesterol and cancer treatment, lymph node surgery.
    "cholesterol tablets": ("E_71",),
    "cholesterol pills": ("E_71",),
    "cholesterol medication": ("E_71",),
    "on statins": ("E_71",),
    "statin": ("E_71",),
    "atorvastatin": ("E_71",),
    "simvastatin": ("E_71",),
    "rosuvastatin": ("E_71",),
    "on chemotherapy": ("E_34",),
    "undergoing chemotherapy": ("E_34",),
    "receiving chemotherapy": ("E_34",),
    "having chemotherapy": ("E_34",),
    "having chemo": ("E_34",),
    "lymph glands out": ("E_137",),
    "lymph nodes out": ("E_137",),
    "lymph nodes removed": ("E_137",),
    "lymph glands removed": ("E_137",),
    "lymph node dissection": ("E_137",),
    "axillary clearance": ("E_137",),
    "axillary node clearance": ("E_137",),
    "amlodipine": ("E_149",),
    "nifedipine": ("E_149",),
    "felodipine": ("E_149",),
    "lercanidipine": ("E_149",),
    # Skin nodules (erythema nodosum) are the knowledge base's skin lesions.
    "erythema nodosum": ("E_129",),
    "skin nodules": ("E_129",),
    "coloured sputum": _SPUTUM,
    "mucopurulent sputum": _SPUTUM,
    "increased sputum": _SPUTUM,
    "more sputum": _SPUTUM,
    "more phlegm": _SPUTUM,
    "sputum volume": _SPUTUM,
    # Drooping eyelids.
    "eyelid droops": _PTOSIS,
    "eyelids droop": _PTOSIS,
    "eyelid drooping": _PTOSIS,
    "eyelids drooping": _PTOSIS,
    "lid droop": _PTOSIS,
    "droopy lids": _PTOSIS,
    "drooping lids": _PTOSIS,
    # An acute dystonic reaction: a locked jaw, eyes turned up, a protruding tongue.
    "jaw stiff": _TRISMUS,
    "stiff jaw": _TRISMUS,
    "jaw tight": _TRISMUS,
    "tight jaw": _TRISMUS,
    "jaw clenched": _TRISMUS,
    "jaw locked": _TRISMUS,
    "locked jaw": _TRISMUS,
    "jaw spasm": _TRISMUS,
    "can t open his mouth": _TRISMUS,
    "can t open her mouth": _TRISMUS,
    "can t open my mouth": _TRISMUS,
    "cannot open his mouth": _TRISMUS,
    "cannot open her mouth": _TRISMUS,
    "cannot open my mouth": _TRISMUS,
    "unable to open his mouth": _TRISMUS,
    "unable to open her mouth": _TRISMUS,
    "unable to open the mouth": _TRISMUS,
    "oculogyric crises": _EYES_UP,
    "eyes rolling upwards": _EYES_UP,
    "eyes rolling upward": _EYES_UP,
    "eyes rolled upwards": _EYES_UP,
    "eyes turned up": _EYES_UP,
    "eyes turning up": _EYES_UP,
    "upward gaze deviation": _EYES_UP,
    "upward eye deviation": _EYES_UP,
    "tongue protruding": _TONGUE,
    "protruding tongue": _TONGUE,
    "tongue sticking out": _TONGUE,
    "tongue poking out": _TONGUE,
    "tongue keeps poking out": _TONGUE,
    "tongue thrusting": _TONGUE,
    "tongue feels thick": _TONGUE,
    "thick tongue": _TONGUE,
    "involuntary contraction": _SPASMS,
    "involuntary contractions": _SPASMS,
    "involuntary muscle contraction": _SPASMS,
    "involuntary muscle contractions": _SPASMS,
    # Numb or tingling feet; weakness of both legs or arms.
    "glove and stocking": _FEET,
    "stocking distribution": _FEET,
    "tingling toes": _FEET,
    "numb toes": _FEET,
    "tingling feet": _FEET,
    "feet tingling": _FEET,
    "feet are numb": _FEET,
    "weak legs": _LIMBS,
    "legs are weak": _LIMBS,
    "legs feel weak": _LIMBS,
    "legs felt weak": _LIMBS,
    "weakness of the legs": _LIMBS,
    "weakness of both legs": _LIMBS,
    "weakness in the legs": _LIMBS,
    "weakness in his legs": _LIMBS,
    "weakness in her legs": _LIMBS,
    "weakness in my legs": _LIMBS,
    "weakness of legs": _LIMBS,
    "weakness of the lower limbs": _LIMBS,
    "lower limb weakness": _LIMBS,
    "bilateral leg weakness": _LIMBS,
    "symmetrical weakness": _LIMBS,
    "symmetric weakness": _LIMBS,
    "arms tire": ("E_90",),
    "fatigable": ("E_90",),
    "fatiguable": ("E_90",),
    "jaw tires": ("E_38",),
    "jaw gets tired": ("E_38",),
    "jaw gets so tired": ("E_38",),
    "tired jaw": ("E_38",),
    "nasal speech": ("E_63",),
    "nasal voice": ("E_63",),
    "voice goes nasal": ("E_63",),
    "voice becomes nasal": ("E_63",),
    "choking on fluids": ("E_65",),
    "choking on food": ("E_65",),
    "bilateral facial weakness": ("E_83",),
    # An ear: a child tugging at it, the clinician's word for its ache.
    "otalgia": _EAR,
    "ear tugging": _EAR,
    "ear pulling": _EAR,
    "ear rubbing": _EAR,
    # A face that feels full, heavy or under pressure (sinusitis).
    "facial fullness": _FACE,
    "facial pressure": _FACE,
    "face feels full": _FACE,
    "face feels heavy": _FACE,
    "face feels blocked": _FACE,
    "face feels blocked and full": _FACE,
    "face feels full and heavy": _FACE,
    "fullness in the face": _FACE,
    "pressure in the face": _FACE,
    "pressure in my face": _FACE,
    "sinus pressure": _FACE,
    # Hives in other words.
    "welts": ("E_129",),
    "wheals": ("E_129",),
    "weals": ("E_129",),
    "nettle rash": ("E_129",),
    # The whoop and post-tussive vomiting, said plainly.
    "whooping noise": ("E_112",),
    "whooping sound": ("E_112",),
    "vomits after coughing": ("E_166",),
    "vomiting after coughing fits": ("E_166",),
    "coughs until he vomits": ("E_166",),
    "coughs until she vomits": ("E_166",),
    "coughs until sick": ("E_166",),
    "cough till she vomits": ("E_166",),
    "cough till he vomits": ("E_166",),
    "coughing until he vomits": ("E_166",),
    "coughing until she vomits": ("E_166",),
    "coughing until sick": ("E_166",),
    "can t stop coughing": ("E_203",),
    "cannot stop coughing": ("E_203",),
    "coughs in a row": ("E_203",),
    "coughing spells": ("E_203",),
    "coughing spell": ("E_203",),
    "coughing attacks": ("E_203",),
    "coughing attack": ("E_203",),
    "coughing paroxysms": ("E_203",),
    "paroxysms of cough": ("E_203",),
    # Aches all over are diffuse muscle pain (myalgia), in a patient's words.
    "aches all over": ("E_144",),
    "ache all over": ("E_144",),
    "achy all over": ("E_144",),
    "aching everywhere": ("E_144",),
    "aches and pains": ("E_144",),
    "every muscle aches": ("E_144",),
    "everything aches": ("E_144",),
    "muscles ache": ("E_144",),
    "every muscle aching": ("E_144",),
    "muscles aching": ("E_144",),
    "aching muscles": ("E_144",),
    # Tiredness that stops everything (prostration), in a patient's words.
    "extreme tiredness": _PROSTRATED,
    "extreme fatigue": _PROSTRATED,
    "extremely tired": _PROSTRATED,
    "wiped out": _PROSTRATED,
    "too tired to": _PROSTRATED,
    "hit by a truck": _PROSTRATED,
    "hit by a bus": _PROSTRATED,
    # A runny nose in a parent's words.
    "snotty nose": _NOSE,
    "snotty": _NOSE,
    # Stridor said with where it is heard.
    "inspiratory stridor at rest": ("E_194",),
    "stridor even at rest": ("E_194",),
    # Smoking said in the present perfect ("has smoked for fifty years") is current smoking.
    "has smoked": ("E_79",),
    "have smoked": ("E_79",),
}

_BOUT = r"(?:fits?|spells?|bouts?|paroxysms?|attacks?|runs?)"

# Rewritten after the shorthand (appended to ``wording.PHRASINGS``): a finding said with a verb,
# an order or a word in between that no fixed phrase lists. Pattern -> replacement.
LAY_PHRASINGS: tuple[tuple[str, str], ...] = (
    # "Fits" that are coughing or sneezing bouts are not seizures: "between (the) fits" of a
    # cough, "coughs in fits", "sneezing fits", "in fits and starts".
    (r"(?i)\bbetween (?:the |these |his |her |coughing |cough )?fits\b", "between episodes"),
    (r"(?i)\bin fits and starts\b", "on and off"),
    (r"(?i)\bcough(?:s|ed|ing)? (?:in|with) fits\b", "coughing fits"),
    (r"(?i)\bsneez\w* (?:fits?|attacks?|bouts?|spells?|episodes?)\b", "sneezing"),
    # "violent bouts of ten to fifteen coughs", "runs of coughs": coughing fits.
    (rf"(?i)\b{_BOUT} of (?:[\w-]+ ){{0,4}}?coughs?\b", "coughing fits"),
    # A breath drawn in noisily after coughing is the whoop ("coughs and coughs ... then
    # gasps in with a loud noise", "takes a long, high-pitched noisy breath in").
    (
        r"(?i)\bcough\w*\b[^.\n]{0,160}?(?:\b(?:breath(?:es|ing)?|gasp(?:s|ing)?|draws?|drawing"
        r"|pulls?|pulling|sucks?|sucking) in\b[^.;\n]{0,40}?\b(?:noise|sound|whoop\w*|crow\w*"
        r"|squeak\w*)\b|\b(?:noisy|whooping|crowing|high[- ]pitched) (?:breath|intake"
        r"|inspiration)\b)",
        "\\g<0> (whoop)",
    ),
    # Vomiting or being sick at the end of a coughing bout, later in the same sentence.
    (
        rf"(?i)\b(?:{_BOUT} of coughing|coughing {_BOUT}|cough(?:s|ing)? (?:and cough\w* )?"
        r"(?:until|till|so hard)\b)[^.\n]{0,200}?\b(?:vomit\w*|(?:is |s |being )?sick after\w*"
        r"|throws? up|threw up|brings? up (?:her |his )?(?:food|feeds?))",
        "\\g<0> (vomiting after coughing)",
    ),
    # A nose whose discharge is thick, yellow or green ("what comes out of my nose is thick
    # and yellow-green", "thick yellow-green discharge from the nose").
    (
        r"(?i)\b(?:thick|yellow|green|yellowy|greeny|greenish|yellowish)(?:[- ](?:and |& )?"
        r"(?:yellow|green|yellowy|greeny|greenish|yellowish|thick))* (?:discharge|mucus|snot"
        r"|stuff|gunk)\b[^.;,\n]{0,20}?\b(?:from|out of|in) (?:the |my |his |her |their )?"
        r"(?:nose|nostrils?)\b",
        "\\g<0> (purulent nasal discharge)",
    ),
    (
        r"(?i)\b(?:nose|nostrils?|blow(?:ing)? out|comes? out|coming out)\b[^.;,\n]{0,30}? is "
        r"(?:thick(?:,| and)? )?(?:yellow|green|yellowy|greeny|greenish|yellowish)(?:[- ]green"
        r"|[- ]yellow)?\b",
        "\\g<0> (purulent nasal discharge)",
    ),
    # Itch said with a verb: "the roof of my mouth itches", "my eyes swell and itch".
    (r"(?i)\beyes\b(?: \w+){0,3}? itch(?:es|ing|y)?\b", "\\g<0> (itchy eyes)"),
    (
        r"(?i)\b(?:roof of (?:my |his |her |the )?mouth|palate)\b(?: \w+){0,2}?"
        r" itch(?:es|ing|y)?\b",
        "itchy palate",
    ),
    # Eyelids that droop or will not stay open, in any tense.
    (
        r"(?i)\b(?:eye ?)?lids? (?:(?:is|are|was|were|has|have|had|been|keeps?|kept|started"
        r"|starts|begins?|began|getting|gets|got|going|goes|went|to|a bit|slightly|really) )"
        r"{0,3}(?:droop\w*|sag\w*|clos(?:e|es|ing) by themselves)\b",
        "drooping eyelid",
    ),
    # A jaw that is stiff, tight or locked, in any tense.
    (
        r"(?i)\bjaw (?:is |was |feels |felt |has gone |went |got |gets |keeps )?(?:really |very "
        r"|so |all )?(?:stiff|tight|locked|clenched|stuck)\b",
        "jaw stiff",
    ),
    # Eyes turned up and held there (an oculogyric crisis).
    (
        r"(?i)\beyes? ['\u2018\u2019]?(?:(?:keep|keeps|kept|are|were|is|intermittently"
        r"|repeatedly|getting|fixed|stuck) ){0,2}(?:rolling|rolled|roll|rolls|stuck|fixed"
        r"|turning|turned|looking|deviated|deviating|going)(?: \w+)? (?:up|upwards?)\b",
        "eyes rolling up",
    ),
    # A small child tugging at a sided ear ("tugging R ear", after R became "right").
    (
        r"(?i)\b(?:pulling|tugging|rubbing|holding) (?:at |on )?(?:his |her |their |the )?"
        r"((?:right|left) ears?)\b",
        r"\1 earache",
    ),
    # Stacked adjectives of a sore throat ("scratchy painful throat", "raw, sore throat").
    (
        r"(?i)\b(?:scratchy|raw|painful|burning|tickly|rough)(?:,? (?:and )?(?:sore|scratchy|raw"
        r"|painful|burning|tickly|rough))+ throat\b",
        "sore throat",
    ),
    # Weakness said of both legs with words between ("weakness climbing from his legs").
    (
        r"(?i)\bweak(?:ness)?\b[^.;,\n]{0,25}?\b(?:both |the |his |her |my |their )?legs\b",
        "\\g<0> (leg weakness)",
    ),
    # Sputum that has turned colour or grown ("what I'm coughing up has gone green").
    (
        r"(?i)\b(?:coughing|cough(?:s|ed)?|bringing|spitting) up\b(?! blood| bits of blood)"
        r"[^.;\n]{0,40}?\b(?:green\w*|yellow\w*|brown\w*|thick|dirty|purulent|more of it)\b",
        "\\g<0> (coloured sputum)",
    ),
    # Waking at night gasping or breathless (paroxysmal nocturnal dyspnoea).
    (
        r"(?i)\b(?:woke|wakes|waking|woken|waken?s?)\b(?: \w+){0,5}? (?:gasping|breathless"
        r"|short of breath|fighting for breath|struggling for breath)\b",
        "\\g<0> (wakes at night breathless)",
    ),
    # A high-pitched noise (squeaking, crowing) is stridor; a high-pitched whoop is not.
    (
        r"(?i)\bhigh[- ]pitched (?!whoop)(?:\w+ )?(?:noise|sound)\b",
        "stridor",
    ),
    # Cancer that is metastatic or active now.
    (r"(?i)\bmetastatic (?:[\w-]+ ){0,2}(?:cancer|carcinoma|malignancy)\b", "metastatic cancer"),
    (
        r"(?i)\b(?:active|current|ongoing|known) (?:[\w-]+ ){0,2}(?:cancer|malignancy)\b",
        "active cancer",
    ),
    # Red or tender nodules on the skin (erythema nodosum).
    (
        r"(?i)\b(?:red|tender|painful|erythematous|raised|violaceous)\b[^.;\n]{0,25}?"
        r"\b(?:nodules|plaques|raised lumps)\b",
        "\\g<0> (skin nodules)",
    ),
    # A swelling above or at the pubic tubercle is in the groin, whatever words stand between.
    (
        r"(?i)\b(?:swelling|lump|bulge|mass)\b(?=[^.;\n]{0,40}?\b(?:above|medial to|over|at)\b"
        r"[^.;\n]{0,20}?\bpubic tubercle\b)",
        "groin lump",
    ),
    # A groin lump or bulge is the knowledge base's lesion in the groin (how its inguinal
    # hernia rows are written), not a swelling elsewhere; notes drop the preposition ("lump
    # R groin").
    (
        r"(?i)(?<!no )(?<!without )\b(?:lump|bulge|swelling|mass|hernia)s? (?:(?:in|on|at|over) "
        r"(?:the |my |his |her |their )?)?((?:right |left )?)(?:groin|inguinal (?:region|area))\b",
        r"skin lesions on the \1groin",
    ),
    (
        r"(?i)(?<!no )(?<!without )\b((?:right |left )?)(?:groin|inguinal) "
        r"(?:lump|bulge|swelling|mass)\b",
        r"skin lesions on the \1groin",
    ),
    # A lump that grows or pops out on coughing, straining or lifting.
    (
        r"(?i)\b(?:gets?|getting|got|becomes?|goes|grows?) (?:bigger|larger)\b[^.;\n]{0,40}?"
        r"\b(?:cough\w*|strain\w*|lift\w*)\b|\b(?:pops?|comes?|sticks?|bulges?) out\b[^.;\n]"
        r"{0,30}?\b(?:cough\w*|strain\w*|lift\w*)\b",
        "worse on straining",
    ),
    # A belly or chest sucking in under the ribs with each breath is recession.
    (
        r"(?i)\b(?:tummy|belly|stomach|chest|skin|ribs)\b[^.;,\n]{0,20}?\bsuck(?:s|ing|ed)? in\b",
        "\\g<0> (recession)",
    ),
    # Sweat that soaks the sheets; clothes that have grown loose (weight loss).
    (
        r"(?i)\b(?:soak\w*|drench\w*)\b[^.;,\n]{0,25}?\b(?:sheets|bedclothes|pyjamas|sweat\w*)\b",
        "\\g<0> (night sweats)",
    ),
    (
        r"(?i)\b(?:clothes|trousers|jeans|belt|dress(?:es)?)\b[^.;,\n]{0,20}?\b(?:loose|looser"
        r"|falling off|hanging off)\b",
        "\\g<0> (weight loss)",
    ),
    # "(almost) no sense of smell" states its loss, it denies nothing.
    (r"(?i)\b(?:almost |nearly |virtually )?(?:no|zero) sense of smell\b", "anosmia"),
    # A swelling that can be pushed back is a hernia's lump, not an oedema.
    (r"(?i)\breducible (?:swelling|lump|bulge|mass)\b", "reducible lump"),
)
