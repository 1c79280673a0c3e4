"""Where a denial ends, what smoking is, and whose finding a relative reports: the member's
reading of short invented notes (none taken from the development or held-out sets)."""

from __future__ import annotations

import pytest

from panels.offline import extraction

FEVER, COUGH, RASH, SPUTUM = "E_91", "E_201", "E_129", "E_77"
CHEST_PAIN, PALPITATIONS, WHEEZE, SMOKES = "E_53", "E_155", "E_214", "E_79"


def reading(text: str, kb) -> tuple[set[str], set[str]]:
    found = extraction.read(text, kb=kb)
    return {f.token for f in found.present}, {f.token for f in found.absent}


# 1. A denial ends at a comma that opens a new positive statement.


@pytest.mark.parametrize(
    ("text", "denied", "stated"),
    [
        ("No fever, cough productive of green sputum.", {FEVER}, {COUGH, SPUTUM}),
        ("Denies chest pain, describes palpitations at night.", {CHEST_PAIN}, {PALPITATIONS}),
        ("Denies chest pain, reports palpitations.", {CHEST_PAIN}, {PALPITATIONS}),
        ("No fever, he is coughing at night.", {FEVER}, {COUGH}),
        ("No fever, and she has been wheezy.", {FEVER}, {WHEEZE}),
        ("Denies fever, cough for three days.", {FEVER}, {COUGH}),
        ("No chest pain, palpitations since yesterday.", {CHEST_PAIN}, {PALPITATIONS}),
        ("Not feverish, coughing a lot.", {FEVER}, {COUGH}),
        ("no headache, several small patches of rash on the legs", {"E_53"}, {RASH}),
    ],
)
def test_a_denial_ends_where_a_new_positive_statement_begins(kb, text, denied, stated):
    present, absent = reading(text, kb)
    assert denied <= absent, text
    assert stated <= present, text
    assert not stated & absent, text


@pytest.mark.parametrize(
    "text",
    [
        "No fever, cough or rash.",
        "Denies fever, cough, rash.",
        "No fever, cough or rash for two weeks.",
        "Not feverish, coughing or covered in a rash.",
        "No fever, cough nor rash since the weekend.",
        "No fever, some cough or rash.",
    ],
)
def test_a_denied_list_still_denies_every_item(kb, text):
    present, absent = reading(text, kb)
    assert {FEVER, COUGH, RASH} <= absent, text
    assert not {FEVER, COUGH, RASH} & present, text


@pytest.mark.parametrize(
    "text",
    [
        "Denies pain in her chest, her back or her arm.",
        # a denial that ends inside a phrase judges the phrase by its words before the end
        "Denies pain in her chest, her back, her arm since Monday.",
    ],
)
def test_a_denied_pain_listed_by_its_places_stays_denied_everywhere(kb, text):
    present, absent = reading(text, kb)
    assert CHEST_PAIN in absent, text
    assert not {t for t in present if t.startswith(("E_53", "E_55"))}, text


def test_a_new_statement_can_still_deny_on_its_own(kb):
    present, absent = reading("No fever, he hasn't had a cough.", kb)
    assert {FEVER, COUGH} <= absent
    assert not {FEVER, COUGH} & present


# 2. Cannabis is not tobacco.


@pytest.mark.parametrize(
    "text",
    [
        "Smokes cannabis most evenings.",
        "He smokes weed at weekends.",
        "Cannabis smoker, no other drugs.",
        "Smoking marijuana daily since college.",
    ],
)
def test_smoking_cannabis_is_not_smoking_cigarettes(kb, text):
    present, _ = reading(text, kb)
    assert SMOKES not in present, text


@pytest.mark.parametrize(
    "text",
    [
        "Smokes 20 a day.",
        "Smokes cigarettes and cannabis.",
        "Smoker, also uses cannabis at weekends.",
    ],
)
def test_tobacco_is_still_read_beside_cannabis(kb, text):
    present, _ = reading(text, kb)
    assert SMOKES in present, text


def test_a_denied_cannabis_use_denies_no_tobacco(kb):
    present, absent = reading("Smokes 10 a day, no cannabis.", kb)
    assert SMOKES in present and SMOKES not in absent


# 3. A parent who reports a child's finding is only the reporter.


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("4-year-old boy. Mum says he has been wheezy at night.", {WHEEZE}),
        ("Dad says she has been wheezy and coughing.", {WHEEZE, COUGH}),
        ("Toddler. Mum noticed he was wheezing after the cold.", {WHEEZE}),
        ("Baby girl, 5 months. Her mother reports a cough for a week.", {COUGH}),
        ("Mum thinks he has had a fever since Tuesday.", {FEVER}),
    ],
)
def test_a_parents_report_is_the_childs_finding(kb, text, stated):
    found = extraction.read(text, kb=kb)
    assert stated <= {f.token for f in found.present}, text
    assert not any("relative" in aside for aside in found.set_aside), text


