"""What an evaluation reads: DDXPlus patient rows from any CSV, or labelled free-text cases
from a JSON-lines file; the options of a run; the ground truth of a condition.

The members' training rows are always the knowledge base's own (``settings.DDXPLUS_DIR``),
whichever CSV is evaluated, so :func:`training_keys` tells whether an evaluated row could have
been seen in training.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from cases import protocol
from panels.offline import knowledge

TOO_MANY_FAULTS = "{faults} faulty members requested but the panel has only {n} members."
NO_ROWS = "No patient rows to evaluate in {path}."
BAD_CSV = "{path} is not a DDXPlus patient CSV: {error}"
UNKNOWN_PATHOLOGY = "{path}, row {row}: {name!r} is not a condition of the knowledge base."
NO_CASES = "No cases to evaluate in {path}."
UNREADABLE = "Cannot read {path}: {error}"
BAD_LINE = "{path}, line {line}: {problem}"
NOT_JSON = "not a JSON object ({error})"
NEEDS_TEXT = "'text' must be a non-empty string"
NEEDS_ID = "'id' must be a non-empty string"
DUPLICATE_ID = "id {id!r} was already used on line {first}"
BAD_PATHOLOGY = (
    "'pathology' {name!r} is not a DDXPlus condition name (use null when the right outcome "
    "is NO CONSENSUS)"
)
TEXT_TOO_LONG = "'text' is {length} characters, more than CASE_TEXT_MAX_CHARS ({limit})"
BOTH_SOURCES = "Give either --cases (free text) or --csv (DDXPlus rows), not both."


class EvaluationError(ValueError):
    """Options or input that cannot be evaluated; the message says why."""


@dataclass(frozen=True)
class Faults:
    """How many members of this run's panel copy misbehave, by kind."""

    byzantine: int = 0
    crash: int = 0
    hang: int = 0
    garbage: int = 0

    @property
    def total(self) -> int:
        return self.byzantine + self.crash + self.hang + self.garbage

    def modes(self) -> list[str]:
        """One fault mode per faulty member, colluders first."""
        return (
            ["collude"] * self.byzantine
            + ["crash"] * self.crash
            + ["hang"] * self.hang
            + ["garbage"] * self.garbage
        )


@dataclass(frozen=True)
class Options:
    """What to evaluate and how. Exactly one source: ``csv`` (DDXPlus rows; None with no
    ``cases`` means the knowledge base's own development rows) or ``cases`` (labelled free
    text). ``limit`` None means every row; ``seed`` picks the rows; ``folds`` 0 evaluates
    in-sample (members may have trained on the rows they judge); ``early_abort`` /
    ``early_decision`` / ``min_confidence`` None keep the panel's own setting; ``workers``
    processes run the cases (None: one per core)."""

    csv: Path | None = None
    cases: Path | None = None
    panel: str = "offline"
    limit: int | None = None
    seed: int = 0
    faults: Faults = Faults()
    concurrency: int = 8
    folds: int = 5
    early_abort: bool | None = None
    early_decision: bool | None = None
    min_confidence: int | None = None
    workers: int | None = 1


@dataclass(frozen=True)
class Patient:
    """A row to evaluate: its index in the CSV and the parsed row."""

    index: int
    row: knowledge.PatientRow


@dataclass(frozen=True)
class LabelledCase:
    """One line of a free-text cases file: its position among the cases (from 0), its id,
    the text, and the DDXPlus condition it is, or None when the right outcome is NO
    CONSENSUS (out of scope, or not a clinical case)."""

    index: int
    id: str
    text: str
    pathology: str | None


def sample_rows(count: int, *, limit: int | None, seed: int) -> list[int]:
    """Which of ``count`` rows to evaluate: all of them in order when ``limit`` is None or
    covers them, else ``limit`` indices drawn without replacement with ``seed``."""
    if limit is None or limit >= count:
        return list(range(count))
    return random.Random(seed).sample(range(count), max(0, limit))


def true_classes(condition: knowledge.Condition, *, level: str) -> list[str]:
    """The class keys that count as the right answer for ``condition`` at the agreement
    ``level``: one per ICD-10 code the knowledge base gives ("j17, j18" gives two)."""
    codes = condition.accepted_codes or ("",)
    keys = [protocol.class_key(condition.name, code, level=agreement(level)) for code in codes]
    return list(dict.fromkeys(keys))


def agreement(level: str) -> protocol.AgreementLevel:
    return "code" if level == "code" else "category"


