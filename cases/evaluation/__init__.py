"""Measure a panel on labelled cases: DDXPlus patient rows (``--csv``) or free-text cases
(``--cases``), deliberated like a clinician's case and judged against their ground truth;
the figures, the risk-coverage curve and the calibrated threshold are computed from the
stored rows.

Modules: ``inputs`` (reading cases, options), ``running`` (creating and running the cases),
``records`` (stored rows as plain data), ``summary`` (results.json), ``risk`` (risk-coverage
and the threshold choice), ``calibrate`` (storing a calibrated threshold on a panel),
``report`` (results.json as one HTML page, and the chart geometry the analytics page shares),
``analytics`` (reliability figures from what the panels actually did).
"""

from cases.evaluation.execution import Progress
from cases.evaluation.inputs import (
    EvaluationError,
    Faults,
    LabelledCase,
    Options,
    Patient,
    read_cases,
    read_patients,
    sample_rows,
    true_classes,
)
from cases.evaluation.records import CaseRecord, collect
from cases.evaluation.running import (
    COLLUDE_TARGETS,
    case_lines,
    collude_target_for,
    evaluate,
    execute,
    faulty_snapshot,
    prepare,
    results_for,
    run_records,
)
from cases.evaluation.summary import summarise

__all__ = [
    "COLLUDE_TARGETS",
    "CaseRecord",
    "EvaluationError",
    "Faults",
    "LabelledCase",
    "Options",
    "Patient",
    "Progress",
    "case_lines",
    "collect",
    "collude_target_for",
    "evaluate",
    "execute",
    "faulty_snapshot",
    "prepare",
    "read_cases",
    "read_patients",
    "results_for",
    "run_records",
    "sample_rows",
    "summarise",
    "true_classes",
]
