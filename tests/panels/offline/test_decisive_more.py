"""More decisive signs: combinations of findings a function reads (decisive_more.py) and the
signs under ``# More signs`` in decisive_signs.py. Invented notes (not from any evaluation
set)."""

from __future__ import annotations

import pytest

from panels.offline import decisive, knowledge
from panels.offline.member import default_members
from tests.panels.offline.members import named_by, signs_of

ANAPHYLAXIS = (
    "34F stung by a bee on the arm 10 min ago. Generalised urticaria, lips swollen, throat "
    "tight, wheeze, vomited once. BP 76/42, HR 128, SpO2 91% RA."
)


@pytest.mark.parametrize(
    "text",
    [
        ANAPHYLAXIS,
        "Hives all over and tongue swelling after a penicillin injection; BP 82/50.",
        "Urticarial rash and hypotensive after IV contrast.",
        "Within minutes angioedema; blood pressure dropped from 130/85 to 74/40 mmHg.",
        # A collapse or a child gone floppy: WAO's end-organ signs of a low pressure.
        "Hives all over after a cashew, then she collapsed in the kitchen.",
        "4yo, lips swollen and welts everywhere after sesame, then went floppy and pale.",
    ],
)
def test_urticaria_or_angioedema_with_a_low_pressure_reads_as_anaphylaxis(text: str) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Anaphylaxis"]
    assert signs[0].words == "urticaria or angioedema with a low blood pressure or a collapse"
    assert all(words in text for words in signs[0].quoted.split("', '"))


@pytest.mark.parametrize(
    "text",
    [
        "Generalised urticaria and lip swelling after peanut. BP 124/78.",  # no hypotension
        "No urticaria, no lip swelling. BP 78/40.",  # denied skin signs
        "Urticaria after a wasp sting, not hypotensive.",  # denied hypotension
        # Spoiled fish: a scombroid poisoning's histamine, not an allergy.
        "Flushed with hives 20 min after eating tuna; BP 84/50.",
        # A meningococcal septicaemia: a purpuric rash in shock.
        "17M fever, neck stiffness and a non-blanching purpuric rash. BP 80/40.",
        # An infected leg in septic shock: a swollen red leg is no angioedema.
        "Hot red swollen L leg, fever 39. BP 84/46.",
        # An ACE-inhibitor angioedema keeps its pressure.
        "On ramipril, tongue and lip swelling for 4 h, no rash. BP 158/92.",
        # Feeling faint is no collapse.
        "Hives after a wasp sting and felt faint for a minute. BP 122/76.",
        "Hives after peanut, did not collapse, not floppy.",  # denied
        # A feverish child's viral hives and febrile fit.
        "2yo fever 39.4 for 2 days, hives on the trunk, had a fit and went floppy for a minute.",
    ],
)
def test_no_anaphylaxis_sign_without_both_or_for_a_look_alike(text: str) -> None:
    assert "Anaphylaxis" not in signs_of(text)


def test_a_note_of_anaphylaxis_with_a_low_pressure_reaches_consensus(
    kb: knowledge.KnowledgeBase,
) -> None:
    members = default_members(kb)
    proposed = [m.propose(ANAPHYLAXIS) for m in members]
    named = [a for a in proposed if a.get("diagnosis") == "Anaphylaxis"]
    assert len(named) >= 3, proposed
    assert all("low blood pressure" in a["reasoning"] for a in named)


def test_the_same_note_with_a_normal_pressure_is_not_named_on_the_sign(
    kb: knowledge.KnowledgeBase,
) -> None:
    text = ANAPHYLAXIS.replace("BP 76/42", "BP 132/80")
    for member in default_members(kb):
        assert "low blood pressure" not in member.propose(text)["reasoning"]


LARYNGOSPASM = (
    "Recovery note: 8F after grommet insertion under GA. As the laryngeal mask was removed she "
    "gave a loud inspiratory stridor then silence, see-saw chest movement, sats 97% -> 80%. "
    "Jaw thrust and CPAP with 100% O2, airway open within a minute, full recovery."
)


@pytest.mark.parametrize(
    "text",
    [
        LARYNGOSPASM,
        "Shortly after extubation: crowing inspiration then no air movement, sats falling.",
        "5yo in PACU, sudden high-pitched noise on breathing in then unable to ventilate.",
    ],
)
def test_a_shut_airway_at_an_anaesthetics_end_reads_as_laryngospasm(text: str) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Larygospasm"]
    assert signs[0].words == "a shut airway at an anaesthetic's end"
    assert all(words in text for words in signs[0].quoted.split("', '"))


