"""What a refused escalation request says: the user-facing messages (module constants, so
tests assert the same text), :class:`EscalationError` and the HTTP status of each kind."""

from __future__ import annotations

NOT_A_REVIEWER = "Only reviewers can work the escalation queue."
NOT_AN_ADMINISTRATOR = "Only an administrator can reassign an escalation."
NOT_FOUND = "There is no escalation {id}."
ALREADY_CLAIMED = "This escalation is already claimed by {name}."
ALREADY_RESOLVED = "This escalation is already resolved."
AWAITING_COSIGNATURE = "This escalation is signed and awaiting a second reviewer's co-signature."
NOT_CLAIMED = "Claim this escalation before signing it off."
CLAIMED_BY_OTHER = "This escalation is claimed by {name}, not by you."
NOT_YOUR_CLAIM = "You can only release an escalation you have claimed."
REASSIGN_TARGET_NOT_REVIEWER = "{name} is not a reviewer, so cannot be assigned an escalation."
UNKNOWN_USER = "There is no user named {name!r}."
WRONG_PASSWORD = "The password is not correct. Re-enter your password to sign."
LOCKED_OUT = (
    "Too many wrong passwords: this account is locked for now. Try again later, or ask an "
    "administrator to unlock it."
)
EMPTY_RATIONALE = "A rationale is required: say why this is the final diagnosis."
NO_DIAGNOSIS = "Choose one of the panel's proposals, or enter a diagnosis with an ICD-10-CM code."
BOTH_DIAGNOSES = "Choose a panel proposal or enter another diagnosis, not both."
UNKNOWN_PROPOSAL = "That proposal is not a valid proposal of this case's deliberation."
INVALID_ICD10 = "{code!r} is not a valid ICD-10-CM code."
NOT_BILLABLE = (
    "{code} ({description}) is a category, not a billable code. Enter a more specific code."
)
NOTHING_TO_COSIGN = "This escalation is not awaiting a co-signature."
COSIGN_BY_SIGNER = "You signed this diagnosis; a second reviewer must co-sign it."
NOTHING_TO_CORRECT = "Only a signed escalation can be corrected."
NOT_SUBMITTER = "Only the clinician who submitted the case can accept or dispute its outcome."
NOT_A_CONSENSUS = "Only a consensus outcome can be accepted or disputed."
ALREADY_ACKNOWLEDGED = "This outcome was already {decision}."
DISPUTE_NEEDS_COMMENT = "Say why you dispute the consensus."
UNKNOWN_DECISION = "Choose whether you accept or dispute the consensus."


class ErrorKind:
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    INVALID = "invalid"
    NOT_FOUND = "not_found"


class EscalationError(ValueError):
    """A refused request. ``str(exc)`` is the user-facing message; ``kind`` is one of
    :class:`ErrorKind` so interfaces can pick a status code."""

    def __init__(self, message: str, *, kind: str = ErrorKind.INVALID) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def http_status(self) -> int:
        """The HTTP status pages and the API answer this refusal with."""
        return _HTTP_STATUS.get(self.kind, 400)


_HTTP_STATUS = {
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.CONFLICT: 409,
    ErrorKind.INVALID: 400,
    ErrorKind.NOT_FOUND: 404,
}
