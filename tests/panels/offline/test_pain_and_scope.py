"""A pain written without the phrase "X pain" (its place after a pain word, or a place that
hurts), and how far a negation reaches. Invented sentences, none taken from the development
or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction

CHEST = "E_55_@_chest"
HEAVY, BURNING, KNIFE, SHARP = "E_54_@_V_183", "E_54_@_V_181", "E_54_@_V_179", "E_54_@_V_192"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a heavy squeezing in my chest that goes into my left arm", {CHEST, HEAVY, "E_57_@_V_31"}),
        ("It feels like tightness on my chest.", {CHEST}),
        ("She describes a pressure on her chest when she walks.", {CHEST, HEAVY}),
        ("like a weight on my chest", {CHEST, HEAVY}),
        ("burning in the middle of my chest after meals", {CHEST, BURNING}),
        ("my chest is burning when I cough", {CHEST, BURNING}),
        ("his chest feels sore after coughing", {CHEST}),
        ("a tight pressing feeling in his chest", {CHEST, HEAVY}),
        ("a stabbing in her chest since this morning", {CHEST, KNIFE}),
        ("sharp pain in the left side of her chest", {"E_55_@_V_56", SHARP}),
        ("pain on the right side of my chest", {"E_55_@_V_55"}),
        ("pain in right side of chest", {"E_55_@_V_55"}),
        ("my top teeth ache on the left", {"E_55_@_V_59"}),
        ("a sore neck and a temperature", {"E_55_@_V_33"}),
        ("a tummy ache since lunch", {"E_55_@_V_187"}),
        ("R shoulder ache for a month", {"E_55_@_V_194"}),
        ("painful mouth ulcers", {"E_55_@_V_32", "E_206"}),  # the ulcers still read
        ("a hot poker behind my right eye", {"E_55_@_V_125", KNIFE}),
        ("it felt like an elephant sitting on my chest", {CHEST, HEAVY}),
        ("an uncomfortable feeling in my chest", {CHEST}),
        ("a heavy, uncomfortable feeling in the upper tummy", {"E_55_@_V_197"}),
        ("substernal pressure on walking", {CHEST, HEAVY}),
        ("a dragging ache in the left groin by evening", {HEAVY}),  # heaviness, not tugging
        ("retrosternal burning after meals", {CHEST, BURNING}),
        ("a dull epigastric ache", {"E_55_@_V_197"}),
        ("burning in the epigastrium", {"E_55_@_V_197", BURNING}),
    ],
)
def test_a_pain_is_read_from_a_pain_word_and_its_place(kb, text, expected):
    tokens = extraction.read(text, kb=kb).tokens
    assert {"E_53", *expected} <= tokens, text


@pytest.mark.parametrize("text", ["pain on swallowing", "discomfort with swallowing"])
def test_a_pain_on_swallowing_is_a_painful_swallow(kb, text):
    assert "E_65" in extraction.read(text, kb=kb).tokens


EYES, TEMPLES = {"E_55_@_V_125", "E_55_@_V_126"}, {"E_55_@_V_166", "E_55_@_V_167"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("severe periorbital pain for 40 minutes at a time", EYES),
        ("a boring retro-orbital ache every night", EYES),
        ("throbbing temporal pain on both sides", TEMPLES),
        ("pain in the left temporal region", {"E_55_@_V_167"}),
    ],
)
def test_a_headache_placed_in_clinical_words_is_read_at_the_eye_or_temple(kb, text, expected):
    tokens = extraction.read(text, kb=kb).tokens
    assert {"E_53"} | expected <= tokens, text


@pytest.mark.parametrize(
    "text",
    [
        "No periorbital pain, no headache.",  # denied
        "No temporal artery tenderness.",  # an artery, not a pain
        "Temporal lobe seizure last year.",  # a lobe, not a pain
    ],
)
def test_no_eye_or_temple_pain_when_denied_or_not_a_pain(kb, text):
    tokens = extraction.read(text, kb=kb).tokens
    assert not tokens & (EYES | TEMPLES), (text, tokens)


def test_the_worst_pain_of_ones_life_is_read_at_its_place(kb):
    tokens = extraction.read("The worst pain of her life behind her left eye.", kb=kb).tokens
    assert {"E_53", "E_55_@_V_126"} <= tokens


@pytest.mark.parametrize(
    "text",
    [
        "Denies any pain of her life behind the eye.",  # denied
        # A thunderclap headache: the head, not the eye.
        "Sudden worst headache of my life at the back of my head, neck stiff.",
    ],
)
def test_the_worst_pain_of_ones_life_reads_no_eye_pain_unless_placed_there(kb, text):
    assert not extraction.read(text, kb=kb).tokens & EYES, text


def test_an_eye_pain_stays_unweighed(kb):
    # An eye's own pain is a glaucoma's or an iritis's, outside the 49: still not weighed.
    reading = extraction.read("left eye pain and blurred vision", kb=kb)
    assert not reading.tokens & EYES


@pytest.mark.parametrize(
    "text",
    [
        "Jaw thrust with firm pressure behind the angle of the mandible.",
        "Lost weight in the last month, swollen ankles.",
        "sore throat for two days",
        "a burning in the left flank",  # a renal colic's place stays unweighed
        "left eye pain and haloes",  # a glaucoma's eye pain stays unweighed
        "Vague pain around the belly button since yesterday.",  # periumbilical, unweighed
        "Flushing of the face and upper chest, aching legs.",  # a comma parts the words
    ],
)
def test_a_pain_word_without_a_place_of_the_knowledge_base_names_no_place(kb, text):
    reading = extraction.read(text, kb=kb)
    assert not {t for t in reading.tokens if t.startswith("E_55_@_")}, text


def test_a_denied_pain_word_denies_the_pain(kb):
    reading = extraction.read("No tightness in the chest, no cough.", kb=kb)
    assert {"E_53", CHEST, "E_201"} <= reading.absent_tokens
    assert not reading.tokens


@pytest.mark.parametrize(
    ("text", "token", "stated"),
    [
        # A narrative word starts a new statement: the denial before it stops there.
        ("He did not lift anything, he just stood up and had sharp chest pain.", SHARP, True),
        ("She did not fall, suddenly her chest hurt.", CHEST, True),
        ("I am not breathless, only tired because of the cough at night.", "E_89", True),
        ("I am not breathless, only tired because of the cough at night.", "E_201", True),
        ("No fever, then a cough started on Monday.", "E_201", True),
        ("Dad says she is not herself, complaining of a cough.", "E_201", True),
        ("Not eating, says she feels sick.", "E_148", True),
        # A limit or an idiom, not a denial.
        ("He can no longer walk to the shops and his phlegm is green.", "E_77", True),
        ("I can't get up the stairs without stopping and I am wheezy.", "E_214", True),
        ("Mum has been not herself and breathless since lunch.", "E_66", True),
        ("No blood in the phlegm.", "E_77", True),
        ("It is not just a cough, she is feverish too.", "E_201", True),
        # True denials still reach their whole list.
        ("No fever or cough.", "E_201", False),
        ("Denies CP, SOB.", "E_66", False),
        ("Denies CP, SOB.", CHEST, False),
        ("I'm not short of breath, I can lie flat, no chest pain.", "E_66", False),
        ("I'm not short of breath, I can lie flat, no chest pain.", CHEST, False),
        ("He is not breathless.", "E_66", False),
        ("No fever, cough or chills, and no rash.", "E_94", False),
        ("No blood in sputum.", "E_45", False),
        # A subject that denies; "has" after a comma; a new item with its article.
        ("No one at home has a rash.", "E_129", False),
        ("Neither has a fever.", "E_91", False),
        ("No fever, has a cough.", "E_201", True),
        ("Swollen joints without erosions, a red rash across both cheeks.", "E_129", True),
        ("No air movement and a high-pitched crowing noise.", "E_194", True),  # stridor
        ("No palpitations before the collapse.", "E_159", True),
        ("No palpitations before the collapse.", "E_155", False),
        # A following negation denies what is just before it, not the clause's whole list.
        ("Burning with regurgitation, no weight loss, cardiac cause unlikely.", "E_173", True),
        ("Cough, fever unlikely.", "E_201", True),
        ("Cough, fever unlikely.", "E_91", False),
    ],
)
def test_a_negation_reaches_to_the_end_of_its_statement(kb, text, token, stated):
    reading = extraction.read(text, kb=kb)
    assert (token in reading.tokens) is stated, text
    assert (token in reading.absent_tokens) is not stated, text


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        # Two phrases over the same words: each gets its own negation, not none at all.
        ("No rash in her ear.", "E_129"),
        ("He did not lift anything, no sharp chest pain.", CHEST),
        ("No fever, no sharp chest pain.", "E_53"),
    ],
)
def test_phrases_over_the_same_words_are_each_negated(kb, text, denied):
    reading = extraction.read(text, kb=kb)
    assert denied in reading.absent_tokens and denied not in reading.tokens, text