@pytest.mark.parametrize(
    "text",
    [
        "Extubated in theatre, awake, no stridor, sats 99% on air.",  # denied
        # A croup: a stridor with no anaesthetic.
        "2yo barking cough and inspiratory stridor since midnight, coryza, T 38.1.",
        # A bronchospasm under anaesthesia: a wheeze.
        "On emergence from GA, a high-pitched sound breathing out: widespread wheeze, sats 85%.",
        # An anaphylaxis under anaesthesia: a rash.
        "At extubation stridor, flushed urticarial rash over the chest, BP 70/40.",
        # A laryngeal oedema after days on a ventilator.
        "Extubated after 6 days ventilated for pneumonia on ICU; stridor an hour later.",
        # A nerve palsy or haematoma after neck surgery.
        "Day 0 after total thyroidectomy, in recovery: stridor, hoarse voice.",
    ],
)
def test_no_laryngospasm_sign_when_denied_or_for_a_look_alike(text: str) -> None:
    assert "Larygospasm" not in signs_of(text)


def test_a_laryngospasm_at_emergence_reaches_consensus(kb: knowledge.KnowledgeBase) -> None:
    proposed = [m.propose(LARYNGOSPASM) for m in default_members(kb)]
    named = [a for a in proposed if a.get("diagnosis") == "Laryngospasm"]
    assert len(named) >= 3, proposed
    assert all("anaesthetic's end" in a["reasoning"] for a in named)


LOCALIZED_EDEMA = (
    "70F, ankles swollen and pitting by the evening for a month since nifedipine was started "
    "for her BP. No SOB, can lie flat, calves soft and non-tender, no redness."
)


@pytest.mark.parametrize(
    "text",
    [
        LOCALIZED_EDEMA,
        "Since her axillary clearance the L arm is swollen and heavy, rings tight, not red.",
        "Stung by a wasp on the back of the hand yesterday, the hand is puffy up to the wrist.",
        "Known lymphoedema of the R leg after pelvic surgery, swelling worse this summer.",
    ],
)
def test_a_swelling_with_its_local_cause_reads_as_localized_edema(text: str) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Localized edema"]
    assert signs[0].words == "a swelling with its local cause"
    assert all(words in text for words in signs[0].quoted.split("', '"))


@pytest.mark.parametrize(
    "text",
    [
        "On amlodipine 10 mg. No ankle swelling.",  # denied
        "Swollen ankles for a month, no new medicines.",  # no local cause stated
        # A DVT: a swollen, tender, warm calf.
        "On amlodipine. After a long flight the L calf is swollen, tender and warm.",
        # A cellulitis after a sting: red, hot, febrile.
        "Wasp sting on the forearm 2 days ago, now swollen, red and hot, T 38.4.",
        # A heart failure on amlodipine: breathless, crackles.
        "On amlodipine, ankles pitting to the knee, breathless lying flat, bibasal crackles.",
        # An allergic reaction to a sting: hives and a wheeze.
        "Stung by a bee, face swelling, hives on the trunk and a wheeze.",
        # A nephrotic syndrome and a pre-eclampsia.
        "On amlodipine, puffy eyes and ankles, urine dip protein 4+: proteinuria 6 g/day.",
        "32 weeks pregnant, on nifedipine, swollen ankles and hands, BP 158/104.",
    ],
)
def test_no_localized_edema_sign_when_denied_or_for_a_look_alike(text: str) -> None:
    assert "Localized edema" not in signs_of(text)


def test_a_drug_ankle_oedema_reaches_consensus(kb: knowledge.KnowledgeBase) -> None:
    proposed = [m.propose(LOCALIZED_EDEMA) for m in default_members(kb)]
    named = [
        a for a in proposed if a.get("diagnosis") == kb.conditions["Localized edema"].display_name
    ]
    assert len(named) >= 3, proposed
    assert all("local cause" in a["reasoning"] for a in named)


MYOCARDITIS = (
    "24M a week after a flu-like illness, chest ache, palpitations and breathless on the "
    "stairs. Troponin T raised at 890. Echo: globally reduced LV function, EF 30%. Invasive "
    "angiography: unobstructed coronary arteries."
)


@pytest.mark.parametrize(
    "text",
    [
        MYOCARDITIS,
        "hs-TnI 2,300. Echo global hypokinesis. CT coronary angiogram normal.",
    ],
)
def test_a_troponin_rise_with_normal_coronaries_and_a_global_lv_reads_as_myocarditis(
    text: str,
) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Myocarditis"]
    assert all(words in text for words in signs[0].quoted.split("', '"))


