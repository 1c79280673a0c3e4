"""Reading notes as clinicians word them: one test per class of wording (a synonym family,
a side or a place, a negation, a word understood and not weighed). Hand-written sentences,
none taken from the development or held-out sets."""

from __future__ import annotations

from panels.offline import extraction


def present(text: str, kb) -> dict[str, str]:
    return {f.token: f.source for f in extraction.read(text, kb=kb).present}


def test_a_tight_sore_or_full_chest_is_chest_pain(kb):
    for text in (
        "His chest feels tight since this morning.",
        "my chest is really tight when I climb the stairs",
        "Complains of tightness across the chest.",
        "a sore chest for two days",
        "chest fullness and palpitations",
    ):
        found = present(text, kb)
        assert {"E_53", "E_55_@_chest"} <= found.keys(), text
    assert "E_55_@_chest" not in present("Wrote the tight deadline on a chest of drawers.", kb)


def test_a_swollen_place_is_read_with_its_side_before_or_after_it(kb):
    after = present("Afebrile. L calf swollen + tender, no erythema.", kb)
    assert {"E_151", "E_152_@_V_120"} <= after.keys()  # the left calf
    assert after["E_152_@_V_120"] == "L calf swollen"
    before = present("She has a swollen right ankle after the flight.", kb)
    assert {"E_151", "E_152_@_V_34"} <= before.keys()
    measured = present("His right calf is 3 cm larger than the left.", kb)
    assert "E_152_@_V_119" in measured and "E_152_@_V_120" not in measured
    both = present("swollen tender ankles", kb)
    assert {"E_152_@_V_34", "E_152_@_V_35"} <= both.keys()  # no side: both
    assert not {t for t in present("Right ankle pain after a fall.", kb) if "E_152" in t}


def test_radiation_is_read_from_everyday_verbs_and_names_of_places(kb):
    found = present("Crushing pain that goes into my left arm and up to the jaw.", kb)
    assert "E_57_@_V_31" in found  # the left arm: the left biceps in DDXPlus
    assert {"E_57_@_V_121", "E_57_@_V_163"} <= found.keys()  # jaw, under the jaw
    back = present("Tearing chest pain radiating to the back.", kb)
    assert "E_57_@_V_39" in back  # the thoracic spine
    blades = present("Pain radiating through to the back between shoulder blades.", kb)
    assert "E_57_@_V_39" in blades and "E_57_@_V_195" not in blades  # not the shoulders
    assert not {t for t in present("Back pain for a week.", kb) if t.startswith("E_55_@_V_39")}


def test_facial_pain_is_in_the_cheeks(kb):
    found = present("Pressure pain in my cheeks, worse bending forward.", kb)
    assert {"E_55_@_V_108", "E_55_@_V_109"} <= found.keys()  # right and left cheek
    assert "E_55_@_V_113" not in found  # the right renal fossa


def test_a_neutral_word_is_neither_a_finding_nor_an_unknown_clinical_word(kb):
    reading = extraction.read("Abdomen soft, non-tender. Calf nontender.", kb=kb)
    assert not reading.unweighed and not reading.present
    assert extraction.read("Tender over the left 7th rib.", kb=kb).unweighed == ("Tender",)
    sign = extraction.read("Tachycardic at 120, sinus tachycardia on ECG.", kb=kb)
    assert "E_155" not in sign.tokens  # a sign, not the palpitations a patient feels
    felt = extraction.read("Tachycardic, and she feels palpitations.", kb=kb)
    assert "E_155" in felt.tokens


def test_pale_stools_are_cholestasis_not_pallor(kb):
    stools = present("Dark urine and pale greasy stools for a week.", kb)
    assert "E_188" in stools and "E_154" not in stools
    assert "E_154" not in present("Pale boggy turbinates, clear discharge.", kb)
    assert "E_154" in present("She looks pale and tired.", kb)


def test_afebrile_and_hasnt_had_deny_fever(kb):
    denials = ("Afebrile, chest clear.", "apyrexial on the ward", "She hasn't had a temperature.")
    for text in denials:
        reading = extraction.read(text, kb=kb)
        assert "E_91" in reading.absent_tokens and "E_91" not in reading.tokens, text
    assert "E_91" in extraction.read("She has had a temperature.", kb=kb).tokens


def test_breathlessness_graded_by_speech_and_signs_is_breathlessness(kb):
    for text in (
        "Can't finish a sentence.",
        "speaking in short phrases",
        "intercostal recession",
        "nasal flaring",
        "breathless at rest",
    ):
        assert "E_66" in present(text, kb), text
    assert "E_14" not in present("Stridor at rest.", kb)  # chest pain at rest: no
    assert "E_194" in present("Stridor at rest.", kb)


def test_faintness_clamminess_whoop_coryza_and_feeding(kb):
    assert "E_76" in present("Feels light-headed on standing.", kb)
    assert "E_82" in present("Presyncopal in the waiting room.", kb)
    assert "E_50" in present("Grey, cold and clammy.", kb)
    assert "E_202" in present("coughing fits ending in a crowing noise", kb)
    assert "E_181" in present("Two days of coryza.", kb)
    assert "E_32" in present("Baby is off her feeds, poor feeding since yesterday.", kb)


def test_a_child_pulling_at_an_ear_has_earache_on_that_side(kb):
    found = present("Toddler pulling at her left ear all night.", kb)
    assert "E_55_@_V_130" in found and "E_55_@_V_129" not in found
