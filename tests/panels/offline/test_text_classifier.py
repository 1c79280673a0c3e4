from __future__ import annotations

import random
import re

import numpy as np
import pytest

from panels.offline import knowledge, methods, renderings, text_classifier

SEED = 5


@pytest.fixture(scope="module")
def held_out(kb) -> frozenset[int]:
    return frozenset(random.Random(0).sample(range(len(kb.rows)), 300))


@pytest.fixture(scope="module")
def classifier(kb, held_out) -> text_classifier.TextClassifier:
    return text_classifier.train(kb, seed=SEED, exclude=held_out)


def test_training_is_cached_per_seed_and_excluded_rows(kb, held_out, classifier):
    hits = text_classifier._train.cache_info().hits
    assert text_classifier.train(kb, seed=SEED, exclude=frozenset(sorted(held_out))) is classifier
    assert text_classifier._train.cache_info().hits == hits + 1
    other_sample = methods.training_sample(len(kb.rows), seed=SEED + 1, exclude=held_out)
    assert other_sample != classifier.rows  # another member trains on other rows


def test_retraining_gives_the_same_classifier_and_never_renders_excluded_rows(
    kb, held_out, classifier, monkeypatch
):
    seen: list[knowledge.PatientRow] = []
    real_variants, real_plain = renderings.render_variants, knowledge.render_patient

    def spy_variants(row, kb, *, seed, count):
        seen.append(row)
        return real_variants(row, kb, seed=seed, count=count)

    def spy_plain(row):
        seen.append(row)
        return real_plain(row)

    monkeypatch.setattr(renderings, "render_variants", spy_variants)
    monkeypatch.setattr(knowledge, "render_patient", spy_plain)
    retrained = text_classifier._train.__wrapped__(kb, SEED, held_out)  # bypass the cache
    excluded = {id(kb.rows[i]) for i in held_out}
    assert len(seen) == 2 * len(retrained.rows)
    assert not any(id(row) in excluded for row in seen)
    assert not set(retrained.rows) & held_out
    assert retrained is not classifier
    text = "58M c/o fever, productive cough and pleuritic CP x3d. SOB. Smoker."
    assert retrained.assess(text) == classifier.assess(text)


def test_it_is_right_far_above_chance_on_renderings_of_rows_it_never_saw(kb, held_out, classifier):
    right = total = 0
    for index in sorted(held_out):
        row = kb.rows[index]
        for text in renderings.render_variants(row, kb, seed=99, count=2):
            right += classifier.assess(text).ranking[0].condition == row.pathology
            total += 1
    assert right / total > 0.75  # chance is 1 in 49


def test_the_ranking_covers_every_condition_best_first(kb, classifier):
    result = classifier.assess("41F SOB, wheeze, tight chest at night. Hx asthma.")
    names = [s.condition for s in result.ranking]
    assert sorted(names) == sorted(kb.conditions)
    probabilities = [s.probability for s in result.ranking]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0)


def test_the_explanation_names_words_of_the_text_that_weigh_for_the_top_condition(classifier):
    text = "67 yo M, 3 days of fever, productive cough with green sputum, pleuritic chest pain."
    result = classifier.assess(text)
    (line,) = result.explanation
    top = result.ranking[0]
    assert line.endswith(f"weigh for {top.condition}.")
    terms = re.findall(r"'([^']+)'", line)
    assert terms
    for term in terms:
        assert term in text.casefold()
        without = text.casefold().replace(term, " ")
        # The top condition's own one-vs-rest score falls without the term (its probability,
        # normalised over all conditions, can rise when the term weighed for others more).
        assert score(classifier, without, top.condition) < score(classifier, text, top.condition), (
            term
        )


def score(classifier: text_classifier.TextClassifier, text: str, condition: str) -> float:
    marked, kept = text_classifier.read(text)
    column = classifier.conditions.index(condition)
    words = classifier.words.transform([marked]) @ classifier.word_weights[:, column]
    chars = classifier.chars.transform([kept]) @ classifier.char_weights[:, column]
    return float(words[0] + chars[0] + classifier.intercept[column])


