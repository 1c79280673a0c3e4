"""Import directions, read from the source with ``ast`` (nothing is imported):

- ``cases/protocol.py``, ``panels/quorum.py`` and ``panels/icd10.py`` are pure: no Django and
  nothing of the project but each other;
- ``panels`` (providers and offline members included) never imports ``cases``: who
  deliberates knows nothing of what is deliberated;
- no two modules of the project import each other, directly or through others: none of
  the providers, none of the offline panel's package, and none of ``cases`` (there an import
  under ``if TYPE_CHECKING:`` does not count: it runs nothing, and two models that name each
  other in annotations need one).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("accounts", "cases", "consensus_site", "panels")
PURE = ("cases/protocol.py", "panels/quorum.py", "panels/icd10.py")
PROJECT_AND_DJANGO = (*PACKAGES, "django", "tests")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def _type_checking_only(tree: ast.AST) -> set[int]:
    # The ids of the nodes inside ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) bodies.
    inside: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        name = getattr(node.test, "id", None) or getattr(node.test, "attr", None)
        if name == "TYPE_CHECKING":
            for child in node.body:
                inside.update(id(n) for n in ast.walk(child))
    return inside


def imported(path: Path, *, package: str = "", runtime_only: bool = False) -> set[str]:
    """Every module ``path`` imports, anywhere in it (a function-level import counts too),
    relative imports resolved against ``package``; ``from a import b`` yields ``a`` and
    ``a.b`` (``b`` may be a module or a name). ``runtime_only`` leaves out the imports under
    ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _type_checking_only(tree) if runtime_only else set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".") if package else []
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _package_of(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(path: Path, *, runtime_only: bool = False) -> set[str]:
    return imported(path, package=_package_of(path), runtime_only=runtime_only)


def _within(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(f"{root}.") for root in roots)


@pytest.mark.parametrize("relative", PURE)
def test_pure_modules_import_neither_django_nor_the_project(relative):
    pure = tuple(_module_name(ROOT / p) for p in PURE)
    offending = {
        n
        for n in _imports(ROOT / relative)
        if _within(n, PROJECT_AND_DJANGO) and not _within(n, pure)
    }

    assert offending == set(), f"{relative} imports {sorted(offending)}"


def test_panels_never_import_cases():
    offending = {
        f"{name} -> {target}"
        for name, path in _sources().items()
        if _within(name, ("panels",))
        for target in _imports(path)
        if _within(target, ("cases",))
    }

    assert offending == set()


def _graph(*, runtime_only: bool = False) -> dict[str, set[str]]:
    # Module -> the project modules it imports. ``from pkg import module`` is an edge to the
    # module alone (the package's __init__ merely runs first); ``from pkg import name``, an
    # edge to ``pkg``.
    sources = _sources()
    graph: dict[str, set[str]] = {}
    for name, path in sources.items():
        targets = _imports(path, runtime_only=runtime_only)
        graph[name] = {
            target
            for target in targets
            if target in sources
            and target != name
            and not any(t.startswith(f"{target}.") and t in sources for t in targets)
        }
    return graph


def _cycle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    # A path start -> ... -> start, or None (depth-first search).
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for target in sorted(graph.get(node, ())):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


@pytest.mark.parametrize(
    ("package", "runtime_only"),
    [
        ("panels.providers", False),
        ("panels.offline", False),
        # In cases an import under ``if TYPE_CHECKING:`` does not count (see the docstring).
        ("cases", True),
    ],
)
def test_no_import_cycle_runs_through_a_module_of(package, runtime_only):
    graph = _graph(runtime_only=runtime_only)
    cycles = {
        name: cycle
        for name in graph
        if _within(name, (package,)) and (cycle := _cycle_through(graph, name))
    }

    assert cycles == {}


def test_the_cycle_finder_finds_a_cycle_through_other_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}

    assert _cycle_through(graph, "a") == ["a", "b", "c", "a"]
    assert _cycle_through(graph, "d") is None


def test_only_imports_under_type_checking_are_left_out_of_the_run_time_graph(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from cases import models\n"
        "def f():\n    from cases import runners\n"
    )

    assert "cases.models" in imported(source)
    assert "cases.models" not in imported(source, runtime_only=True)
    assert "cases.runners" in imported(source, runtime_only=True)


def test_the_import_reader_sees_the_imports_these_rules_forbid(tmp_path):
    # The reader must catch a function-level import and a relative one, or the rules
    # above would pass over exactly the imports that hide a dependency.
    source = tmp_path / "sample.py"
    source.write_text("def f():\n    from django.db import models\nfrom . import quorum\n")

    found = imported(source, package="panels")

    assert "django.db" in found
    assert "panels.quorum" in found
