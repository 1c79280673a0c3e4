"""Decisive signs: examination and test findings DDXPlus has no evidence for, read from a note
and weighed by the finding members. Invented notes (not from any evaluation set)."""

from __future__ import annotations

import pytest

from panels.offline import decisive, knowledge
from panels.offline.member import default_members
from panels.offline.scope import Ranking

PNEUMOTHORAX = (
    "21M tall and thin, smoker, sudden sharp L sided chest pain and SOB while at his desk "
    "1 h ago, worse on deep breath. HR 102, RR 22, SpO2 95% RA. Reduced breath sounds and "
    "hyperresonant to percussion on the L. Trachea central."
)
WITHOUT_THE_SIGN = PNEUMOTHORAX.replace(
    "Reduced breath sounds and hyperresonant to percussion on the L. ", ""
)


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("Percussion note hyperresonant on the right.", "Spontaneous pneumothorax"),
        (
            "CXR: visible visceral pleural line, no lung markings beyond.",
            "Spontaneous pneumothorax",
        ),
        ("CXR bilateral hilar lymphadenopathy.", "Sarcoidosis"),
        ("Serum ACE raised at 92.", "Sarcoidosis"),
        ("Soft reducible R groin lump with a cough impulse.", "Inguinal hernia"),
        ("Otoscopy: L TM red and bulging.", "Acute otitis media"),
        ("Pericardial friction rub at the L sternal edge.", "Pericarditis"),
        ("ECG widespread ST elevation with PR depression.", "Pericarditis"),
        ("CXR: Kerley B lines and upper lobe diversion.", "Acute pulmonary edema"),
        ("Pulse irregularly irregular at 130.", "Atrial fibrillation"),
        ("ECG regular narrow-complex tachycardia at 190.", "PSVT"),
        ("Adenosine 6 mg terminated the tachycardia.", "PSVT"),
        ("Anti-dsDNA strongly positive, low C3.", "SLE"),
        ("Acetylcholine receptor antibodies positive.", "Myasthenia gravis"),
        ("CT shows pneumomediastinum.", "Boerhaave"),
        ("ECG sinus tachycardia with S1Q3T3.", "Pulmonary embolism"),
        ("HRCT: dilated bronchi with tram-track lines.", "Bronchiectasis"),
        ("CXR: R upper lobe cavitating lesion.", "Tuberculosis"),
        ("Sputum smear: acid-fast bacilli seen.", "Tuberculosis"),
        ("Lateral neck X-ray: thumb sign.", "Epiglottitis"),
        ("Hb 74 g/L, MCV 66.", "Anemia"),
        ("4mo F, 3d coryza then cough, RR 64. Fine crackles and wheeze.", "Bronchiolitis"),
        ("7-month-old, snuffly nose, cough, wheezy.", "Bronchiolitis"),
        ("Supine film: deep sulcus sign on the L.", "Spontaneous pneumothorax"),
        ("Violaceous plaques on the nose: lupus pernio.", "Sarcoidosis"),
        ("Repetitive nerve stimulation: 15% decrement.", "Myasthenia gravis"),
        ("Jaundiced with a palpable gallbladder (Courvoisier).", "Pancreatic neoplasm"),
        ("CXR: R hilar mass.", "Pulmonary neoplasm"),
        ("Biopsy: caseating granulomas.", "Tuberculosis"),
        ("Ebola RT-PCR positive.", "Ebola"),
        ("HIV p24 antigen positive, antibody negative.", "HIV (initial infection)"),
        ("ECG: narrow complex regular tachycardia, rate 180.", "PSVT"),
        ("Westley score 3.", "Croup"),
        ("Swab positive for influenza B.", "Influenza"),
        ("CXR: R middle lobe dense opacity.", "Pneumonia"),
        ("Echo: McConnell's sign.", "Pulmonary embolism"),
        ("Absent knee and ankle reflexes.", "Guillain-Barré syndrome"),
        ("ECG: RBBB with left anterior fascicular block.", "Chagas"),
        ("Echo: LV apical aneurysm, EF 35%.", "Chagas"),
        ("CXR: R lower lobe consolidation.", "Pneumonia"),
        ("LP: CSF protein raised at 1.8 g/L with a normal cell count.", "Guillain-Barré syndrome"),
        ("Cardiac MRI: subepicardial late gadolinium enhancement.", "Myocarditis"),
        ("CT: 3 cm spiculated mass in the L upper lobe.", "Pulmonary neoplasm"),
        ("CT: mass in the head of the pancreas.", "Pancreatic neoplasm"),
        ("OGD: LA grade B reflux oesophagitis.", "GERD"),
        ("Mast cell tryptase elevated at 1 h.", "Anaphylaxis"),
        ("Influenza A PCR positive.", "Influenza"),
        ("Pertussis PCR on a nasal swab positive.", "Whooping cough"),
        ("Nasopharyngeal aspirate RSV positive.", "Bronchiolitis"),
        ("Skin-prick test strongly positive to grass pollen.", "Allergic sinusitis"),
        ("Quantiferon positive.", "Tuberculosis"),
        # A cavity makes the consolidation a tuberculosis's sign, not a pneumonia's.
        ("CXR: upper lobe consolidation with cavitation.", "Tuberculosis"),
        ("Haemoglobin 8.2 g/dL.", "Anemia"),
        ("Hb 81, ferritin 3.", "Anemia"),  # unitless above 25: g/L
    ],
)
def test_a_stated_sign_is_read_with_its_words(text: str, condition: str) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == [condition]
    # The text's own words, each of them where a sign is a combination ("'4mo', 'coryza'").
    assert all(words and words in text for words in signs[0].quoted.split("', '"))