@pytest.mark.parametrize(
    "text",
    [
        "Mum has asthma.",
        "His mother has asthma and hay fever.",
        "Dad says his own father had asthma.",
    ],
)
def test_a_relatives_own_condition_stays_a_family_history(kb, text):
    present, _ = reading(text, kb)
    assert "E_124" not in present, text


def test_a_parent_reporting_a_denial_denies_the_childs_finding(kb):
    present, absent = reading("Mum says he has had no fever.", kb)
    assert FEVER in absent and FEVER not in present


# A relative's scope ends where the patient speaks of themself, where a quote opens, and a
# relative who brought the patient or whose child the patient is names no family history.


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("When I stay at my brother's flat with his dog, my eyes itch and I sneeze.", {"E_181"}),
        ("Whenever I visit my aunt, within minutes my nose runs.", {"E_181"}),
        ("My sister has hay fever and I have had a wheeze since spring.", {WHEEZE}),
        ("Mum rang: 'he has had a fever and a barking cough'.", {FEVER, "E_202"}),
        ("A 5-year-old girl brought in by her mother with a cough and a fever.", {COUGH, FEVER}),
        ("Toddler accompanied by his father, wheezy since last night.", {WHEEZE}),
        ("Mother of a 3-year-old boy: wheezing and coughing since yesterday.", {WHEEZE, COUGH}),
        ("Dad is 70, he coughs up green phlegm and has a fever.", {FEVER, SPUTUM}),
        ("My dad, who is 68, has had a fever and a cough since Sunday.", {FEVER, COUGH}),
    ],
)
def test_the_patients_own_findings_beside_a_relative(kb, text, stated):
    found = extraction.read(text, kb=kb)
    assert stated <= {f.token for f in found.present}, text
    assert not any("relative" in aside for aside in found.set_aside), text


@pytest.mark.parametrize(
    "text",
    [
        "His mother has asthma, I think.",
        "Brought in by his mother, who has asthma herself.",
        "Her father has asthma; the child has a cough.",
        "Dad, who smokes, says the boy coughs at night.",
        "My brother, who lives with me, has asthma.",
        "My sister who I stay with at weekends has asthma.",
        "Her uncle, who visited in May, was 'smoking like a chimney'.",
    ],
)
def test_what_the_relative_has_stays_the_relatives(kb, text):
    present, _ = reading(text, kb)
    assert not {"E_124", SMOKES} & present, text


def test_a_relative_in_brackets_reaches_only_the_bracket(kb):
    present, _ = reading("3yo girl, not immunised (parents' choice), high fever and drooling.", kb)
    assert {FEVER, "E_190"} <= present
    present, _ = reading("Family history (mother: asthma) noted.", kb)
    assert "E_124" not in present
    present, _ = reading("His mother (aged 60) has asthma.", kb)
    assert "E_124" not in present
    present, absent = reading("No fever (T 37.2) or cough.", kb)
    assert {FEVER, COUGH} <= absent and not {FEVER, COUGH} & present


def test_a_parent_writing_about_a_child_by_age_writes_the_childs_note(kb):
    found = extraction.read("My 7 year old son woke with a barking cough and a fever.", kb=kb)
    assert {FEVER, "E_202"} <= {f.token for f in found.present}
    assert not any("relative" in aside for aside in found.set_aside)


# "If" before what the patient does says when a finding comes, not that it might.


@pytest.mark.parametrize(
    "text",
    [
        "Sharp central chest pain, much better if I sit up and lean forward.",
        "Chest pain; if you sit up and lean forward it eases.",
    ],
)
def test_an_if_before_what_the_patient_does_is_no_hypothesis(kb, text):
    found = extraction.read(text, kb=kb)
    assert not any("hypothetical" in aside for aside in found.set_aside), text
    assert {"E_217", "E_33"} & {f.token for f in found.present}, text


@pytest.mark.parametrize(
    "text",
    ["Return if she develops a rash or a fever.", "Come back if I get a fever or a rash."],
)
def test_an_if_before_what_might_come_stays_a_hypothesis(kb, text):
    present, _ = reading(text, kb)
    assert not {FEVER, RASH} & present, text


# "Never had X like this" says X is new, not absent.


@pytest.mark.parametrize(
    "text",
    ["He has never had chest pain like this before.", "Never had a chest pain this bad."],
)
def test_a_finding_never_had_like_this_is_present(kb, text):
    present, absent = reading(text, kb)
    assert CHEST_PAIN in present and CHEST_PAIN not in absent, text


def test_a_finding_never_had_is_still_denied(kb):
    present, absent = reading("He has never had chest pain. Palpitations like this before.", kb)
    assert CHEST_PAIN in absent and CHEST_PAIN not in present


@pytest.mark.parametrize(
    "text",
    [
        "Cough for 3 days. Plan: fluids, safety-net for breathlessness or confusion.",
        "Cough for 3 days. Safety netted for shortness of breath and chest pain.",
        "Cough for 3 days. Monitor for shortness of breath.",
    ],
)
def test_what_a_plan_safety_nets_for_is_not_what_the_patient_has(kb, text):
    tokens = extraction.read(text, kb=kb).tokens
    assert "E_201" in tokens and "E_66" not in tokens, text