@pytest.mark.parametrize(
    "text",
    [
        # The troponin denied.
        "Troponin not raised. Echo global hypokinesis. Normal coronary arteries.",
        MYOCARDITIS.replace("Troponin T raised at 890", "Troponin normal"),
        # An infarction: a culprit artery and a regional wall.
        "Troponin 4,500. Echo: anterior hypokinesis. Angiogram: occluded LAD, stented.",
        # A takotsubo: normal coronaries, but apical ballooning after a bereavement.
        "Troponin raised. Normal coronaries. Echo: apical ballooning, global hypokinesis.",
        # A septic heart.
        "Septic shock from a urinary source; troponin 600, globally impaired LV, normal "
        "coronary arteries.",
        # A pulmonary embolism's strain: no coronaries imaged.
        "Troponin mildly elevated. Echo: dilated RV, global LV function preserved.",
    ],
)
def test_no_myocarditis_sign_when_denied_or_for_a_look_alike(text: str) -> None:
    assert "Myocarditis" not in signs_of(text)


def test_a_myocarditis_with_its_tests_reaches_consensus(kb: knowledge.KnowledgeBase) -> None:
    proposed = [m.propose(MYOCARDITIS) for m in default_members(kb)]
    named = [a for a in proposed if a.get("diagnosis") == "Myocarditis"]
    assert len(named) >= 3, proposed
    assert all("normal coronary arteries" in a["reasoning"] for a in named)


RIB_FRACTURE = (
    "81F with osteoporosis on alendronate, coughing for a week with a cold. Yesterday a sharp "
    "pain in the L side of the chest during a coughing bout, worse on deep breaths; point "
    "tenderness over the L 7th rib. No fall. Not short of breath."
)


@pytest.mark.parametrize(
    "text",
    [
        RIB_FRACTURE,
        "On long-term prednisolone for COPD; since a cough it hurts when I press on one rib.",
        "Thin bones, I never fell; after coughing my side is sore if I touch it.",
    ],
)
def test_a_tender_rib_after_a_cough_in_fragile_bones_reads_as_a_rib_fracture(
    text: str,
) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Spontaneous rib fracture"]
    assert all(words in text for words in signs[0].quoted.split("', '"))


@pytest.mark.parametrize(
    "text",
    [
        RIB_FRACTURE.replace("point tenderness", "no tenderness"),  # denied
        # A traumatic fracture: a fall.
        "Osteoporosis. Fell in the bathroom onto the R side, now coughing hurts, tender when I "
        "press the ribs.",
        # A pneumonia: a cough with a fever and crackles.
        "78M on steroids, productive cough, T 38.6, R basal crackles, chest wall sore when "
        "you press it.",
        # A costochondritis in a young adult: no fragile bones.
        "26F sharp L chest pain for 3 days, worse with coughing, tender when I press on the "
        "breastbone.",
        # A pulmonary embolism's pleurisy: no tender spot.
        "On steroids; cough and sudden sharp pleuritic pain after a long flight, calf swollen.",
    ],
)
def test_no_rib_fracture_sign_when_denied_or_for_a_look_alike(text: str) -> None:
    assert "Spontaneous rib fracture" not in signs_of(text)


def test_a_cough_fracture_reaches_consensus(kb: knowledge.KnowledgeBase) -> None:
    proposed = [m.propose(RIB_FRACTURE) for m in default_members(kb)]
    named = [a for a in proposed if a.get("diagnosis") == "Spontaneous rib fracture"]
    assert len(named) >= 3, proposed
    assert all("fragile bones" in a["reasoning"] for a in named)


PERICARDITIS = (
    "I'm 29 and had flu last week. Now a sharp central chest pain, worse lying flat, better "
    "sitting forward. The doctor listened with a stethoscope and heard a scratching sound."
)


@pytest.mark.parametrize(
    "text",
    [
        PERICARDITIS,
        "The GP heard a grating noise over my heart with her stethoscope.",
    ],
)
def test_a_scratching_sound_a_clinician_heard_reads_as_a_pericardial_rub(text: str) -> None:
    assert signs_of(text) == ["Pericarditis"]


@pytest.mark.parametrize(
    "text",
    [
        "The doctor listened with a stethoscope: no scratching sound, heart sounds normal.",
        # A pleural rub: the lungs'.
        "Fever and cough; the doctor heard a scratching sound over my lungs.",
        # The patient's own hearing of a creak: a pleurisy's or a rib's as much as a rub.
        "I hear a scratching noise in my chest when I breathe in.",
    ],
)
def test_no_lay_rub_when_denied_or_for_a_look_alike(text: str) -> None:
    assert "Pericarditis" not in signs_of(text)