@pytest.mark.parametrize(
    "text",
    [
        "Percussion resonant, no hyperresonance.",
        "No hilar lymphadenopathy.",
        "Anti-dsDNA negative.",
        "Sputum sent for AFB.",
        "No pericardial rub.",
        "Tender irreducible swelling in the groin.",
        "Reducible umbilical hernia, cough impulse present.",  # not an inguinal one
        "Hb 128 g/L.",
        "Haemoglobin 13.1 g/dL.",
        "Vomited coffee grounds, black tarry stools. Hb 78 g/L.",  # a bleed's low Hb
        "Hb 84 g/L, MCV 70. Colonoscopy: caecal carcinoma.",  # the cancer's anaemia
        "Ear drums normal. Chest clear.",
        "CXR: no consolidation.",
        "Influenza swab negative.",
        "RSV negative.",
        "CXR: thick-walled cavity with an air-fluid level.",  # an abscess
        "Pleural friction rub at the R base.",  # a pleural rub: not a pericarditis's
        "CSF: protein raised, 900 white cells, low glucose.",  # a meningitis's CSF
        "Cardiac MRI: subendocardial LGE in the LAD territory.",  # an infarction's scar
        "Mammogram: spiculated mass in the L breast.",
        "CT abdomen: filling defect in the bladder.",
        "ANA positive 1:640.",  # many autoimmune diseases, not SLE alone
        "RAST positive to peanut.",  # a food allergy
        "Ankle reflexes reduced.",
        "Ebola PCR negative.",
        "4 month old with a cold and a cough. No wheeze, no crackles.",
        "2yo coryza, cough and wheeze.",  # not an infant
    ],
)
def test_a_denied_absent_or_explained_sign_is_not_read(text: str) -> None:
    assert decisive.stated(text) == ()


def _ranking(kb: knowledge.KnowledgeBase, scored: list[tuple[str, float]]) -> Ranking:
    conditions = tuple(kb.conditions[name] for name, _ in scored)
    return Ranking(conditions, tuple(p for _, p in scored), {"f": "E_53"}, ("Mine.",))


