from __future__ import annotations

import re

import pytest

from panels.offline import knowledge, renderings

CODE = re.compile(r"\b[EV]_\d+")
TEMPERATURE = re.compile(r"(?:\bT |temp(?:erature)? |\b)(\d{2,3}\.\d)\s?(?:°\s?)?([CF])?\b")


def fold(text: str) -> str:
    return text.casefold().replace("ae", "e")


def celsius(text: str) -> list[float]:
    found = []
    for match in TEMPERATURE.finditer(text):
        value = float(match.group(1))
        if match.group(2) == "F" or value > 50:
            value = (value - 32) * 5 / 9
        if 34 <= value <= 42:
            found.append(value)
    return found


def test_the_same_row_and_seed_give_the_same_texts(kb):
    row = kb.rows[1]
    first = renderings.render_variants(row, kb, seed=4, count=6)
    assert renderings.render_variants(row, kb, seed=4, count=6) == first
    assert renderings.render_variants(row, kb, seed=5, count=6) != first
    assert len(first) == 6


def test_the_variants_of_one_row_are_all_different(kb):
    for row in kb.rows[:40]:
        texts = renderings.render_variants(row, kb, seed=1, count=8)
        assert len(set(texts)) == 8
        assert knowledge.render_patient(row) not in texts


def test_renderings_show_no_evidence_code_and_never_name_the_condition(kb):
    for row in kb.rows[:300]:
        plain, name = fold(knowledge.render_patient(row)), fold(row.pathology)
        for text in renderings.render_variants(row, kb, seed=2, count=4):
            assert not CODE.search(text), text
            assert "NA" not in text.split() and "nowhere" not in text
            if name not in plain:  # unless a finding's own words hold it ("anaemia")
                assert name not in fold(text), text


def test_clinician_shorthand_appears(kb):
    texts = [
        t for row in kb.rows[:200] for t in renderings.render_variants(row, kb, seed=3, count=4)
    ]
    joined = "\n".join(texts)
    for shorthand in ("c/o", "PMH", "SOB", "HTN", "/10", "Triage:", "S: ", "yo "):
        assert shorthand in joined, shorthand
    assert re.search(r"\b\d{1,3}[MF]\b", joined)  # "67M"


def test_temperature_is_written_as_a_number_that_agrees_with_the_row(kb):
    with_fever = without = 0
    for row in kb.rows[:400]:
        for text in renderings.render_variants(row, kb, seed=6, count=3):
            values = celsius(text)
            if "E_91" in row.evidences:
                with_fever += bool(values)
                assert all(v >= 38.0 for v in values), text
            else:
                without += bool(values)
                assert all(v < 38.0 for v in values), text
    assert with_fever > 100 and without > 100


def test_negated_distractors_name_only_findings_the_row_does_not_have(kb):
    cue = re.compile(
        r"\b(?:no|denies|nil|neg for|without|\(-\)|no hx of) ([a-z/ ]+?)(?: reported)?[.,;]|$"
    )
    denied = 0
    for row in kb.rows[:300]:
        for text in renderings.render_variants(row, kb, seed=8, count=4):
            for match in cue.finditer(text.casefold()):
                words = match.group(1)
                if not words:
                    continue
                tokens = [
                    t for t, forms in renderings.DENIED.items() if words in map(str.casefold, forms)
                ]
                denied += bool(tokens)
                assert not set(tokens) & set(row.evidences), (words, text)
    assert denied > 200


def test_irrelevant_history_and_omissions_vary_the_texts(kb):
    row = kb.rows[1]  # a long row: many findings to leave out
    texts = renderings.render_variants(row, kb, seed=9, count=30)
    lengths = {len(t) for t in texts}
    assert len(lengths) > 20
    assert any(item in t for t in texts for item in renderings.IRRELEVANT)


def test_a_negative_count_is_refused(kb):
    with pytest.raises(ValueError, match="count"):
        renderings.render_variants(kb.rows[0], kb, seed=1, count=-1)
    assert renderings.render_variants(kb.rows[0], kb, seed=1, count=0) == []


def test_renderings_are_rendered_once_and_shared_as_rendered_fresh(kb):
    """The folds' classifiers and the calibrators share one rendering per (row, seed, variant):
    the shared texts are the ones a fresh rendering gives, and fewer variants are a prefix."""
    rows = kb.rows[200:230]
    shared = [renderings.render_variants(row, kb, seed=3, count=3) for row in rows]
    fresh = [[renderings._variant.__wrapped__(row, kb, 3, i) for i in range(3)] for row in rows]
    assert shared == fresh
    assert len({text for texts in shared for text in texts}) == 90  # all different
    before = renderings._variant.cache_info().hits
    again = [renderings.render_variants(row, kb, seed=3, count=1) for row in rows]
    assert again == [texts[:1] for texts in shared]
    assert renderings._variant.cache_info().hits == before + len(rows)  # not rendered again


def test_notes_are_also_written_by_patients_relatives_referrers_and_examiners(kb):
    texts = [
        t for row in kb.rows[:120] for t in renderings.render_variants(row, kb, seed=0, count=7)
    ]
    joined = "\n".join(texts)
    assert re.search(r"\bI(?:'m| am) \d+", joined)  # the patient
    assert re.search(r"\bMy (?:husband|wife|son|daughter|mother|father|mum|dad|partner) is", joined)
    assert "thank you for seeing this" in joined  # a referral letter
    assert re.search(r"\bpresents(?: to [a-z ]+)? with\b", joined) and "Vital signs:" in joined


def test_abnormal_vitals_are_written_only_with_the_findings_they_go_with(kb):
    breath = re.compile(r"\b(?:RR|respiratory rate) (\d+)")
    saturation = re.compile(r"\b(?:SpO2|sats) (\d+)%")
    pulse = re.compile(r"\b(?:HR|heart rate) (\d+)")
    fast = {"breath": 0, "saturation": 0}
    fast_pulse = {True: 0, False: 0}  # by whether the row has a fever
    for row in kb.rows[:400]:
        for text in renderings.render_variants(row, kb, seed=6, count=3):
            for name, pattern, abnormal in (
                ("breath", breath, lambda v: v > 20),
                ("saturation", saturation, lambda v: v < 94),
            ):
                for value in map(int, pattern.findall(text)):
                    if abnormal(value):
                        assert "E_66" in row.evidences, text
                        fast[name] += 1
            fever = "E_91" in row.evidences
            fast_pulse[fever] += sum(int(v) > 100 for v in pulse.findall(text))
    assert all(count > 20 for count in fast.values()), fast
    # A fast pulse teaches nothing: DDXPlus has no such finding, so it comes with any row.
    assert all(count > 3 for count in fast_pulse.values()), fast_pulse
