"""Decisive signs of the airway infections (panels/offline/decisive_signs.py, the section
"Airway infections"): test findings DDXPlus has no evidence for. Invented notes, none taken
from the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import decisive, knowledge
from tests.panels.offline.members import named_by, signs_of


# Tuberculosis: the bacillus found by a molecular test or a culture, or an interferon-gamma
# release assay written out.
@pytest.mark.parametrize(
    "text",
    [
        "Interferon-gamma release assay positive.",
        "Positive IGRA last month.",
        "Xpert MTB/RIF: MTB detected, rifampicin resistance not detected.",
        "Sputum culture grew Mycobacterium tuberculosis at 3 weeks.",
        "BAL PCR detected M. tuberculosis complex.",
        "M. tuberculosis isolated from the early-morning sputum.",
    ],
)
def test_the_tuberculosis_bacillus_found_or_a_positive_igra_is_a_sign(text: str) -> None:
    signs = decisive.stated(text)
    assert [s.condition for s in signs] == ["Tuberculosis"], text
    assert signs[0].quoted in text


@pytest.mark.parametrize(
    "text",
    [
        "Interferon-gamma release assay negative.",
        "Xpert MTB/RIF: MTB not detected.",
        "Sputum NAAT did not detect M. tuberculosis.",
        "Sputum for MTB PCR and culture sent.",
        "Awaiting interferon-gamma release assay.",
        # Look-alikes: another mycobacterium, another bacterium in the sputum.
        "Sputum culture grew Mycobacterium avium complex.",
        "Sputum culture grew Streptococcus pneumoniae.",
    ],
)
def test_a_negative_or_pending_test_or_another_organism_is_no_tuberculosis_sign(
    text: str,
) -> None:
    assert "Tuberculosis" not in signs_of(text), text


TUBERCULOSIS = (
    "52M, 2 months of cough and night sweats, lost 6 kg. Sputum PCR detected "
    "M. tuberculosis, rifampicin resistance not detected."
)


def test_a_note_with_the_bacillus_found_is_named_tuberculosis(
    kb: knowledge.KnowledgeBase,
) -> None:
    named = named_by(kb, TUBERCULOSIS)
    assert named.count("Tuberculosis") >= 3, named


def test_a_pneumonia_with_its_organism_grown_is_not_named_tuberculosis(
    kb: knowledge.KnowledgeBase,
) -> None:
    text = (
        "67M 3 days of fever 39, rigors, cough with rusty sputum and right pleuritic pain. "
        "Sputum culture grew Streptococcus pneumoniae."
    )
    assert named_by(kb, text).count("Tuberculosis") < 3


# COPD: the emphysematous chest (flattened diaphragms, a barrel chest) or an airflow
# obstruction that a bronchodilator does not reverse.
COPD = "Acute COPD exacerbation / infection"


@pytest.mark.parametrize(
    "text",
    [
        "CXR: hyperexpanded lungs with flat diaphragms, no focal change.",
        "Chest film shows low-lying hemidiaphragms.",
        "Barrel-chested, pursed-lip breathing.",
        "Spirometry last year: irreversible airflow obstruction.",
        "Post-bronchodilator FEV1/FVC 0.58.",
    ],
)
def test_flattened_diaphragms_a_barrel_chest_or_fixed_obstruction_is_a_copd_sign(
    text: str,
) -> None:
    assert signs_of(text) == [COPD], text


@pytest.mark.parametrize(
    "text",
    [
        "CXR: diaphragms not flattened.",
        "No barrel chest.",
        "CXR: hyperinflation only.",  # an asthma's attack hyperinflates too
        # Look-alikes: an asthma, a cystic fibrosis, a COPD's pneumonia.
        "Known asthma, peak flow 40% of best. CXR: hyperinflated, flattened diaphragms.",
        "Cystic fibrosis, barrel chest, clubbing.",
        "CXR: flattened diaphragms and a right lower lobe consolidation.",
    ],
)
def test_a_denied_sign_an_asthma_or_a_pneumonia_is_no_copd_sign(text: str) -> None:
    assert COPD not in signs_of(text), text


def test_a_pneumonia_in_a_copd_keeps_its_own_sign() -> None:
    assert signs_of("CXR: flattened diaphragms and a left basal consolidation.") == ["Pneumonia"]


COPD_FLARE = (
    "70M ex-smoker, 4 days more breathless than usual, coughing up more green sputum, using "
    "his reliever hourly. RR 24, sats 87% on air, widespread wheeze. CXR: flattened "
    "diaphragms, no consolidation."
)
ASTHMA_ATTACK = (
    "24F known asthma, 6 hours of wheeze and chest tightness after a cold, reliever not "
    "helping. RR 28, sats 93%, speaking in phrases. CXR: hyperinflated, flattened diaphragms."
)


def test_a_copd_flare_with_flattened_diaphragms_is_named_copd(
    kb: knowledge.KnowledgeBase,
) -> None:
    named = named_by(kb, COPD_FLARE)
    assert named.count(COPD) >= 3, named


def test_an_asthma_attack_with_flattened_diaphragms_is_not_named_copd(
    kb: knowledge.KnowledgeBase,
) -> None:
    assert named_by(kb, ASTHMA_ATTACK).count(COPD) < 3


# Acute rhinosinusitis: a maxillary or frontal sinus tender to palpation or percussion.
SINUSITIS = "Acute rhinosinusitis"


@pytest.mark.parametrize(
    "text",
    [
        "Tenderness to palpation over the left maxillary sinus.",
        "Exam: tender R maxilla, purulent nasal discharge.",
        "Frontal sinuses tender to percussion.",
        "Tender over both maxillary sinuses.",
    ],
)
def test_a_tender_maxillary_or_frontal_sinus_is_a_sinusitis_sign(text: str) -> None:
    assert signs_of(text) == [SINUSITIS], text


@pytest.mark.parametrize(
    "text",
    [
        "No tenderness over the maxillary sinuses.",
        "Maxillary sinuses non-tender.",
        "CT: mucosal thickening of both maxillary sinuses.",  # named, not tender
        # Look-alikes: a chronic sinusitis, a broken cheekbone, a dental abscess, a cellulitis.
        "Blocked nose for 5 months, nasal polyps, tender over the maxillary sinuses.",
        "Fell off his bike: tender left maxilla, ?zygoma fracture.",
        "Dental abscess upper left 6, tender left maxilla.",
        "Hot red swollen cheek, cellulitis, tender over the maxillary sinus.",
    ],
)
def test_a_denied_tenderness_or_a_look_alike_is_no_sinusitis_sign(text: str) -> None:
    assert SINUSITIS not in signs_of(text), text


ACUTE_SINUSITIS = (
    "38F, 10 days after a cold: blocked nose, thick green discharge, pain in both cheeks "
    "worse bending forward, reduced smell. T 38.3. Tender over the maxillary sinuses."
)
CHRONIC_SINUSITIS = (
    "55M, 8 months of blocked nose, post-nasal drip, facial pressure and loss of smell. "
    "Afebrile. Tender over the maxillary sinuses."
)


def test_an_acute_sinusitis_with_tender_sinuses_is_named_acute_rhinosinusitis(
    kb: knowledge.KnowledgeBase,
) -> None:
    named = named_by(kb, ACUTE_SINUSITIS)
    assert named.count(SINUSITIS) >= 3, named


def test_a_chronic_sinusitis_with_tender_sinuses_is_not_named_acute(
    kb: knowledge.KnowledgeBase,
) -> None:
    assert named_by(kb, CHRONIC_SINUSITIS).count(SINUSITIS) < 3


# A result said "not" between the test and its word ("PCR: not detected", "not raised") is a
# negative result: the sign's words after a denial are no sign.
@pytest.mark.parametrize(
    "text",
    [
        "Influenza A PCR: not detected.",
        "Flu swab not positive.",
        "RSV PCR not detected.",
        "Ebola PCR not detected.",
        "Pertussis PCR not detected.",
        "Tryptase not raised.",
        "CA 19-9 not raised.",
        "p24 antigen not positive.",
        "Skin-prick test not positive to grass pollen.",
        "Quantiferon not positive.",
    ],
)
def test_a_test_result_said_not_positive_or_not_detected_is_no_sign(text: str) -> None:
    assert decisive.stated(text) == (), text
