"""The on-disk cache of trained offline members: a stored object loads instead of training,
keeps the knowledge base's identity, and is never used when the data, the code, the library
versions or the member's options change; a corrupt or unreadable file is rebuilt."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sklearn

from panels.offline import bayes, cache, knowledge, member

CASE = "45-year-old man with fever, productive cough and sharp chest pain when breathing in."


@pytest.fixture
def folder(tmp_path) -> Iterator[Path]:
    before = cache.folder()
    cache.configure(tmp_path / "models")
    try:
        yield tmp_path / "models"
    finally:
        cache.configure(before)


def clear_memory() -> None:
    """Forget what this process trained, as a new process would."""
    for cached in (member._bayes_model, member._classifier, member._findings_model):
        cached.cache_clear()
    member._calibrator.cache_clear()


def failing_train(*args, **kwargs):
    raise AssertionError("trained again instead of loading the cached model")


def test_a_cached_member_model_loads_instead_of_training_and_ranks_the_same(
    kb, folder, monkeypatch
):
    one = member.Member(kb, seed=11, holdout=frozenset(range(40)), method="bayes")
    clear_memory()
    trained = one.model
    ranked, _ = one.rank(CASE)
    files = list(folder.glob("*.pickle"))

    clear_memory()
    monkeypatch.setattr(bayes, "train", failing_train)
    loaded = one.model

    assert len(files) == 1 and not list(folder.glob(".*.tmp"))
    assert loaded is not trained
    assert one.rank(CASE)[0] == ranked
    # The knowledge base is referred to, not copied: its conditions keep their identity.
    assert all(c is kb.conditions[c.name] for c in loaded.conditions)


def test_a_corrupt_or_wrong_file_is_ignored_and_rebuilt(kb, folder):
    name = cache.key(kb, what="test", seed=1)
    built: list[int] = []

    def build() -> list[int]:
        built.append(1)
        return [len(built)]

    assert cache.fetch(kb, name, build, list) == [1]
    path = folder / f"{name}{cache.SUFFIX}"
    path.write_bytes(path.read_bytes()[:7])  # truncated
    assert cache.fetch(kb, name, build, list) == [2]
    assert cache.fetch(kb, name, build, list) == [2]  # the rebuilt file is good
    path.write_bytes(b"not a pickle at all")
    assert cache.fetch(kb, name, build, list) == [3]


def test_a_file_holding_another_type_is_rebuilt(kb, folder):
    name = cache.key(kb, what="test", seed=2)
    assert cache.fetch(kb, name, lambda: "text", str) == "text"
    assert cache.fetch(kb, name, lambda: 42, int) == 42
    assert cache.fetch(kb, name, lambda: 43, int) == 42


def test_an_unwritable_folder_only_costs_the_training(kb, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    before = cache.folder()
    cache.configure(blocker / "models")  # cannot be created: its parent is a file
    try:
        assert cache.fetch(kb, cache.key(kb, what="test"), lambda: 7, int) == 7
    finally:
        cache.configure(before)


def test_the_key_changes_with_options_library_versions_data_and_code(kb, tmp_path, monkeypatch):
    base = cache.key(kb, what="model", seed=1, holdout=(1, 2))
    assert cache.key(kb, what="model", seed=1, holdout=(1, 2)) == base
    assert cache.key(kb, what="model", seed=2, holdout=(1, 2)) != base
    assert cache.key(kb, what="model", seed=1, holdout=(1, 3)) != base
    assert cache.key(kb, what="calibrator", seed=1, holdout=(1, 2)) != base

    monkeypatch.setattr(sklearn, "__version__", "0.0.0-other")
    assert cache.key(kb, what="model", seed=1, holdout=(1, 2)) != base
    monkeypatch.undo()

    data = shutil.copytree(kb.directory, tmp_path / "ddxplus")
    copy = knowledge.load(data)
    same_data = cache.key(copy, what="model", seed=1, holdout=(1, 2))
    assert same_data == base  # the key follows the files' contents, not their folder
    with (data / knowledge.PATIENTS_FILE).open("a", encoding="utf-8") as stream:
        stream.write("\n")
    cache._digest.cache_clear()
    assert cache.key(copy, what="model", seed=1, holdout=(1, 2)) != base

    source = shutil.copytree(cache.SOURCE_DIR, tmp_path / "offline", ignore=_only_python)
    monkeypatch.setattr(cache, "SOURCE_DIR", source)
    assert cache.key(kb, what="model", seed=1, holdout=(1, 2)) == base
    with (source / "bayes.py").open("a", encoding="utf-8") as stream:
        stream.write("# a change\n")
    cache._digest.cache_clear()
    assert cache.key(kb, what="model", seed=1, holdout=(1, 2)) != base


def test_without_a_folder_nothing_is_stored(kb, tmp_path):
    before = cache.folder()
    cache.configure(None)
    try:
        assert cache.fetch(kb, cache.key(kb, what="test"), lambda: 5, int) == 5
    finally:
        cache.configure(before)
    assert not list(tmp_path.rglob("*.pickle"))


def _only_python(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if not n.endswith(".py") and not Path(directory, n).is_dir()] + [
        n for n in names if n in ("data", "__pycache__")
    ]