def test_negated_findings_are_read_as_absent():
    marked, kept = text_classifier.read("Cough for 3 days, no fever or chills. Denies CP; SOB.")
    assert "no_fever" in marked.split() and "no_chills" in marked.split()
    assert "no_cp" in marked.split() and "sob" in marked.split() and "cough" in marked.split()
    assert "fever" not in kept.split() and "cp" not in kept.split()


def test_text_without_a_known_word_says_it_is_the_prior(classifier):
    result = classifier.assess("zzzz qqqq")
    assert "prior" in result.explanation[0]


def test_the_model_is_the_same_with_one_fit_thread_or_two(kb, monkeypatch):
    # The one-vs-rest fits run in FIT_THREADS threads; each is seeded before any runs, so
    # the number of threads never changes the model (nor, so, an evaluation's outcomes).
    exclude = frozenset(range(300, len(kb.rows)))  # a small sample: a quick training
    models = []
    for threads in (1, 2):
        monkeypatch.setattr(text_classifier, "FIT_THREADS", threads)
        models.append(text_classifier._train.__wrapped__(kb, SEED, exclude))
    one, two = models
    assert one.conditions == two.conditions
    assert np.array_equal(one.word_weights, two.word_weights)
    assert np.array_equal(one.char_weights, two.char_weights)
    assert np.array_equal(one.intercept, two.intercept)


def test_vital_signs_are_read_as_what_they_show_even_after_a_denial():
    marked, kept = text_classifier.read("No cough, T 38.9 HR 108 RR 26 BP 118/70 sats 90% RA.")
    words = marked.split()
    for finding in ("fever", "tachypnoea", "hypoxaemia"):
        assert finding in words and finding in kept.split(), finding
    assert "no_cough" in words and "no_fever" not in words
    assert "38.9" not in marked and "108" not in marked  # the numbers themselves say nothing
    # A fast pulse says nothing: DDXPlus has no such finding for the renderings to teach.
    assert "tachycardia" not in marked and "no_108" not in words
    normal, _ = text_classifier.read("T 36.8, HR 72, sats 98%.")
    assert normal.split("|").count(" afebrile ") == 1
    assert "tachycardia" not in normal and "hypoxaemia" not in normal


def test_a_fever_written_as_a_number_weighs_as_the_word_fever(
    classifier: text_classifier.TextClassifier,
) -> None:
    def fever_share(text: str) -> float:
        ranking = classifier.assess(text).ranking
        return sum(s.probability for s in ranking if s.condition in ("Pneumonia", "Influenza"))

    note = "58M productive cough 4d, SOB, {}. Smoker."
    assert fever_share(note.format("T 39.1")) > 1.5 * fever_share(note.format("T 36.7"))
    worded, numbered = (
        classifier.assess(note.format("fever")),
        classifier.assess(note.format("T 39.1")),
    )
    assert worded.ranking[0].condition == numbered.ranking[0].condition


def test_negations_in_a_patients_own_words_are_read_as_absent():
    marked, _ = text_classifier.read("I don't have a fever. My son hasn't had any rash")
    assert "no_fever" in marked.split() and "no_rash" in marked.split()


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        (
            "I've had a blocked nose and pressure over my cheeks for a week, green snot, "
            "and my teeth ache when I bend down.",
            "Acute rhinosinusitis",
        ),
        (
            "S: 30F, itchy watery eyes and sneezing every spring, clear runny nose. "
            "O: afebrile. A/P: ?",
            "Allergic sinusitis",
        ),
        (
            "Triage: 67F. CC: palpitations, irregular heartbeat, feels tired and breathless "
            "on stairs. PMH HTN.",
            "Atrial fibrillation",
        ),
        (
            "My son is 3, he has had ear pain since last night, pulling at his left ear, "
            "fever 38.6 and crying a lot.",
            "Acute otitis media",
        ),
    ],
)
def test_notes_in_people_s_own_words_and_shorthand_read_as_their_condition(
    classifier, text, condition
):
    assert classifier.assess(text).ranking[0].condition == condition
