"""The events that announce a member's turn, built from its stored row (or, for a fault, its
result): what pages show of a proposal, a vote or a fault."""

from __future__ import annotations

from cases import protocol, streaming
from cases.deliberation.rounds import TurnResult
from cases.models import Proposal, Vote


def fault_payload(index: int, round_no: int, result: TurnResult) -> streaming.MemberFault:
    """The ``member.fault`` event of a turn that faulted."""
    return streaming.MemberFault(
        member=index, round=round_no, status=result.status, error=result.error
    )


def proposal_payload(row: Proposal) -> streaming.MemberProposal:
    """The ``member.proposal`` event of a stored proposal."""
    return streaming.MemberProposal(
        member=row.member_index,
        round=1,
        diagnosis=row.diagnosis,
        icd10=row.icd10,
        icd10_description=protocol.icd10_description(row.icd10),
        confidence=row.confidence,
        reasoning=row.reasoning,
        differential=row.differential,
        class_key=row.class_key,
        repaired=row.repaired,
        abstained=row.abstained,
        below_threshold=row.below_threshold,
    )


def vote_payload(row: Vote) -> streaming.MemberVote:
    """The ``member.vote`` event of a stored vote."""
    chosen = row.proposal
    return streaming.MemberVote(
        member=row.member_index,
        round=2,
        letter=row.letter,
        for_member=chosen.member_index if chosen else None,
        diagnosis=chosen.diagnosis if chosen else "",
        class_key=row.class_key,
        reasoning=row.reasoning,
        repaired=row.repaired,
        abstained=row.abstained,
    )
