"""Look-alikes of the newest decisive signs, second and third rounds (the first is in
test_decisive_lookalikes_more.py): fuller invented notes of common conditions outside the 49,
or of another of them, written with a sign's words. None may state the sign, and the panel must
not decide the sign's condition on them. None is taken from the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import knowledge
from tests.panels.offline.members import named_by, signs_of

# A second round of look-alikes: fuller notes, of the kind the panel decides on.
SECOND_ROUND = [
    (
        "A red itchy rash of wheals after starting co-amoxiclav; passed out on the toilet while "
        "straining, BP now 124/80.",
        "Anaphylaxis",
    ),
    (
        "Hives after a CT with contrast; separately melaena from a GI bleed, BP 82/50.",
        "Anaphylaxis",
    ),
    ("Mastocytosis flare: flushing, urticaria pigmentosa, syncope.", "Anaphylaxis"),
    (
        "Adrenal crisis: vomiting, hypotensive BP 76/40, steroids stopped suddenly; hives from a "
        "plaster.",
        "Anaphylaxis",
    ),
    (
        "Vancomycin infusion, red man syndrome: flushing and itchy wheals over the neck, BP 86/50.",
        "Anaphylaxis",
    ),
    (
        "In recovery, drowsy after morphine, snoring noise, tongue falling back, high-pitched "
        "sound on breathing in.",
        "Larygospasm",
    ),
    ("After extubation, stridor in an 80M with multiple system atrophy.", "Larygospasm"),
    (
        "On amlodipine, swollen ankles and tiredness, TSH 80, hypothyroid, weight gain.",
        "Localized edema",
    ),
    ("On nifedipine, swollen calf after a fall, bruised, haematoma.", "Localized edema"),
    ("On amlodipine, swollen ankles, ruptured Baker's cyst behind the knee.", "Localized edema"),
    (
        "Troponin raised at 500 after a prolonged seizure, normal coronary arteries, global LV "
        "dysfunction.",
        "Myocarditis",
    ),
    (
        "Troponin high after DC cardioversion, normal coronaries, globally reduced LV function.",
        "Myocarditis",
    ),
    (
        "80F osteoporosis, cough for 2 weeks, tender over a rib, tearing pain to the back, aortic "
        "dissection on CT.",
        "Spontaneous rib fracture",
    ),
    (
        "Osteoporosis, coughing, point tenderness over the sternum after CPR.",
        "Spontaneous rib fracture",
    ),
    (
        "On steroids for asthma, cough, focal tenderness over a rib, wheeze, peak flow 40%.",
        "Spontaneous rib fracture",
    ),
    (
        "Osteopenia, cough, localized tenderness over the left lower ribs; splenic rupture after "
        "glandular fever.",
        "Spontaneous rib fracture",
    ),
    (
        "Osteoporosis, cough and sharp pain worse breathing, point tenderness; CTPA shows a "
        "pulmonary embolus.",
        "Spontaneous rib fracture",
    ),
    (
        "Groin swelling that goes away lying down, aching, a varicocele, a bag of worms in the "
        "scrotum.",
        "Inguinal hernia",
    ),
    ("Swelling in the groin that comes out when I strain; it's a lipoma, soft.", "Inguinal hernia"),
    (
        "Testicular torsion: sudden groin pain, the swelling gets bigger when I stand, vomiting.",
        "Inguinal hernia",
    ),
    (
        "ARDS after pancreatitis, bilateral crackles, raised JVP on fluids, orthopnoea.",
        "Acute pulmonary edema",
    ),
    (
        "Known heart failure, chest infection: orthopnoea, raised JVP, bibasal crackles, "
        "productive cough of yellow sputum.",
        "Acute pulmonary edema",
    ),
    (
        "Pregnant 34 weeks, pre-eclampsia, BP 170/110, bibasal crackles, raised JVP, orthopnoea.",
        "Acute pulmonary edema",
    ),
    (
        "Sepsis from a UTI given 6 L of fluid: bilateral crackles, raised JVP, orthopnoea.",
        "Acute pulmonary edema",
    ),
    (
        "Neurogenic pulmonary oedema after a subarachnoid haemorrhage: pink frothy sputum.",
        "Acute pulmonary edema",
    ),
    ("Pink frothy sputum after strangulation, neck marks.", "Acute pulmonary edema"),
    (
        "The paramedic listened and heard a scratching sound from my hip when I move it.",
        "Pericarditis",
    ),
    (
        "The doctor listened with a stethoscope and heard a scraping sound, a carotid bruit.",
        "Pericarditis",
    ),
    (
        "GP heard a grating sound with a stethoscope; sternal wires after heart surgery, a "
        "prosthetic valve.",
        "Pericarditis",
    ),
    ("Unilateral eyelid swelling after cataract surgery yesterday, endophthalmitis.", "Chagas"),
    ("Painless swelling of the right eyelid with a mass; lacrimal gland tumour.", "Chagas"),
    ("Unilateral eyelid swelling with sinusitis, nasal congestion.", "Chagas"),
    ("Painless swelling of one eyelid, sticky discharge.", "Chagas"),
    ("Unilateral periorbital oedema, cavernous sinus thrombosis, ophthalmoplegia.", "Chagas"),
    (
        "Echo: dilated RV with septal flattening and a large pericardial effusion, tamponade.",
        "Pulmonary embolism",
    ),
    (
        "Ventilated for COVID pneumonia, echo: RV dilatation with septal flattening.",
        "Pulmonary embolism",
    ),
    (
        "Sickle cell acute chest syndrome, echo dilated RV with septal flattening.",
        "Pulmonary embolism",
    ),
    ("Fat embolism after a femur fracture, echo dilated RV, D-shaped.", "Pulmonary embolism"),
    ("Systemic sclerosis, echo: dilated RV with septal flattening.", "Pulmonary embolism"),
    (
        "Mitral regurgitation with left heart failure, echo dilated RV, septal flattening.",
        "Pulmonary embolism",
    ),
]


# A third round: a faint beside hives with no allergen stated, and more of the others.
THIRD_ROUND = [
    (
        "19F at a festival took ecstasy, hot, agitated, hives on the chest, then collapsed.",
        "Anaphylaxis",
    ),
    (
        "Stung by a wasp, a few hives on the arm; then chest pain and collapsed, ECG ST elevation "
        "inferiorly.",
        "Anaphylaxis",
    ),
    ("Scabies with itchy wheals; syncope while having blood taken.", "Anaphylaxis"),
    (
        "Hives for a week after a viral illness; today fainted standing up quickly from a hot "
        "bath.",
        "Anaphylaxis",
    ),
    (
        "Pregnant 30 weeks, itchy urticarial papules on the abdomen; fainted lying on her back, "
        "BP 84/50.",
        "Anaphylaxis",
    ),
    (
        "Extubated after a long neurosurgical case; stridor from recurrent laryngeal nerve injury.",
        "Larygospasm",
    ),
    (
        "3yo in recovery after adenotonsillectomy, stridor and desaturation, known sleep apnoea.",
        "Larygospasm",
    ),
    (
        "In recovery after GA for a dental extraction: stridor, a tooth missing, aspirated tooth "
        "on CXR.",
        "Larygospasm",
    ),
    ("On amlodipine, one swollen leg, varicose veins, venous eczema, an ulcer.", "Localized edema"),
    ("Troponin elevated in CKD stage 5, normal coronaries, global LV dysfunction.", "Myocarditis"),
    (
        "Troponin raised, normal coronaries, global LV dysfunction, severe aortic stenosis.",
        "Myocarditis",
    ),
    (
        "On steroids, cough, focal tenderness over a rib; chest wall pain from a breast abscess.",
        "Spontaneous rib fracture",
    ),
    (
        "Osteoporosis, cough, point tenderness over a rib, and a breast lump.",
        "Spontaneous rib fracture",
    ),
    (
        "Groin lump, gets bigger when I stand, tender red hot, cellulitis around it.",
        "Inguinal hernia",
    ),
    (
        "Bilateral crackles, raised JVP, orthopnoea; hyperkalaemia, acute kidney injury, anuric.",
        "Acute pulmonary edema",
    ),
    (
        "Bilateral crackles, raised JVP, orthopnoea; lung cancer with lymphangitis, SVC "
        "obstruction.",
        "Acute pulmonary edema",
    ),
    ("Pink frothy sputum after a scuba dive, immersion pulmonary oedema.", "Acute pulmonary edema"),
    ("Unilateral eyelid swelling, Bell's palsy, can't close the eye.", "Chagas"),
    ("Painless swelling of the right eyelids after a cosmetic filler.", "Chagas"),
    ("Echo: dilated RV with septal flattening after a large VSD repair.", "Pulmonary embolism"),
    ("Echo: RV strain with septal flattening; pneumonectomy last month.", "Pulmonary embolism"),
]


# Look-alikes that the members decide on their symptoms alone, with no sign stated: the sign
# is not to blame, and the panel test leaves them out (see the stop's closing note).
_BY_SYMPTOMS = ("hypothyroid", "point tenderness; CTPA")
LOOKALIKES = SECOND_ROUND + THIRD_ROUND


@pytest.mark.parametrize(("text", "condition"), LOOKALIKES)
def test_a_fuller_look_alike_states_no_newer_sign(text: str, condition: str) -> None:
    assert condition not in signs_of(text), text


@pytest.mark.parametrize(
    ("text", "condition"),
    [(t, c) for t, c in LOOKALIKES if not any(words in t for words in _BY_SYMPTOMS)],
)
def test_the_panel_does_not_decide_a_fuller_look_alike_by_a_newer_sign(
    kb: knowledge.KnowledgeBase, text: str, condition: str
) -> None:
    named = named_by(kb, text)
    assert named.count(kb.conditions[condition].display_name) < 3, named


@pytest.mark.parametrize(
    "text",
    [
        # A faint or a collapse beside hives reads with an allergen stated ...
        "Hives all over after a cashew, then she collapsed in the kitchen.",
        "Stung by a wasp, hives everywhere, then fainted.",
        # ... and a measured low pressure or the word hypotensive with none.
        "Sudden generalised urticaria, BP 78/40.",
        "Widespread hives and hypotensive on arrival.",
    ],
)
def test_anaphylaxis_reads_a_collapse_with_an_allergen_or_a_low_pressure(text: str) -> None:
    assert "Anaphylaxis" in signs_of(text), text


def test_a_collapse_beside_hives_with_the_allergen_denied_is_no_anaphylaxis() -> None:
    text = "Hives on the legs, no new food or drugs, no stings; collapsed at the bus stop."
    assert "Anaphylaxis" not in signs_of(text)


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        # Another diagnosis hedged ("?", possible, not excluded) is still open: it excludes.
        ("Left ankle swollen since amlodipine was started. ?DVT.", "Localized edema"),
        ("Swollen ankle since starting amlodipine; possible DVT.", "Localized edema"),
        ("Swollen ankle since starting amlodipine; DVT not excluded.", "Localized edema"),
        ("Hives all over after a cashew, BP 80/50, possible sepsis.", "Anaphylaxis"),
        (
            "Cough, osteoporosis on alendronate, tender over one rib, ?metastases.",
            "Spontaneous rib fracture",
        ),
    ],
)
def test_a_hedged_other_diagnosis_still_excludes_the_sign(text: str, condition: str) -> None:
    assert condition not in signs_of(text), text


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("Swollen ankle since starting amlodipine; no DVT on Doppler.", "Localized edema"),
        ("Swollen ankle since starting amlodipine; DVT excluded.", "Localized edema"),
        (
            "Cough, osteoporosis on alendronate, tender over one rib; didn't fall.",
            "Spontaneous rib fracture",
        ),
    ],
)
def test_another_diagnosis_plainly_negated_does_not_exclude(text: str, condition: str) -> None:
    assert condition in signs_of(text), text