def test_a_sign_makes_its_condition_likelier_and_says_so(kb: knowledge.KnowledgeBase) -> None:
    ranking = _ranking(
        kb,
        [
            ("Possible NSTEMI / STEMI", 0.7),
            ("Pericarditis", 0.2),
            ("Spontaneous pneumothorax", 0.001),
        ],
    )
    weighed = decisive.weighed(ranking, "Hyperresonant on the left.")
    assert weighed.conditions[0].name == "Spontaneous pneumothorax"
    # The ranking keeps its own mass: what was left out of it stays left out, unspread.
    assert sum(weighed.probabilities) == pytest.approx(sum(ranking.probabilities))
    odds = weighed.probabilities[0] / weighed.probabilities[1]
    assert odds == pytest.approx(decisive.LIKELIHOOD_RATIO * 0.001 / 0.7)
    assert "'Hyperresonant'" in weighed.explanation[-1]


def test_a_sign_cannot_raise_a_condition_the_findings_rule_out(
    kb: knowledge.KnowledgeBase,
) -> None:
    ranking = _ranking(
        kb, [("Possible NSTEMI / STEMI", 0.999999), ("Spontaneous pneumothorax", 1e-9)]
    )
    assert decisive.weighed(ranking, "Hyperresonant on the left.").conditions[0].name == (
        "Possible NSTEMI / STEMI"
    )
    unlisted = _ranking(kb, [("Possible NSTEMI / STEMI", 0.9), ("Pericarditis", 0.1)])
    assert decisive.weighed(unlisted, "Hyperresonant on the left.") == unlisted


def test_a_note_with_a_decisive_sign_is_named_by_three_finding_members(
    kb: knowledge.KnowledgeBase,
) -> None:
    members = default_members(kb)
    finding_members = [m for m in members if m.method != "text"]
    proposed = [m.propose(PNEUMOTHORAX) for m in finding_members]
    named = [a for a in proposed if a.get("diagnosis") == "Spontaneous pneumothorax"]
    assert len(named) >= 3, proposed
    assert all("hyperresonant" in a["reasoning"] for a in named)
    # The text member is the words alone: it does not weigh the sign.
    text_member = next(m for m in members if m.method == "text")
    assert "I weigh it for" not in text_member.propose(PNEUMOTHORAX)["reasoning"]


def test_without_the_sign_the_same_note_is_not_named_pneumothorax_by_three(
    kb: knowledge.KnowledgeBase,
) -> None:
    proposed = [m.propose(WITHOUT_THE_SIGN) for m in default_members(kb)]
    named = [a.get("diagnosis") for a in proposed]
    assert named.count("Spontaneous pneumothorax") < 3, proposed


# Out-of-scope notes that share a sign's words: none may reach three votes for one condition.
OUTSIDE_WITH_SIGNS_WORDS = (
    "19F 1 day headache, fever 39.4, neck stiffness, photophobia, purpuric rash on the legs. "
    "LP: CSF protein raised, 1,200 white cells, glucose low.",
    "58F found a hard lump in the L breast. Mammogram: 2 cm spiculated mass, L axillary node.",
    "44M reducible umbilical swelling for a year, cough impulse present, no pain.",
    "70M painless visible haematuria. CT urogram: filling defect in the bladder wall.",
    "71M 3 months fatigue, change in bowel habit, weight loss 5 kg. Hb 84 g/L, MCV 70. "
    "Colonoscopy: caecal carcinoma.",
    "29F known coeliac disease, bloating and diarrhoea after gluten. ANA positive 1:80.",
    "8M urticaria and lip swelling within minutes of eating peanut butter; RAST positive to "
    "peanut; settled with antihistamine, no wheeze.",
)


def test_out_of_scope_notes_that_share_a_signs_words_get_no_three_votes(
    kb: knowledge.KnowledgeBase,
) -> None:
    members = default_members(kb)
    for text in OUTSIDE_WITH_SIGNS_WORDS:
        named = [a.get("diagnosis") for a in (m.propose(text) for m in members)]
        top = max((named.count(n) for n in set(named) if n), default=0)
        assert top < 3, (text, named)
