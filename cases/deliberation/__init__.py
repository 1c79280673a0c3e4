"""The async orchestrator: Round 1 proposals, Round 2 cross-review, decision, persistence.

All calls of a round run concurrently, each with its own timeout. Once ``n - f`` valid
answers are in, the rest get the panel's grace period, then count as timed out. Rows and
events are written as each answer arrives; ``protocol`` makes every decision.

The package, one concern a module:

- ``starting``: the case text checks, the panel, ``create`` / ``store`` (case + queued
  deliberation; interfaces go through ``cases.intake.submit``);
- ``rounds``: round mechanics with no database (a member's turn, a round of turns);
- ``coalescer``: the streaming policy of a member's text deltas (``DeltaCoalescer``);
- ``persistence``: every database write of a run, and ``fail``;
- ``closing``: Round 1's closing write, made while Round 2's calls are in flight;
- ``payloads``: the events that announce a member's turn;
- ``orchestrator``: ``run`` itself, Round 1, Round 2 and the decision over one run context.

Call sites import the package: ``deliberation.create(...)``, ``deliberation.run(id)``.
"""

from cases.deliberation.coalescer import DeltaCoalescer
from cases.deliberation.orchestrator import EXHAUSTED, INTERRUPTED_RUN, run
from cases.deliberation.persistence import fail
from cases.deliberation.rounds import TurnResult
from cases.deliberation.starting import (
    EMPTY_TEXT,
    PANEL_NOT_FOUND,
    TEXT_TOO_LONG,
    CaseRejected,
    create,
    resolve_panel,
    store,
    validate_case_text,
)

__all__ = [
    "EMPTY_TEXT",
    "EXHAUSTED",
    "INTERRUPTED_RUN",
    "PANEL_NOT_FOUND",
    "TEXT_TOO_LONG",
    "CaseRejected",
    "DeltaCoalescer",
    "TurnResult",
    "create",
    "fail",
    "resolve_panel",
    "run",
    "store",
    "validate_case_text",
]
