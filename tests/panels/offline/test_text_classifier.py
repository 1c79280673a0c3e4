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
        probability = {s.condition: s.probability for s in classifier.assess(without).ranking}
        assert probability[top.condition] < top.probability, term


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
