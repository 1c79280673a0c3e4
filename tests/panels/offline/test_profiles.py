"""The profile-matching reasoner (panels.offline.profiles) and the default panel's member that
uses it (Offline-4). Invented notes (not from any evaluation set)."""

from __future__ import annotations

import random
import re

import pytest

from panels import demo
from panels.offline import knowledge, member, methods, profiles
from panels.offline.member import default_members
from tests.panels.offline.members import read_tokens as read

SEED = 4
ASTHMA = "Wheeze and SOB at night, cough. Hx asthma."
# Fever, a productive cough and a pleuritic pain: several stated findings, of a common condition.
PLEURITIC = "45-year-old man with fever, productive cough and sharp chest pain when breathing in."


@pytest.fixture(scope="module")
def held_out(kb) -> frozenset[int]:
    return frozenset(random.Random(4).sample(range(len(kb.rows)), 150))


@pytest.fixture(scope="module")
def model(kb, held_out) -> profiles.Profiles:
    return profiles.train(kb, seed=SEED, exclude=held_out)


def by_alias(kb) -> dict[str, member.Member]:
    aliases = (str(f["alias"]) for f in demo.OFFLINE_MEMBERS)
    return dict(zip(aliases, default_members(kb), strict=True))


def test_the_profiles_are_cached_per_seed_and_built_without_the_excluded_rows(kb, held_out, model):
    assert profiles.train(kb, seed=SEED, exclude=frozenset(sorted(held_out))) is model
    assert not set(model.rows) & held_out
    assert profiles.train(kb, seed=SEED + 1, exclude=held_out).rows != model.rows
    gerd = [i for i in model.rows if kb.rows[i].pathology == "GERD"]
    column = model.columns["E_201"]  # a cough
    share = sum("E_201" in kb.rows[i].evidences for i in gerd) / len(gerd)
    assert model.shares[model.conditions.index("GERD"), column] == pytest.approx(share)


def test_the_explanation_names_the_stated_findings_most_typical_of_the_top_condition(kb, model):
    findings, age, sex = read(ASTHMA, kb)
    result = model.assess(findings, age, sex)
    (line,) = result.explanation
    top = result.ranking[0].condition
    match = re.fullmatch(
        rf"Profile match: {re.escape(top)}'s profile accounts for (\d+)% of the weight of the "
        r"stated findings; the most typical of its cases \(share of them\): (.+)\.",
        line,
    )
    assert match, line
    row = model.conditions.index(top)
    shown = re.findall(r"(.+?) \((\d+)%\)(?:, |$)", match.group(2))
    assert 1 <= len(shown) <= profiles.FINDINGS_SHOWN
    stated = {knowledge.finding_text(t, kb=kb): t for t in findings}
    shares = []
    for words, percent in shown:
        feature = next(iter(methods.features({stated[words]}, kb=kb)))
        share = model.shares[row, model.columns[feature]]
        assert round(share * 100) == int(percent), (words, share)
        shares.append(share)
    assert shares == sorted(shares, reverse=True)  # the most typical first
    empty = model.assess(frozenset(), None, None).explanation[0]
    assert empty.startswith("No stated finding is in the profile of ")


def test_age_sex_and_silence_change_nothing_only_the_stated_findings_count(kb, model):
    findings, _, _ = read(PLEURITIC, kb)
    alone = model.assess(findings, None, None)
    assert model.assess(findings, 80, "F") == alone
    assert model.assess(findings, 3, "M", closed=True) == alone


def test_a_finding_a_condition_rarely_has_lowers_its_match_without_ruling_it_out(kb, model):
    findings, _, _ = read("Heartburn worse after meals and lying flat, sour taste.", kb)
    before = {s.condition: s.probability for s in model.assess(findings, None, None).ranking}
    odd, _, _ = read("Heartburn worse after meals and lying flat, sour taste, and a rash.", kb)
    assert odd == findings | {"E_129"}  # the rash is read; GERD's cases have none
    gerd = model.conditions.index("GERD")
    assert model.shares[gerd, model.columns["E_129"]] < 0.05
    after = {s.condition: s.probability for s in model.assess(odd, None, None).ranking}
    assert max(before, key=before.__getitem__) == max(after, key=after.__getitem__) == "GERD"
    assert 0 < after["GERD"] < before["GERD"]


def test_offline_4_matches_profiles_and_explains_its_answer(kb):
    fourth = by_alias(kb)["Offline-4"]
    assert fourth.method == "profiles"
    answer = fourth.propose(ASTHMA)
    assert answer["diagnosis"] == "Bronchospasm / acute asthma exacerbation", answer
    reasoning = str(answer["reasoning"])
    assert f"this member reasons with {member.METHOD_NAMES['profiles']}" in reasoning
    assert "Profile match: Bronchospasm / acute asthma exacerbation's profile accounts for" in (
        reasoning
    )
    assert "Understood: " in reasoning and "(fitted on " in reasoning
    assert 50 <= int(answer["confidence"]) < 100


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("asdf qwerty zxcv", "I abstain: this does not read as a clinical case"),
        ("Eggs, milk, two loaves of bread.", "I abstain: this does not read as a clinical case"),
        ("Cough.", "I abstain: the text states only 1 finding"),
    ],
)
def test_offline_4_abstains_on_text_it_cannot_judge(kb, text, reason):
    answer = by_alias(kb)["Offline-4"].propose(text)
    assert answer["abstain"] is True and answer["diagnosis"] is None
    assert str(answer["reasoning"]).startswith(reason), answer["reasoning"]


def test_offline_4_never_names_ebola_without_the_exposure_it_requires(kb):
    ebola = kb.conditions["Ebola"]
    fourth = by_alias(kb)["Offline-4"]
    rows = [r for r in kb.rows if r.pathology == "Ebola"][:5]
    for row in rows:
        unexposed = tuple(
            t for t in row.evidences if t not in ebola.requires and t != "E_204_@_V_1"
        )
        stripped = knowledge.PatientRow(
            row.age, row.sex, row.pathology, unexposed, row.initial, row.source
        )
        assert ebola not in fourth.assess(knowledge.render_patient(stripped)).ranking.conditions
    assert fourth.assess(knowledge.render_patient(rows[0])).ranking.conditions[0] is ebola


def test_its_errors_are_not_offline_1s(kb):
    # Short notes (a third of a stored case's findings, the rest unsaid): the Bayesian member
    # and the profile match both err on some, but mostly on different ones. Offline-4 was naive
    # Bayes over the symptoms only, which shared 15 of Offline-1's 16 mistakes here.
    members = by_alias(kb)
    first, fourth = members["Offline-1"], members["Offline-4"]
    assert (first.method, fourth.method) == ("bayes", "profiles")
    rng = random.Random(11)
    wrong: dict[str, set[int]] = {"Offline-1": set(), "Offline-4": set()}
    for i, row in enumerate(rng.sample(kb.rows, 120)):
        kept = tuple(t for t in row.evidences if rng.random() < 0.35)
        if knowledge.unmet(kb.conditions[row.pathology], knowledge.stated(frozenset(kept), kb)):
            continue  # the exposure it requires left out: no member may name it
        text = knowledge.render_patient(
            knowledge.PatientRow(row.age, row.sex, row.pathology, kept, row.initial, row.source)
        )
        for alias in wrong:
            if members[alias].assess(text).ranking.conditions[0].name != row.pathology:
                wrong[alias].add(i)
    shared = wrong["Offline-1"] & wrong["Offline-4"]
    assert wrong["Offline-1"] and wrong["Offline-4"]
    assert len(shared) < 0.6 * len(wrong["Offline-1"]), wrong
