"""More decisive signs (:mod:`panels.offline.decisive`): combinations of findings that a
function reads, each stated and not denied, that together point to one of the 49 conditions
and that DDXPlus has no evidence for (a measured blood pressure, an anaesthetic's end, a
troponin with normal coronaries, a drug's or a lymph-node clearance's oedema). Each reader
takes the text and the denial test (``decisive.denied``) and returns the words it read, or
None. Pure: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Whether a text's words from a start to an end are denied (``decisive.denied``).
Denial = Callable[[str, int, int], bool]
Reader = Callable[[str, Denial], str | None]


# What silences an exclusion, a diagnosis that would explain a sign's findings otherwise: a
# plain negation ("no heart failure", "DVT excluded", "BNP normal", "didn't fall"), or its
# being a relative's. A hedge ("?DVT", "possible sepsis", "to exclude a PE", "Doppler
# pending") leaves that diagnosis open, so it still excludes the sign.
_NEGATED_BEFORE = re.compile(
    r"(?i)\b(?:no|not|nil|without|negative for|absent|denies|denied|free of|never|didn'?t"
    r"|did not|no (?:\w+ )?evidence (?:of|for))\b[^.;,:\n?]{0,12}$"
)
_NEGATED_AFTER = re.compile(
    r"(?i)^[^.;,\n?]{0,12}?(?:\b(?:absent|negative|neg|none|normal)\b"
    # "DVT excluded", not "DVT not excluded" or "a PE cannot be ruled out".
    r"|(?<!not )(?<!be )(?<!been )\b(?:ruled out|excluded)\b"
    r"|\bnot\b(?! (?:yet )?(?:be )?(?:excluded|ruled out))(?!\w))"
)


def negated(text: str, start: int, end: int) -> bool:
    """Whether the words of ``text`` from ``start`` to ``end`` are plainly negated."""
    return bool(
        _NEGATED_BEFORE.search(text[max(0, start - 24) : start])
        or _NEGATED_AFTER.search(text[end : end + 40])
    )


def excluded(text: str, *patterns: re.Pattern[str]) -> bool:
    """Whether ``text`` names the words of any of ``patterns`` (another diagnosis, another
    cause) other than plainly negated: hedged or suspected, it still excludes a sign."""
    return any(
        not negated(text, m.start(), m.end()) for words in patterns for m in words.finditer(text)
    )


def all_stated(text: str, denied: Denial, *patterns: re.Pattern[str]) -> str | None:
    """The words of each of ``patterns`` as ``text`` first states them undenied, quoted
    together; None when one of them is not stated (a sign that needs them all)."""
    found = [
        next((m for m in words.finditer(text) if not denied(text, m.start(), m.end())), None)
        for words in patterns
    ]
    return "', '".join(m.group(0) for m in found if m) if all(found) else None


def all_of(*needed: re.Pattern[str], unless: tuple[re.Pattern[str], ...] = ()) -> Reader:
    """A reader of a sign that needs each of ``needed`` stated and not denied, and none of
    ``unless`` (what explains its findings otherwise) named other than plainly negated."""

    def read(text: str, denied: Denial) -> str | None:
        if unless and excluded(text, *unless):
            return None
        return all_stated(text, denied, *needed)

    return read


COUGH = re.compile(r"(?i)\bcough\w*")

# Urticaria or angioedema: the skin and mucosa of an allergic reaction.
_URTICARIA = re.compile(
    r"(?i)\b(?:urticari\w*|hives|welts|wheals|angio-?o?edema"
    r"|(?:lips?|tongue)\b[^.;\n]{0,20}\b(?:swell\w*|swollen)"
    r"|(?:swell\w*|swollen) (?:\w+ ){0,2}(?:lips?|tongue))\b"
)
# A measured blood pressure ("BP 78/40", "blood pressure falls from 128/80 to 70/40").
_BLOOD_PRESSURE = re.compile(
    r"(?i)\b(?:BP|blood pressure)\b[^.;\n]{0,30}?\b(\d{2,3}) ?/ ?(\d{2,3})\b(?! ?mg)"
    r"(?:[^.;\n]{0,6}?\bto (\d{2,3}) ?/ ?(\d{2,3})\b)?"
)
# A low pressure named, or its end-organ signs (WAO: a collapse, a hypotonia, a syncope).
_HYPOTENSIVE = re.compile(r"(?i)\bhypotensi\w*")
_COLLAPSE = re.compile(
    r"(?i)\bcollaps\w*|\b(?:went|go|gone|became) floppy\b|\bsyncop\w*"
    r"|\b(?:fainted|passed out|lost consciousness)\b"
)
# A likely allergen (WAO's second criterion: after an exposure): a faint or a collapse beside
# hives with none stated is as often a vasovagal's, a drug's or a heart's.
_ALLERGEN = re.compile(
    r"(?i)\b(?:stings?|stung|bites?|bitten|wasps?|bees?|hornets?|peanuts?|nuts?|cashews?"
    r"|almonds?|walnuts?|hazelnuts?|pistachios?|sesame|shellfish|prawns?|shrimps?|crab|lobster"
    r"|eggs?|milk|dairy|wheat|soya?|kiwi|latex|penicillin\w*|amoxicillin|co-amoxiclav"
    r"|antibiotics?|cephalosporins?|contrast|injection|infusion|IV|vaccin\w*|jab|aspirin"
    r"|ibuprofen|NSAIDs?|ana?esthetic|ate|eating|eaten|meal|food|allerg\w*)\b"
)
# A systolic pressure below this is hypotension (World Allergy Organization: under 90 mmHg
# in an adult).
HYPOTENSION_SYSTOLIC = 90
# The flushing and urticaria of histamine in spoiled fish: a scombroid poisoning's.
# A feverish child's hives and faint are an infection's (a viral rash, a febrile fit).
_FEVERISH = re.compile(r"(?i)\b(?:fever\w*|febrile|pyrexi\w*|temperature of)\b")
_FISH = re.compile(r"(?i)\b(?:fish|tuna|mackerel|sardines?|mahi|scombr\w*)\b")
# Another shock or faint beside an urticaria or a swelling: a sepsis's, a transfusion's, a
# vasovagal's, a dehydration's, a heart block's, a hypoglycaemia's; and the angioedema that is
# no allergy's (hereditary, an ACE inhibitor's) or a chronic urticaria's.
_OTHER_SHOCK = re.compile(
    r"(?i)\b(?:seps[ie]s|septic\w*|transfus\w*|vasovagal|needles?|venepuncture|on standing"
    r"|dehydrat\w*|diarrho?ea|heart block|brady\w*|hypoglyc\w*|long lie|hereditary"
    r"|C1(?: esterase)?(?: inhibitor)?|ACE[- ]?i\w*|\w+pril|chronic (?:\w+ )?urticaria"
    # A situational faint (straining on the toilet), a bleed's shock, an adrenal crisis, a
    # mastocytosis.
    r"|strain\w*|toilet|micturition|mela?ena|ha?ematemesis|bleed\w*|ha?emorrhag\w*"
    r"|adrenal|Addison\w*|mastocytosis|urticaria pigmentosa|vancomycin|red man"
    # A heart's collapse (an infarction), a stimulant's heat, a pregnancy's supine fall in
    # pressure beside its own itchy papules.
    r"|ST elevation|STEMI|MI|infarct\w*|ecstasy|MDMA|cocaine|pregnan\w*|PUPPP|supine)\b"
)


def _low_pressure(text: str, denied: Denial) -> str | None:
    for match in _BLOOD_PRESSURE.finditer(text):
        systolic = int(match.group(3) or match.group(1))
        if systolic < HYPOTENSION_SYSTOLIC:
            return match.group(0)
    allergen = all_stated(text, denied, _ALLERGEN) is not None
    words = (_HYPOTENSIVE, _COLLAPSE) if allergen else (_HYPOTENSIVE,)
    word = next(
        (
            m
            for pattern in words
            for m in pattern.finditer(text)
            if not denied(text, m.start(), m.end())
        ),
        None,
    )
    return word.group(0) if word else None


def _anaphylaxis(text: str, denied: Denial) -> str | None:
    """Urticaria or angioedema with a hypotension (measured, or its collapse), each stated
    and not denied: the World Allergy Organization's criterion of anaphylaxis (a
    questionnaire measures no blood pressure). Not with spoiled fish (a scombroid
    poisoning's histamine) or a fever."""
    if _FISH.search(text) or excluded(text, _FEVERISH, _OTHER_SHOCK):
        return None
    skin = next(
        (m for m in _URTICARIA.finditer(text) if not denied(text, m.start(), m.end())), None
    )
    low = _low_pressure(text, denied) if skin else None
    return f"{skin.group(0)}', '{low}" if skin and low else None


# Laryngospasm at an anaesthetic's end: the airway shut (a stridor or no air moving) as the
# tube or airway device comes out or the child wakes in recovery.
_ANAESTHETIC_END = re.compile(
    r"(?i)\b(?:extubat\w*|emergence|emerging|recovery (?:room|bay|area)|in recovery|PACU"
    r"|airway device\b[^.;\n]{0,20}\bremoved|LMA\b[^.;\n]{0,20}\bremoved"
    r"|laryngeal mask\b[^.;\n]{0,20}\bremoved)"
)
_AIRWAY_SHUT = re.compile(
    r"(?i)\b(?:stridor|crowing|high[- ]pitched (?:\w+ ){0,2}(?:noise|sound|squeak\w*)"
    r"|no air (?:movement|moved|entry)|no air at all|(?:complete|total) (?:upper )?airway "
    r"obstruction|unable to (?:mask[- ])?ventilate|laryngospasm)\b"
)
# A wheeze or a rash under anaesthesia is a bronchospasm's or an anaphylaxis's; a stridor after
# days on a ventilator is a laryngeal oedema's, and after neck surgery a nerve palsy's or a
# haematoma's.
_NOT_LARYNGOSPASM = re.compile(
    r"(?i)\b(?:wheez\w*|urticari\w*|hives|rash|angio-?o?edema|bronchospasm)"
)
_AFTER_VENTILATION = re.compile(
    r"(?i)\b(?:ICU|intensive care|ventilated for|intubated for|thyroidectomy|parathyroid\w*"
    r"|neck (?:ha?ematoma|swelling)|vocal (?:cord|fold) (?:palsy|paralysis))\b"
)
# A stridor of another obstruction: a foreign body, an airway's oedema or swelling (a hoarse
# voice), a bleed or clot after tonsillectomy, an epiglottitis's fever and drooling.
_OTHER_OBSTRUCTION = re.compile(
    r"(?i)\b(?:foreign body|choked|chok\w+ on|bronchoscop\w*|hoarse\w*|o?edema\w*|swell\w*"
    r"|swollen|ha?ematoma|blood (?:in|from) the (?:mouth|airway|throat)|bleed\w*|clots?"
    r"|tonsillectomy|epiglott\w*|drool\w*"
    # A tongue fallen back in a drowsy patient (a snore); a vocal cords' palsy of a
    # Parkinson's or a multiple system atrophy.
    r"|snor\w*|tongue|Parkinson\w*|multiple system atrophy|MSA|recurrent laryngeal"
    r"|nerve (?:injury|palsy|damage)|sleep apno?ea|OSA|aspirated (?:a |the )?(?:tooth|object)"
    r"|tooth missing"
    r"|fever\w*|febrile)"
)


def _laryngospasm(text: str, denied: Denial) -> str | None:
    """A shut airway (a stridor, a crowing, no air moving) at an anaesthetic's end, as the
    airway comes out or the patient wakes, without a wheeze or a rash and not after days on
    a ventilator or neck surgery: the laryngospasm of emergence (DDXPlus asks of no
    anaesthetic)."""
    if _AFTER_VENTILATION.search(text):
        return None
    if excluded(text, _NOT_LARYNGOSPASM, _OTHER_OBSTRUCTION):
        return None
    return all_stated(text, denied, _ANAESTHETIC_END, _AIRWAY_SHUT)


# A swelling of a limb with its local cause stated: a dihydropyridine calcium-channel blocker's
# ankle oedema, a lymphoedema after lymph nodes were taken out, an insect sting's swelling.
_SWELLING = re.compile(r"(?i)(?<!angio-)(?<!angio)\b(?:o?edema\w*|swell\w*|swollen|puffy|pitting)")
_LOCAL_CAUSE = re.compile(
    r"(?i)\b(?:amlodipine|nifedipine|felodipine|lercanidipine|lacidipine|nicardipine"
    r"|lympho?edema|lymph (?:glands|nodes)\b[^.;\n]{0,30}\b(?:out|removed)\b"
    r"|(?:axillary|inguinal|lymph node) (?:node )?(?:clearance|dissection)"
    r"|stung|(?:bee|wasp|insect) (?:sting|bite)s?)\b"
)
# A heart's, a kidney's, a liver's or a pregnancy's oedema; a clot's or an infection's swollen
# leg; an allergy's swelling.
_SYSTEMIC_OR_INFLAMED = re.compile(
    r"(?i)\b(?:breathless\w*|short of breath|SOB|dyspno?\w*|orthopno\w*|PND|crackles|creps"
    r"|(?:raised|elevated) JVP|JVP (?:is )?(?:raised|elevated)|proteinuria|nephrotic|cirrho\w*"
    r"|ascites|pregnan\w*|red|redness|erythema\w*|warm\w*|hot|(?<!non-)(?<!non)tender\w*"
    r"|fever\w*|febrile|DVT|calf pain|urticari\w*|hives|wheez\w*"
    # A failing heart, kidney or liver named; a clot after surgery or immobility; a cancer's
    # mass pressing on a vein; a sting's swelling of the airway or a low pressure.
    r"|heart failure|CCF|LVF|EF (?:[1-3]\d|4[0-4]) ?%|(?:raised|elevated|high) (?:BNP|creatinine)"
    r"|BNP (?:of )?\d,?\d{3}|furosemide|frusemide|diuretics?|low albumin|hypoalbumin\w*"
    r"|liver disease|renal failure|kidney failure|dialysis|fluid overload\w*|overloaded"
    r"|thrombos[ie]s|thrombus|Doppler|immobil\w*|post-?op\w*|(?:knee|hip) (?:surgery|replacement)"
    r"|recurren\w*|mass|compress\w*|throat|hoarse\w*|tongue|lips?|stridor|BP \d{2}/\d+"
    # A thyroid's myxoedema; a Baker's cyst, an injury's bruise or haematoma.
    r"|hypothyroid\w*|myxo?edema|TSH|Baker'?s|cysts?|ruptured|fall|fell|bruis\w*"
    r"|ha?ematoma|injur\w*|sprain\w*|varicose|venous|ulcers?)\b"
)


def _localized_edema(text: str, denied: Denial) -> str | None:
    """A swelling with its local cause stated (a calcium-channel blocker, a lymph-node
    clearance, an insect sting), with no sign of a heart's, kidney's, liver's or pregnancy's
    oedema, of a clot or an infection (redness, warmth, tenderness, fever) or of an allergy:
    the localized oedema DDXPlus asks of, with the cause it does not ask of."""
    if excluded(text, _SYSTEMIC_OR_INFLAMED):
        return None
    return all_stated(text, denied, _SWELLING, _LOCAL_CAUSE)


# A myocarditis: a raised troponin with normal coronary arteries and a globally (not
# regionally) impaired left ventricle.
_TROPONIN_RAISED = re.compile(
    r"(?i)\b(?:troponin|trop|hs-?trop\w*|hs-?Tn[IT]|Tn[IT])\b"
    r"(?![^.;\n]{0,20}\b(?:not|no|normal|negative|neg)\b)[^.;\n]{0,20}?"
    r"(?:\b(?:raised|elevated|high|positive|rising)\b|\b\d,?\d{3}\b|\b[1-9]\d{2}\b)"
)
_NORMAL_CORONARIES = re.compile(
    r"(?i)\b(?:coronar\w*|angiogra\w*)\b[^.;\n]{0,30}?\b(?:normal|unobstructed|unremarkable"
    r"|no (?:significant )?(?:stenos\w*|disease|obstruct\w*|lesions?))\b"
    r"|\b(?:normal|unobstructed|smooth) (?:epicardial )?coronar\w*"
)
_GLOBAL_LV = re.compile(
    r"(?i)\bglobal(?:ly)? (?:\w+ ){0,3}(?:hypokines\w*|dysfunction|impair\w*|reduced)\b"
)
# A takotsubo's regional ballooning after a shock, a Chagas heart's apical aneurysm, a septic
# heart's depression.
_OTHER_MYOCARDIUM = re.compile(
    r"(?i)\b(?:takotsubo|ballooning|apical aneurysm|seps[ie]s|septic|cocaine|amphetamine\w*)"
)
# An infarction without obstruction (MINOCA), an amyloid's thick walls, an alcohol's or a
# dilated cardiomyopathy, a seizure's, a cardioversion's, a phaeochromocytoma's or a
# subarachnoid bleed's strained heart, each stated and not denied ("no infarct on MRI" is a
# myocarditis's).
_OTHER_CARDIOMYOPATHY = re.compile(
    r"(?i)\b(?:MINOCA|infarct\w*|amyloid\w*|thick\w* walls?|low voltage|alcohol\w*"
    r"|dilated cardiomyopathy|DCM|seizures?|cardiover\w*|DC shock|pha?eochromocytoma"
    r"|subarachnoid|SAH|CKD|chronic kidney|dialysis|aortic stenosis|hypertrophic)"
)


def _myocarditis(text: str, denied: Denial) -> str | None:
    """A raised troponin with normal coronary arteries and a globally impaired left
    ventricle, each stated and not denied, and no takotsubo, Chagas aneurysm, sepsis or
    stimulant named: a myocarditis's injury without an infarction's culprit artery (DDXPlus
    measures no troponin and images no heart)."""
    if _OTHER_MYOCARDIUM.search(text) or excluded(text, _OTHER_CARDIOMYOPATHY):
        return None
    return all_stated(text, denied, _TROPONIN_RAISED, _NORMAL_CORONARIES, _GLOBAL_LV)


# A cough fracture of a fragile rib: thin bones, a cough and one tender spot on the chest wall,
# without a fall or a blow.
_FRAGILE_BONES = re.compile(
    r"(?i)\b(?:osteopor\w*|osteopeni\w*|(?:thin|brittle|weak) bones|alendron\w*"
    r"|bisphosphonates?|risedronate|zoledron\w*|denosumab|(?:long[- ]term )?steroids?"
    r"|prednisolone)\b"
)
_POINT_TENDER = re.compile(
    r"(?i)\b(?:point|focal|locali[sz]ed) tenderness\b"
    r"|\btender (?:over|on) (?:a|the|one) (?:\w+ )?rib"
    r"|\b(?:sore|tender|hurts|painful)\b[^.;\n]{0,15}\b(?:if|when) (?:I|you|he|she) "
    r"(?:press|push|touch)\w*|\bput (?:my|a|her|his) finger (?:right )?on it\b"
)
_INJURY = re.compile(
    r"(?i)\b(?:fall|fell|fallen|trauma\w*|injur\w*|accident|blow|hit|bump\w*|RTC|tackled?"
    r"|assault\w*|kicked)\b"
)
# A pneumonia's cough and pain: a fever or crackles.
_CHEST_INFECTION = re.compile(r"(?i)\b(?:fever\w*|febrile|crackles|creps|consolidation|pyrexi\w*)")
# A cancer's rib (myeloma, a metastasis: a pathological fracture), a collapsed lung, a
# costochondritis or a shingles: the other tender chest walls after a cough.
_OTHER_CHEST_WALL = re.compile(
    r"(?i)\b(?:myeloma|metasta\w*|lytic|cancer|carcinoma|malignan\w*|tumou?rs?|pneumothora\w*"
    r"|costochondr\w*|Tietze\w*|shingles|zoster|vesicles?"
    # A CPR's sternum, an aortic dissection, a splenic rupture, an embolism's pleurisy, an
    # asthma's attack.
    r"|CPR|resuscitat\w*|stern\w*|dissect\w*|splen\w*|embol\w*|CTPA|wheez\w*|peak flow"
    r"|breast|lumps?|abscess\w*)"
)


def _rib_fracture(text: str, denied: Denial) -> str | None:
    """Fragile bones (osteoporosis, a bisphosphonate, long-term steroids), a cough and one
    tender spot on the chest wall, each stated and not denied, without a fall or blow stated
    (a traumatic fracture is no spontaneous one) and without a fever or crackles (a
    pneumonia's pleurisy): the cough fracture of an osteoporotic rib."""
    if excluded(text, _INJURY, _CHEST_INFECTION, _OTHER_CHEST_WALL):
        return None
    return all_stated(text, denied, _FRAGILE_BONES, COUGH, _POINT_TENDER)


# A groin lump's reducibility and cough impulse in lay words: it goes away lying down, it can
# be pushed back in, it comes out or grows on coughing or straining.
_GROIN = re.compile(r"(?i)\b(?:groin|inguinal)\b")
_REDUCES = re.compile(
    r"(?i)\b(?:goes|went|going) (?:away|down|back(?: in)?)\b[^.;\n]{0,10}\bwhen (?:I|he|she|you)"
    r" (?:lie|lay|lies|am lying|is lying)\b|\bdisappears? (?:\w+ ){0,2}when (?:I|he|she|you)"
    r" (?:lie|lay|lies)\b|\b(?:push|pushes|pop|pops|press|presses) (?:it|the lump|the swelling)"
    r" back in\b|\b(?:bigger|larger|comes out|pops out|sticks out)\b[^.;\n]{0,25}\bwhen (?:I|he"
    r"|she|you) (?:cough|strain|lift|stand)\w*"
)
# A saphena varix also empties lying down; the other hernias are not inguinal.
_NOT_INGUINAL = re.compile(
    r"(?i)\b(?:umbilic\w*|belly ?button|navel|incisional|femoral|paraumbilical|epigastric"
    r"|varicose|varix|varicocele|bag of worms)\b"
)
# A groin's other lumps: a lymph node, an abscess, an aneurysm (pulsatile), a hydrocele, an
# undescended testis.
_OTHER_GROIN_LUMP = re.compile(
    r"(?i)\b(?:lymph\w*|nodes?|glands?|abscess\w*|pulsat\w*|aneurysms?|hydrocele"
    r"|transillumin\w*|undescended|retractile|ectopic testis|torsion|lipoma|cysts?|cellulitis)\b"
)


def _inguinal_hernia(text: str, denied: Denial) -> str | None:
    """A groin lump that goes away lying down, can be pushed back in, or comes out on a
    cough or strain, in the patient's words (the reducible swelling with a cough impulse of
    ``SIGNS``), with no other hernia or a saphena varix named."""
    if _NOT_INGUINAL.search(text) or excluded(text, _OTHER_GROIN_LUMP):
        return None
    return all_stated(text, denied, _GROIN, _REDUCES)


# A cardiogenic pulmonary oedema: three of Framingham's major criteria of a failing heart
# at the bedside, crackles in both lungs, a raised JVP or a third heart sound, and a
# breathlessness lying flat, each stated and not denied; not with a fever, a consolidation, a
# COPD or a raised troponin (``_NOT_OEDEMA``, ``_TROPONIN_RAISED``).
_BOTH_LUNGS_CRACKLE = re.compile(
    r"(?i)\b(?:bilateral|bibasal|bibasilar|diffuse|widespread|both)\b[^.;\n]{0,30}"
    r"\b(?:crackles|creps|crepitations|rales)\b|\b(?:crackles|creps|crepitations|rales)\b"
    r"[^.;\n]{0,30}\b(?:bilaterally|both (?:lung )?(?:bases|sides|lungs|apices)|mid[- ]zones)"
)
_HEART_FILLING = re.compile(
    r"(?i)\b(?:raised|elevated) JVP\b|\bJVP (?:is )?(?:raised|elevated|up)\b|\bS3\b"
    r"|\bthird heart sound\b|\bgallop\b"
)
_LYING_FLAT = re.compile(
    r"(?i)\borthopno\w*|\bPND\b|\bbolt upright\b|\b(?:can'?t|cannot|unable to) lie flat\b"
)
# A pneumonia's fever, an infarction's or a myocarditis's troponin, a COPD's lungs.
_NOT_OEDEMA = re.compile(
    r"(?i)\b(?:fever\w*|febrile|pyrexi\w*|consolidation|COPD"
    # A pneumonia's sputum; a kidney's fluid overload; a lung fibrosis; an embolism's or a
    # tamponade's right heart; a transfusion's overload; an infarction's failing heart.
    r"|pneumonia|purulent|green sputum|CRP|dialysis"
    r"|nephrotic|fluid overload\w*|overloaded|fibrosis|cor pulmonale|embol\w*|CTPA"
    r"|tamponade|pulsus paradoxus|transfus\w*|TACO|STEMI|ST elevation|infarct\w*"
    # A chest infection's sputum and temperature; an ARDS, a sepsis's fluids, an eclampsia.
    r"|chest infection|(?:yellow|rusty) sputum|productive cough|temp\w* (?:of )?3[89]\S*"
    r"|T 3[89]\S*|ARDS|seps[ie]s|septic|pre-?eclamp\w*|eclamp\w*"
    # A kidney's acute failure, a cancer's lymphangitis or vena cava.
    r"|AKI|acute kidney injury|anuri\w*|oliguri\w*|cancer|carcinoma|lymphangitis|SVC)\b"
)


# Ebola by the WHO's suspected-case definition: a fever after an exposure to the virus (a
# case or its body, care in an outbreak's treatment unit, a glove tear or needlestick there),
# with the illness that follows (vomiting, diarrhoea, bleeding, aching muscles, a severe
# headache). Not when another cause is found or named (malaria on a film, dengue, Lassa).
_EBOLA_EXPOSURE = re.compile(
    r"(?i)\b(?:(?:contact|cared for|nursed|treated)\b[^.;\n]{0,30}\b(?:ebola|ha?emorrhagic fever)"
    r"|(?:ebola|ha?emorrhagic fever|outbreak)\b[^.;\n]{0,40}\b(?:treatment|isolation) "
    r"(?:cent(?:re|er)|unit|ward)|(?:treatment|isolation) (?:cent(?:re|er)|unit|ward)\b"
    r"[^.;\n]{0,60}\b(?:ebola|ha?emorrhagic fever|outbreak)"
    r"|(?:wash\w*|prepar\w*|touch\w*) (?:the |his |her |a )?(?:body|bodies|corpse)"
    r"|funeral\b[^.;\n]{0,60}\b(?:died|death)\b[^.;\n]{0,40}\b(?:bleed\w*|ha?emorrhag\w*))"
)
_EBOLA_ILLNESS = re.compile(
    r"(?i)\b(?:vomit\w*|diarrho?ea|bleed\w*|oozing|bruis\w*|myalgia|muscle (?:aches?|pains?)"
    r"|severe headache|hiccups?)\b"
)
_NOT_EBOLA = re.compile(
    r"(?i)\b(?:plasmodium|falciparum|parasit\w*|malaria (?:film|smear|RDT|test)s? "
    r"(?:is |was )?positive|dengue|NS1|Lassa|yellow fever|typhoid|rickettsi\w*)\b"
)


MORE: tuple[tuple[str, str, Reader], ...] = (
    (
        "Anaphylaxis",
        "urticaria or angioedema with a low blood pressure or a collapse",
        _anaphylaxis,
    ),
    ("Larygospasm", "a shut airway at an anaesthetic's end", _laryngospasm),
    ("Localized edema", "a swelling with its local cause", _localized_edema),
    (
        "Myocarditis",
        "a raised troponin with normal coronary arteries and a globally impaired ventricle",
        _myocarditis,
    ),
    (
        "Spontaneous rib fracture",
        "a tender spot on the chest wall after a cough in fragile bones",
        _rib_fracture,
    ),
    (
        "Inguinal hernia",
        "a groin lump that goes away lying down or comes out on a cough",
        _inguinal_hernia,
    ),
    (
        "Acute pulmonary edema",
        "crackles in both lungs, a raised JVP or third heart sound and orthopnoea",
        all_of(
            _BOTH_LUNGS_CRACKLE,
            _HEART_FILLING,
            _LYING_FLAT,
            unless=(_NOT_OEDEMA, _TROPONIN_RAISED),
        ),
    ),
    (
        "Ebola",
        "a fever and its illness after an exposure to Ebola",
        all_of(_EBOLA_EXPOSURE, _FEVERISH, _EBOLA_ILLNESS, unless=(_NOT_EBOLA,)),
    ),
)
