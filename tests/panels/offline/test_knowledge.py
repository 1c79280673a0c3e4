from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from panels import icd10
from panels.offline import extraction, knowledge

CODE = re.compile(r"\b[EV]_\d+")


def expected_findings(row: knowledge.PatientRow, kb: knowledge.KnowledgeBase) -> set[str]:
    """The tokens a reader of the rendered text could know: defaults, "N" and "NA" are
    never written."""
    expected = set()
    for token in row.evidences:
        code, _, value = token.partition("_@_")
        evidence = kb.evidences[code]
        if value and (value == evidence.default or evidence.values.get(value) in ("N", "NA")):
            continue
        expected.add(token)
    return expected


def test_loads_the_whole_knowledge_base(kb):
    assert len(kb.conditions) == 49
    assert len(kb.evidences) == 223
    assert len(kb.rows) == 2014
    assert kb.conditions["Myasthenia gravis"].icd10 == "G70.0"
    assert knowledge.load(kb.directory) is kb  # parsed once per folder


def test_a_folder_named_another_way_is_the_same_knowledge_base(kb, monkeypatch, tmp_path):
    # Each member call loads its knowledge base by the folder it was configured with:
    # a relative name, or one through "..", must still reach the one parsed copy.
    folder = Path(kb.directory)
    monkeypatch.chdir(folder.parent)
    assert knowledge.load(Path(folder.name)) is kb
    assert knowledge.load(folder / ".." / folder.name) is kb
    assert knowledge.load(Path(str(folder))) is kb
    monkeypatch.chdir(tmp_path)  # the same relative name, elsewhere: not that folder
    with pytest.raises(knowledge.KnowledgeBaseMissing):
        knowledge.load(Path(folder.name))


def test_renders_a_real_row_as_clinical_english(kb):
    row = kb.rows[0]  # 72-year-old woman, otitis media, pain 9/10 in both ears
    text = knowledge.render_patient(row)
    assert text.startswith("72-year-old woman.")
    assert "fever" in text
    assert "pain intensity 9/10" in text.lower()
    assert "right ear and left ear" in text
    assert "History: vaccinations up to date." in text
    assert knowledge.render_patient(row) == text


def test_rendered_rows_name_age_sex_and_pain_and_leak_no_codes(kb):
    for row in kb.rows[:200]:
        text = knowledge.render_patient(row)
        assert not CODE.search(text), text
        assert f"{row.age}-year-old" in text or (row.age == 0 and "Infant" in text)
        assert re.search(r"\b(woman|man|girl|boy)\b", text)
        intensity = next((t for t in row.evidences if t.startswith("E_56_@_")), None)
        if intensity and not intensity.endswith("_0"):
            assert f"pain intensity {intensity.rsplit('_', 1)[1]}/10" in text.lower()
        assert "travelled to N " not in text and " NA" not in text


def test_extraction_recovers_the_findings_of_rendered_rows(kb):
    expected_total = recovered = spurious = 0
    for row in kb.rows[:200]:
        expected = expected_findings(row, kb)
        found = extraction.extract_findings(knowledge.render_patient(row), kb=kb)
        expected_total += len(expected)
        recovered += len(expected & found)
        spurious += len(found - expected)
    assert recovered / expected_total >= 0.95
    assert spurious / expected_total <= 0.05


def test_recognises_findings_in_hand_written_notes(kb):
    text = (
        "45-year-old man with fever, cough and shortness of breath. Chest pain on the left. "
        "Also a sore throat, runny nose and wheezing."
    )
    found = extraction.extract_findings(text, kb=kb)
    for token in ("E_91", "E_201", "E_66", "E_53", "E_97", "E_181", "E_214"):
        assert token in found
    assert knowledge.extract_demographics(text) == (45, "M")


def test_reads_scales_places_and_travel_in_free_text(kb):
    text = "Pain in the right ear, pain intensity 6/10. Travelled to West Africa last month."
    found = extraction.extract_findings(text, kb=kb)
    assert {"E_55_@_V_129", "E_56_@_6", "E_204_@_V_1", "E_53"} <= found
    assert "E_55_@_V_130" not in found  # the left ear was not mentioned


def test_negated_findings_are_not_present(kb):
    found = extraction.extract_findings(
        "No fever. Denies cough or sore throat, but reports wheezing. Without nausea.", kb=kb
    )
    assert "E_214" in found
    assert not {"E_91", "E_201", "E_97", "E_148"} & found


def test_a_missing_folder_says_what_is_needed_and_where(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(knowledge.KnowledgeBaseMissing) as caught:
        knowledge.load(missing)
    message = str(caught.value)
    for words in ("DDXPlus", str(missing), "CC BY 4.0", "mila-iqia/ddxplus", "DDXPLUS_DIR"):
        assert words in message


def test_a_missing_file_is_named(tmp_path, kb):
    folder = tmp_path / "partial"
    folder.mkdir()
    source = Path(kb.directory) / knowledge.CONDITIONS_FILE
    (folder / knowledge.CONDITIONS_FILE).write_bytes(source.read_bytes())
    with pytest.raises(knowledge.KnowledgeBaseMissing, match=knowledge.EVIDENCES_FILE) as caught:
        knowledge.load(folder)
    assert str(folder / knowledge.EVIDENCES_FILE) in str(caught.value)


SHIPPED_SHA256 = {
    "release_conditions.json": "61e16706a2ab78efb997bab8a865c83b46151b10b0377b63530745f1e18e71a8",
    "release_evidences.json": "281c78b044ae60514e28ecc9052d08a8225dd3e2db3f00f8788b99c47b05e0c0",
    "dev_patients.csv": "6c3935bc089a3e2f7d79dc628a9e53ac79b171f29bcc3e9d0f67bd4ff391930b",
}


def test_the_knowledge_base_ships_with_the_product_byte_identical_to_its_source():
    import hashlib

    from django.conf import settings

    shipped = Path(settings.BASE_DIR) / "panels" / "offline" / "data" / "ddxplus"
    for name, digest in SHIPPED_SHA256.items():
        assert hashlib.sha256((shipped / name).read_bytes()).hexdigest() == digest, name
    readme = (shipped / "README.md").read_text()
    for words in ("CC BY 4.0", "Fansi Tchango", "M32", "J18", "sha256"):
        assert words in readme


def test_importing_the_knowledge_module_does_not_load_the_icd10_code_set():
    # Every process start (workers, daphne, tests, commands) imports this module: the code
    # set is read only when a knowledge base is loaded.
    probe = (
        "from panels import icd10; import panels.offline.knowledge as k; "
        "assert icd10.code_set.cache_info().currsize == 0, 'loaded at start'; "
        "assert k.icd10_cm('j18.9') == 'J18.9'; "
        "assert icd10.code_set.cache_info().currsize == 1"
    )
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", probe], cwd=root, check=True, timeout=120)


def test_checks_and_dots_codes_on_first_use_from_many_threads_at_once():
    # Members load their knowledge base from worker threads at once; the library fills its
    # code list on first use, not thread-safely, so the first use is made under a lock.
    icd10.code_set.cache_clear()
    expected = {
        "j17, j18": "J17",
        "i26": "I26",
        "G70.0": "G70.0",
        "r0789": "R07.89",
        "J18.99": None,
        "U99": None,
        "": None,
    }
    raw = list(expected) * 8
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(knowledge.icd10_cm, raw))
    assert got == [expected[r] for r in raw]