def test_a_lay_rub_with_a_pericarditis_pain_reaches_consensus(
    kb: knowledge.KnowledgeBase,
) -> None:
    proposed = [m.propose(PERICARDITIS) for m in default_members(kb)]
    named = [a for a in proposed if a.get("diagnosis") == "Pericarditis"]
    assert len(named) >= 3, proposed


ACUTE_CHAGAS = (
    "27F back 2 weeks from 3 months volunteering in rural Bolivia, slept in a mud house. A "
    "week of fever and tiredness, and a painless swelling of the left eyelids. Exam: T 38.1, "
    "unilateral periorbital oedema, a preauricular node."
)


@pytest.mark.parametrize(
    "text",
    [
        "Romaña sign on the R.",
        "Unilateral painless eyelid swelling with conjunctivitis.",
        "Painless violaceous swelling of the right eyelids.",
    ],
)
def test_a_painless_swelling_of_one_eyes_lids_reads_as_romanas_sign(text: str) -> None:
    assert signs_of(text) == ["Chagas"]


@pytest.mark.parametrize(
    "text",
    [
        "No unilateral eyelid swelling.",  # denied
        # A periorbital cellulitis: tender and red.
        "Unilateral eyelid swelling, red and hot, tender, fever: periorbital cellulitis.",
        # A nephrotic syndrome's puffy eyes: both sides.
        "Puffy swelling of both eyelids in the mornings, frothy urine.",
    ],
)
def test_no_romanas_sign_when_denied_or_for_a_look_alike(text: str) -> None:
    assert "Chagas" not in signs_of(text)


def test_romanas_sign_with_a_stay_in_south_america_reaches_consensus(
    kb: knowledge.KnowledgeBase,
) -> None:
    proposed = [m.propose(ACUTE_CHAGAS) for m in default_members(kb)]
    named = [a for a in proposed if a.get("diagnosis") == "Chagas"]
    assert len(named) >= 3, proposed


def test_romanas_sign_without_the_travel_chagas_requires_names_no_chagas(
    kb: knowledge.KnowledgeBase,
) -> None:
    text = (
        "27F, never been abroad. A week of fever and tiredness, and a painless swelling of the "
        "left eyelids after a mosquito bite in the garden. Unilateral periorbital oedema."
    )
    assert signs_of(text) == ["Chagas"]  # the sign is read ...
    named = named_by(kb, text)
    assert "Chagas" not in named  # ... but cannot raise what the travel rules out


INGUINAL_HERNIA = (
    "I'm 58 and have had a soft lump in my left groin for 3 months. It gets bigger when I "
    "cough or lift and goes away when I lie down. Aches by the evening."
)


@pytest.mark.parametrize(
    "text",
    [
        INGUINAL_HERNIA,
        "Lump in the R groin, he can push it back in himself.",
        "A swelling in my groin that pops out when I strain on the toilet.",
    ],
)
def test_a_groin_lump_that_reduces_in_lay_words_reads_as_an_inguinal_hernia(text: str) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Inguinal hernia"]
    assert all(words in text for words in signs[0].quoted.split("', '"))


@pytest.mark.parametrize(
    "text",
    [
        "No groin swelling, nothing comes out when I cough.",  # denied
        # An umbilical hernia: not the groin.
        "A lump at my belly button that goes away when I lie down.",
        # A lymph node in the groin: it stays.
        "A tender pea-sized lump in my groin for two weeks, it does not change with coughing.",
        # A saphena varix, which empties lying down too.
        "Varicose veins; a soft lump in the groin that disappears when I lie down.",
    ],
)
def test_no_lay_hernia_sign_when_denied_or_for_a_look_alike(text: str) -> None:
    assert "Inguinal hernia" not in signs_of(text)


def test_a_lay_inguinal_hernia_reaches_consensus(kb: knowledge.KnowledgeBase) -> None:
    proposed = [m.propose(INGUINAL_HERNIA) for m in default_members(kb)]
    named = [a for a in proposed if a.get("diagnosis") == "Inguinal hernia"]
    assert len(named) >= 3, proposed


@pytest.mark.parametrize(
    "text",
    [
        "Coughing up pink frothy sputum since 4am.",
        "Suction: frothy pink secretions from the airway.",
    ],
)
def test_pink_frothy_sputum_reads_as_pulmonary_oedema(text: str) -> None:
    assert signs_of(text) == ["Acute pulmonary edema"]


