"""The ICD-10-CM table: the package's own answers for every item, read from the stored table
without parsing the package's XML again, and rebuilt when the stored table is unusable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from panels import icd10

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def table_in(tmp_path: Path):
    """The code set stored in and read from ``tmp_path`` (a fresh load each time)."""
    configured = icd10.folder()
    icd10.configure(tmp_path)
    icd10.code_set.cache_clear()
    yield tmp_path
    icd10.configure(configured)
    icd10.code_set.cache_clear()


def test_every_item_answers_as_the_package_does(table_in):
    import simple_icd_10_cm as package

    icd10.code_set()  # built and stored
    icd10.code_set.cache_clear()
    codes = icd10.code_set()  # read back from the stored table
    names = list(dict.fromkeys(package.get_all_codes(True)))
    assert len(names) > 90_000
    for name in names:
        undotted = name.replace(".", "")
        assert codes.is_valid_item(name) and codes.is_valid_item(undotted), name
        assert codes.add_dot(undotted) == name
        assert codes.get_description(undotted) == package.get_description(name), name
        assert codes.is_leaf(name) == package.is_leaf(name), name
        assert codes.is_category_or_subcategory(name) == package.is_category_or_subcategory(name)
        assert codes.get_ancestors(name) == package.get_ancestors(name), name
    for wrong in ("J18.99", "U99", "J1", "J18.", "", "Z99.999", "j18.9"):
        assert codes.is_valid_item(wrong) == package.is_valid_item(wrong), wrong


def test_a_stored_table_is_read_without_parsing_the_package(table_in):
    icd10.code_set()
    assert list(table_in.glob("icd10cm-*.json"))
    probe = (
        "import sys; from panels import icd10; "
        f"icd10.configure({str(table_in)!r}); "
        "codes = icd10.code_set(); "
        "assert codes.get_description('J189') == 'Pneumonia, unspecified organism'; "
        "assert codes.get_ancestors('I10') == ['I10-I1A', '9']; "
        "assert 'simple_icd_10_cm' not in sys.modules, 'parsed the package again'"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True, timeout=120)


@pytest.mark.parametrize("content", ["", "{not json", "[]", '[["J18"]]', '{"a": 1}'])
def test_an_unusable_stored_table_is_rebuilt(table_in, content):
    icd10.code_set()
    (stored,) = table_in.glob("icd10cm-*.json")
    stored.write_text(content)
    icd10.code_set.cache_clear()

    assert icd10.code_set().get_description("J18.9") == "Pneumonia, unspecified organism"
    assert len(json.loads(stored.read_text())) > 90_000


def test_without_a_folder_nothing_is_stored(table_in):
    icd10.configure(None)
    assert icd10.code_set().is_leaf("J18.9")
    assert not list(table_in.iterdir())