def training_kb() -> knowledge.KnowledgeBase:
    """The knowledge base the members reason over and train on (``DDXPLUS_DIR``)."""
    return knowledge.load(Path(settings.DDXPLUS_DIR))


def is_training_file(path: Path) -> bool:
    """Whether ``path`` is the knowledge base's own development CSV (the training rows)."""
    own = Path(settings.DDXPLUS_DIR).expanduser().resolve() / knowledge.PATIENTS_FILE
    return path.expanduser().resolve() == own


def row_key(row: knowledge.PatientRow) -> tuple[Any, ...]:
    """What makes two patient rows the same patient, whatever file they come from."""
    return (row.age, row.sex, row.pathology, tuple(sorted(row.evidences)), row.initial)


def training_keys() -> frozenset[tuple[Any, ...]]:
    """The :func:`row_key` of every row the members may train on."""
    return frozenset(row_key(row) for row in training_kb().rows)


def read_patients(path: Path) -> list[Patient]:
    """The patient rows of a DDXPlus CSV anywhere on disk, rendered against the training
    knowledge base (``DDXPLUS_DIR``). Raises EvaluationError (unreadable file, a row that is
    not DDXPlus, a pathology the knowledge base does not know) or
    knowledge.KnowledgeBaseMissing."""
    kb = training_kb()
    rows = kb.rows if is_training_file(path) else _other_csv(path.expanduser(), kb=kb)
    if not rows:
        raise EvaluationError(NO_ROWS.format(path=path))
    return [Patient(i, row) for i, row in enumerate(rows)]


def _other_csv(path: Path, *, kb: knowledge.KnowledgeBase) -> tuple[knowledge.PatientRow, ...]:
    try:
        rows = knowledge.read_rows(path, source=kb.directory)
    except (OSError, KeyError, ValueError, SyntaxError, TypeError) as exc:
        raise EvaluationError(BAD_CSV.format(path=path, error=exc)) from None
    for number, row in enumerate(rows, start=1):
        if row.pathology not in kb.conditions:
            raise EvaluationError(
                UNKNOWN_PATHOLOGY.format(path=path, row=number, name=row.pathology)
            )
    return rows


def read_cases(path: Path) -> list[LabelledCase]:
    """The labelled cases of a JSON-lines file: ``{"id", "text", "pathology"}`` per line
    (other fields ignored; a missing or null pathology means the right outcome is NO
    CONSENSUS; condition names match in any case; blank lines skipped). Every line is
    checked before anything is written. Raises EvaluationError naming the first bad line, or
    knowledge.KnowledgeBaseMissing."""
    # Condition names match whatever their case or surrounding spaces ("pneumonia ").
    conditions = {name.casefold(): name for name in training_kb().conditions}
    try:
        lines = path.expanduser().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(UNREADABLE.format(path=path, error=exc)) from None
    cases: list[LabelledCase] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        problem, case = _parse_line(line, index=len(cases), conditions=conditions)
        if case is not None and case.id in first_line:
            problem = DUPLICATE_ID.format(id=case.id, first=first_line[case.id])
        if problem or case is None:
            raise EvaluationError(BAD_LINE.format(path=path, line=number, problem=problem))
        first_line[case.id] = number
        cases.append(case)
    if not cases:
        raise EvaluationError(NO_CASES.format(path=path))
    return cases


def _parse_line(
    line: str, *, index: int, conditions: Mapping[str, str]
) -> tuple[str, LabelledCase | None]:
    try:
        data = json.loads(line)
    except ValueError as exc:
        return NOT_JSON.format(error=exc), None
    if not isinstance(data, dict):
        return NOT_JSON.format(error=type(data).__name__), None
    case_id, text, pathology = data.get("id"), data.get("text"), data.get("pathology")
    if isinstance(case_id, int) and not isinstance(case_id, bool):
        case_id = str(case_id)
    if not isinstance(case_id, str) or not case_id.strip():
        return NEEDS_ID, None
    if not isinstance(text, str) or not text.strip():
        return NEEDS_TEXT, None
    if len(text.strip()) > settings.CASE_TEXT_MAX_CHARS:
        return TEXT_TOO_LONG.format(
            length=len(text.strip()), limit=settings.CASE_TEXT_MAX_CHARS
        ), None
    name = None
    if pathology is not None:
        name = conditions.get(pathology.strip().casefold()) if isinstance(pathology, str) else None
        if name is None:
            return BAD_PATHOLOGY.format(name=pathology), None
    return "", LabelledCase(index=index, id=case_id.strip(), text=text, pathology=name)


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file's bytes (the provenance of a calibration)."""
    digest = hashlib.sha256()
    with path.expanduser().open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