@pytest.mark.parametrize(
    "text",
    [
        "No pink frothy sputum.",  # denied
        # A tuberculosis's or an embolism's blood: not frothy and pink.
        "Coughing up blood-streaked sputum for a month, night sweats.",
        # A pneumonia's rusty sputum.
        "Rusty coloured sputum, fever 39.",
    ],
)
def test_no_frothy_sputum_sign_when_denied_or_for_another_sputum(text: str) -> None:
    assert "Acute pulmonary edema" not in signs_of(text)


def test_a_pulmonary_oedema_with_frothy_sputum_reaches_consensus(
    kb: knowledge.KnowledgeBase,
) -> None:
    text = (
        "81F, known heart failure, woke at 2am gasping, has to sit up to breathe, coughing "
        "pink frothy sputum. RR 34, SpO2 84%, BP 188/104. Crackles to the mid zones."
    )
    proposed = [m.propose(text) for m in default_members(kb)]
    named = [a for a in proposed if a.get("diagnosis") == "Acute pulmonary edema"]
    assert len(named) >= 3, proposed


CARDIOGENIC_OEDEMA = (
    "74M, known poor LV, acutely breathless since midnight, orthopnoeic. RR 32, SpO2 86%, "
    "BP 176/98. Raised JVP, bibasal crackles to the mid zones. Apyrexial."
)


@pytest.mark.parametrize(
    "text",
    [
        CARDIOGENIC_OEDEMA,
        "Can't lie flat. S3 gallop, crackles both bases.",
    ],
)
def test_framinghams_bedside_criteria_read_as_pulmonary_oedema(text: str) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Acute pulmonary edema"]
    assert all(words in text for words in signs[0].quoted.split("', '"))


@pytest.mark.parametrize(
    "text",
    [
        CARDIOGENIC_OEDEMA.replace("Raised JVP", "JVP not raised"),  # denied
        # A pneumonia: crackles with a fever.
        "Orthopnoea, bilateral crackles, raised JVP, T 38.9, fever for 3 days.",
        # A COPD exacerbation with cor pulmonale.
        "Known COPD, can't lie flat, raised JVP, bibasal crackles and wheeze.",
        # A myocarditis's or an infarction's failing heart: the troponin.
        "Orthopnoea, S3, bibasal crackles. Troponin 3,400.",
        # A tamponade: a raised JVP with clear lungs.
        "Can't lie flat, raised JVP, muffled heart sounds, chest clear.",
    ],
)
def test_no_bedside_oedema_sign_when_denied_or_for_a_look_alike(text: str) -> None:
    assert "Acute pulmonary edema" not in signs_of(text)


def test_a_bedside_pulmonary_oedema_reaches_consensus(kb: knowledge.KnowledgeBase) -> None:
    proposed = [m.propose(CARDIOGENIC_OEDEMA) for m in default_members(kb)]
    named = [a for a in proposed if a.get("diagnosis") == "Acute pulmonary edema"]
    assert len(named) >= 3, proposed


@pytest.mark.parametrize(
    "text",
    [
        "Bedside echo: dilated RV with septal flattening.",
        "Echo: RV dilatation, D-shaped LV.",
    ],
)
def test_an_acutely_strained_right_ventricle_reads_as_pulmonary_embolism(text: str) -> None:
    assert signs_of(text) == ["Pulmonary embolism"]


@pytest.mark.parametrize(
    "text",
    [
        "Echo: no RV dilatation, no septal flattening.",  # denied
        # A chronic pulmonary hypertension's or a COPD's right heart.
        "Known pulmonary hypertension; echo dilated RV with septal flattening.",
        "Severe COPD on home oxygen. Echo: dilated right ventricle, flattened septum.",
        # A right ventricular infarction with an inferior STEMI.
        "Inferior ST elevation; echo: dilated RV with septal bowing, hypotensive.",
    ],
)
def test_no_right_heart_strain_sign_when_denied_or_for_a_look_alike(text: str) -> None:
    assert "Pulmonary embolism" not in signs_of(text)


def test_a_strained_right_heart_in_a_breathless_cancer_patient_reaches_consensus(
    kb: knowledge.KnowledgeBase,
) -> None:
    text = (
        "58F on chemotherapy for ovarian cancer, sudden breathlessness and a faint this "
        "morning. HR 124, BP 92/58, SpO2 87%. Chest clear. Echo: dilated RV with septal "
        "flattening."
    )
    proposed = [m.propose(text) for m in default_members(kb)]
    named = [a for a in proposed if a.get("diagnosis") == "Pulmonary embolism"]
    assert len(named) >= 3, proposed
