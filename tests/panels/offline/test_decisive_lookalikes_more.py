"""Look-alikes of the newest decisive signs (panels/offline/decisive_more.py and the ``# More
signs`` of decisive_signs.py): invented notes of common conditions outside the 49, or of
another of them, written with a sign's words. None may state the sign, and the panel must not
decide the sign's condition on them: a sign stated on the wrong text makes a confident wrong
consensus. None is taken from the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import knowledge
from tests.panels.offline.members import named_by, signs_of

SEPTIC_SHOCK_RASH = (
    "68M septic shock from pneumonia, on piperacillin, urticarial rash on the trunk. "
    "BP 78/40, lactate 5."
)
TRANSFUSION_REACTION = (
    "During a blood transfusion, hives and rigors, BP 82/44, back pain, dark urine."
)
VASOVAGAL_WITH_HIVES = (
    "22F fainted in the queue at the clinic after seeing a needle, pale and sweaty, came round "
    "in 20 seconds; has a rash of hives from a new washing powder."
)
HEART_BLOCK_IN_CHRONIC_URTICARIA = (
    "Chronic urticaria for 2 years, hives most days. Collapsed at home today, ECG complete "
    "heart block, HR 32."
)
ACE_INHIBITOR_ANGIOEDEMA_LONG_LIE = (
    "Elderly lady on ramipril with tongue swelling, then collapsed; found on the floor after a "
    "long lie, hypoglycaemic."
)
DEHYDRATED_SYNCOPE = (
    "Hives on the arms; syncope on standing after diarrhoea and vomiting for 2 days, dehydrated."
)
HEREDITARY_ANGIOEDEMA = (
    "Hereditary angioedema: recurrent lip and tongue swelling, C1 esterase inhibitor low; "
    "BP 118/70; fainted once years back."
)
FOREIGN_BODY = (
    "2yo choked on a peanut, stridor in recovery after bronchoscopy; foreign body removed from "
    "the left main bronchus."
)
INTUBATION_OEDEMA = (
    "Extubated after a 3-hour laparotomy; 20 minutes later stridor and hoarse voice, airway "
    "oedema from traumatic intubation."
)
POST_TONSILLECTOMY_BLEED = (
    "In recovery after tonsillectomy: blood in the mouth, stridor, a clot in the airway."
)
NECK_HAEMATOMA = (
    "In recovery after surgery, she has stridor and swelling of the neck after a central line."
)
EPIGLOTTITIS = (
    "Emergency department: stridor, drooling, fever 39, sitting forward; epiglottitis "
    "suspected, in recovery room for intubation."
)
AMLODIPINE_HEART_FAILURE = (
    "On amlodipine for BP, known heart failure, EF 25%, ankles swollen to the knees, weight up "
    "4 kg."
)
ARM_DVT_AFTER_CLEARANCE = (
    "Swollen left arm for 2 days after mastectomy and axillary node clearance; arm veins "
    "distended, Doppler shows axillary vein thrombosis."
)
AMLODIPINE_LIVER = "On amlodipine, legs swollen with a low albumin 18 from liver disease."
NIFEDIPINE_BNP = "On nifedipine, ankles swollen, with heart failure and a BNP of 2,400."
AMLODIPINE_CCF = "Amlodipine 10 mg. Swollen ankles. Known CCF, furosemide increased last month."
STING_THROAT = "Stung by a bee, throat swelling and hoarse voice, BP 80/50."
AMLODIPINE_POST_OP_LEG = "On amlodipine, one leg swollen after knee surgery, immobile."
AMLODIPINE_DIALYSIS = "On amlodipine, swollen legs, creatinine 480, on dialysis, fluid overloaded."
NODE_DISSECTION_RECURRENCE = (
    "Inguinal node dissection for melanoma; leg swollen, new groin mass, recurrence on CT "
    "compressing the iliac vein."
)
MINOCA = (
    "MINOCA: troponin raised at 900, angiogram normal coronaries, echo globally impaired LV; "
    "cardiac MRI shows a subendocardial infarct."
)
AMYLOID = (
    "Cardiac amyloid: troponin chronically raised at 80, normal coronary arteries, global LV "
    "dysfunction with thick walls, low voltage ECG."
)
ALCOHOLIC_CARDIOMYOPATHY = (
    "Alcoholic dilated cardiomyopathy: troponin elevated, coronary angiography normal, "
    "globally reduced LV function."
)
MYELOMA_RIB = (
    "Myeloma on steroids, cough for a week, point tenderness over the right 6th rib; lytic lesions."
)
METASTATIC_RIB = (
    "Known breast cancer with bone metastases, on denosumab, coughing, focal tenderness over a rib."
)
PNEUMOTHORAX_IN_OSTEOPOROSIS = (
    "Osteoporosis, cough with a sudden sharp chest pain, point tenderness; CXR shows a large "
    "pneumothorax."
)
SHINGLES_ON_STEROIDS = (
    "72F on steroids for PMR, cough, localized tenderness over the chest wall; shingles "
    "vesicles in a band on the left."
)
TIETZE = (
    "On prednisolone, cough, focal tenderness of the costochondral junction, Tietze's swelling."
)
PSOAS_ABSCESS = (
    "Lump in the groin that gets bigger when I stand, a psoas abscess, fever, back pain, IV "
    "drug use."
)
GROIN_NODES = (
    "Tender lump in my groin, goes down when I lie down a bit, enlarged lymph nodes with a leg "
    "infection."
)
HYDROCELE = (
    "Swelling in my groin that goes away when I lie down; it's in the scrotum, hydrocele "
    "transilluminates."
)
FALSE_ANEURYSM = (
    "A lump in my groin that's bigger when I stand, pulsatile, after angiography, a false aneurysm."
)
UNDESCENDED_TESTIS = "An undescended testis in the groin that pops out when he coughs."
PNEUMONIA_IN_HEART_FAILURE = (
    "Pneumonia in a heart failure patient: productive green sputum, bilateral crackles, raised "
    "JVP, orthopnoea, CRP 250."
)
RENAL_FLUID_OVERLOAD = (
    "End-stage renal failure, missed dialysis, fluid overloaded: bibasal crackles, raised JVP, "
    "orthopnoea, K 7.1."
)
FIBROSIS_COR_PULMONALE = (
    "Pulmonary fibrosis, fine bibasal crackles, raised JVP from cor pulmonale, orthopnoea."
)
MASSIVE_PE = "Massive PE: raised JVP, orthopnoea, bibasal crackles, CTPA saddle embolus."
TAMPONADE = (
    "Cardiac tamponade from a malignant effusion: raised JVP, bilateral crackles, can't lie "
    "flat, pulsus paradoxus."
)
NEPHROTIC = "Nephrotic syndrome: bibasal crackles, raised JVP, orthopnoea, albumin 15, proteinuria."
TACO = "Over-transfused post-op: bilateral crackles, raised JVP, orthopnoea after 4 units, TACO."
STEMI_FAILURE = "Bilateral crackles, raised JVP, orthopnoea; pleural effusions; STEMI anteriorly."
DROWNING = "Pulled from the pool after 4 min underwater, drowning, coughing pink frothy sputum."
HEROIN = "Heroin overdose, found unresponsive, pinpoint pupils, pink frothy sputum at the mouth."
ALTITUDE = "Climber at 5000 m, high altitude pulmonary oedema, pink frothy sputum."
SMOKE = "Smoke inhalation in a house fire, pink frothy secretions."
SALICYLATE = "Salicylate overdose, pink frothy sputum, tinnitus."


# Each look-alike and the sign it must not state.
LOOKALIKES: list[tuple[str, str]] = [
    # Urticaria with a low pressure or a faint that is not an allergy's shock.
    (SEPTIC_SHOCK_RASH, "Anaphylaxis"),
    (TRANSFUSION_REACTION, "Anaphylaxis"),
    (VASOVAGAL_WITH_HIVES, "Anaphylaxis"),
    (HEART_BLOCK_IN_CHRONIC_URTICARIA, "Anaphylaxis"),
    (ACE_INHIBITOR_ANGIOEDEMA_LONG_LIE, "Anaphylaxis"),
    (DEHYDRATED_SYNCOPE, "Anaphylaxis"),
    (HEREDITARY_ANGIOEDEMA, "Anaphylaxis"),
    # A stridor at an anaesthetic's end that is no laryngospasm.
    (FOREIGN_BODY, "Larygospasm"),
    (INTUBATION_OEDEMA, "Larygospasm"),
    (POST_TONSILLECTOMY_BLEED, "Larygospasm"),
    (NECK_HAEMATOMA, "Larygospasm"),
    (EPIGLOTTITIS, "Larygospasm"),
    # A swelling with a calcium-channel blocker or a clearance whose cause is elsewhere.
    (AMLODIPINE_HEART_FAILURE, "Localized edema"),
    (ARM_DVT_AFTER_CLEARANCE, "Localized edema"),
    (AMLODIPINE_LIVER, "Localized edema"),
    (NIFEDIPINE_BNP, "Localized edema"),
    (AMLODIPINE_CCF, "Localized edema"),
    (STING_THROAT, "Localized edema"),
    (AMLODIPINE_POST_OP_LEG, "Localized edema"),
    (AMLODIPINE_DIALYSIS, "Localized edema"),
    (NODE_DISSECTION_RECURRENCE, "Localized edema"),
    # A troponin with normal coronaries and a global LV that is another heart disease.
    (MINOCA, "Myocarditis"),
    (AMYLOID, "Myocarditis"),
    (ALCOHOLIC_CARDIOMYOPATHY, "Myocarditis"),
    # A tender rib after a cough that is a cancer's, a collapsed lung's or a nerve's.
    (MYELOMA_RIB, "Spontaneous rib fracture"),
    (METASTATIC_RIB, "Spontaneous rib fracture"),
    (PNEUMOTHORAX_IN_OSTEOPOROSIS, "Spontaneous rib fracture"),
    (SHINGLES_ON_STEROIDS, "Spontaneous rib fracture"),
    (TIETZE, "Spontaneous rib fracture"),
    # A groin lump that changes with posture or a cough and is no inguinal hernia.
    (PSOAS_ABSCESS, "Inguinal hernia"),
    (GROIN_NODES, "Inguinal hernia"),
    (HYDROCELE, "Inguinal hernia"),
    (FALSE_ANEURYSM, "Inguinal hernia"),
    (UNDESCENDED_TESTIS, "Inguinal hernia"),
    # Crackles, a raised JVP and orthopnoea that are not a cardiogenic oedema alone.
    (PNEUMONIA_IN_HEART_FAILURE, "Acute pulmonary edema"),
    (RENAL_FLUID_OVERLOAD, "Acute pulmonary edema"),
    (FIBROSIS_COR_PULMONALE, "Acute pulmonary edema"),
    (MASSIVE_PE, "Acute pulmonary edema"),
    (TAMPONADE, "Acute pulmonary edema"),
    (NEPHROTIC, "Acute pulmonary edema"),
    (TACO, "Acute pulmonary edema"),
    (STEMI_FAILURE, "Acute pulmonary edema"),
    # Pink frothy sputum of a non-cardiogenic oedema.
    (DROWNING, "Acute pulmonary edema"),
    (HEROIN, "Acute pulmonary edema"),
    (ALTITUDE, "Acute pulmonary edema"),
    (SMOKE, "Acute pulmonary edema"),
    (SALICYLATE, "Acute pulmonary edema"),
    # A scratching sound a clinician heard over something other than the heart.
    (
        "The doctor listened with a stethoscope and heard a scratching sound over my chest "
        "after my rib fracture.",
        "Pericarditis",
    ),
    (
        "The nurse listened with a stethoscope and heard a grating sound over my knee.",
        "Pericarditis",
    ),
    (
        "The doctor heard a scratching sound with the stethoscope over my belly, peritonitis.",
        "Pericarditis",
    ),
    (
        "The doctor heard a scratching sound with the stethoscope, I have pneumonia, fever "
        "and cough.",
        "Pericarditis",
    ),
    # One eye's swollen lids that are an injury's, an allergy's, a lump's or a nerve's.
    ("Unilateral eyelid swelling after a bee sting near the eye.", "Chagas"),
    ("Unilateral eyelid oedema, itchy, after new eye drops: contact dermatitis.", "Chagas"),
    ("Painless swelling of the right eyelid, a chalazion, a firm lump.", "Chagas"),
    ("Unilateral periorbital swelling after a punch to the face, black eye.", "Chagas"),
    (
        "Painless swelling of the left eyelids with a bulging eye, thyroid eye disease.",
        "Chagas",
    ),
    ("Unilateral periorbital swelling from a dental abscess.", "Chagas"),
    ("Shingles on the forehead with unilateral eyelid swelling.", "Chagas"),
    ("Painless swelling of her left eyelid, a stye.", "Chagas"),
    # A dilated, septum-flattening right ventricle of a chronic load or its own disease.
    (
        "Chronic thromboembolic disease; echo: dilated RV with septal flattening, known for years.",
        "Pulmonary embolism",
    ),
    (
        "Interstitial lung disease on home oxygen. Echo: dilated RV, D-shaped septum.",
        "Pulmonary embolism",
    ),
    (
        "Atrial septal defect: echo RV dilatation with septal flattening from volume load.",
        "Pulmonary embolism",
    ),
    (
        "Severe tricuspid regurgitation, echo dilated RV with flattened septum, pacemaker lead.",
        "Pulmonary embolism",
    ),
    (
        "Arrhythmogenic right ventricular cardiomyopathy: echo dilated RV, septal bowing.",
        "Pulmonary embolism",
    ),
]
# Look-alikes that the members decide on their symptoms alone, with no sign stated: the sign
# is not to blame, and the panel test leaves them out (see the stop's closing note).
DECIDED_ON_SYMPTOMS = frozenset(
    {AMLODIPINE_HEART_FAILURE, NIFEDIPINE_BNP, AMLODIPINE_CCF, METASTATIC_RIB}
)


@pytest.mark.parametrize(("text", "condition"), LOOKALIKES)
def test_a_common_look_alike_states_no_newer_sign(text: str, condition: str) -> None:
    assert condition not in signs_of(text), text


@pytest.mark.parametrize(
    ("text", "condition"),
    [(t, c) for t, c in LOOKALIKES if t not in DECIDED_ON_SYMPTOMS],
)
def test_the_panel_does_not_decide_a_look_alike_by_a_newer_sign(
    kb: knowledge.KnowledgeBase, text: str, condition: str
) -> None:
    display = kb.conditions[condition].display_name
    named = named_by(kb, text)
    assert named.count(display) < 3, named


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        # A look-alike's words denied do not silence the sign.
        (
            "Hives all over after a cashew, then she collapsed. Not septic, no transfusion.",
            "Anaphylaxis",
        ),
        (
            "Shortly after extubation: crowing inspiration then no air movement; no foreign "
            "body, no blood in the mouth, no fever.",
            "Larygospasm",
        ),
        (
            "Ankles swollen since nifedipine was started; no heart failure, albumin 41, "
            "creatinine normal, BNP normal.",
            "Localized edema",
        ),
        (
            "Troponin T raised at 900. Echo: global hypokinesis. Normal coronary arteries. "
            "Cardiac MRI: no infarct.",
            "Myocarditis",
        ),
        (
            "Osteoporosis on alendronate, coughing, point tenderness over one rib; no "
            "pneumothorax, no history of cancer.",
            "Spontaneous rib fracture",
        ),
        (
            "Lump in the R groin, he can push it back in himself; no lymph nodes, not pulsatile.",
            "Inguinal hernia",
        ),
        (
            "Orthopnoea, raised JVP, bibasal crackles; known CKD; no pneumonia, no PE on CTPA.",
            "Acute pulmonary edema",
        ),
        ("Coughing up pink frothy sputum since 4am, no overdose.", "Acute pulmonary edema"),
        # "PE:" a physical examination, not an embolism.
        ("PE: orthopnoea, raised JVP, bibasal crackles.", "Acute pulmonary edema"),
        (
            "Bedside echo: dilated RV with septal flattening, breathless since noon.",
            "Pulmonary embolism",
        ),
    ],
)
def test_the_sign_is_stated_when_the_look_alikes_words_are_denied(
    text: str, condition: str
) -> None:
    assert condition in signs_of(text), text
