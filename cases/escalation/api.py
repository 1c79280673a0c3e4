"""The escalation queue JSON API: list the queue, claim, release, reassign, sign off,
co-sign, correct. Same rules and messages as the pages (``cases.escalation``); a refusal
(an EscalationError, answered by the API's handler in ``consensus_site.api``) is
``{"detail": <message>}`` with 400 (bad input), 403 (not allowed / wrong password), 404 or
409 (someone else's claim, already resolved).

Signing (sign-off, correction, co-signature) needs the second factor as on the pages: a
reviewer or administrator, or anyone with a confirmed authenticator, sends ``otp_code`` unless
the request comes from a session already verified with one (a bearer token never is). A
missing or wrong code is 403, audited, and counts toward the password lockout."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from accounts import two_factor
from cases import escalation
from cases.models import CoSignature, Escalation, SignOff
from consensus_site.pagination import PAGE_SIZE, BoundedPageNumberPagination

router = Router(tags=["escalations"])


class CandidateOut(Schema):
    diagnosis: str
    icd10: str
    description: str
    votes: int
    proposals: int
    severity: int | None
    proposal_ids: list[int]


class EscalationOut(Schema):
    id: int
    case_id: int
    deliberation_id: int | None
    reason: str
    reason_label: str
    status: str
    priority: int
    severity: int | None
    summary: str
    candidates: list[CandidateOut]
    claimed_by: str | None
    claimed_at: datetime | None
    created_at: datetime
    resolved_at: datetime | None

    @staticmethod
    def resolve_reason_label(e: Escalation) -> str:
        return e.reason_text

    @staticmethod
    def resolve_priority(e: Escalation) -> int:
        return escalation.priority_now(e)

    @staticmethod
    def resolve_summary(e: Escalation) -> str:
        return escalation.summary(e.case)

    @staticmethod
    def resolve_candidates(e: Escalation) -> list[dict[str, Any]]:
        return [
            {**vars(c), "proposal_ids": list(c.proposal_ids)}
            for c in escalation.candidates(e.deliberation)
        ]

    @staticmethod
    def resolve_claimed_by(e: Escalation) -> str | None:
        return e.claimed_by.get_username() if e.claimed_by else None


OTP_CODE = Field(
    "",
    max_length=12,
    description="The current 6-digit code from the signer's authenticator app. Required for "
    "reviewers and administrators (and anyone with an authenticator) unless the request "
    "comes from a session already verified with a code; a bearer token never is.",
)
SIGNING_REFUSED = {
    "403": {
        "description": "Not allowed: not a reviewer, the second factor missing or wrong "
        "(otp_code), a wrong signing password, or the account locked after too many wrong "
        "passwords or codes. `detail` says which.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"detail": {"type": "string"}},
                    "required": ["detail"],
                }
            }
        },
    }
}


class SignOffIn(Schema):
    password: str = Field(description="The signer's password: a signature, not a click.")
    otp_code: str = OTP_CODE
    rationale: str = Field(description="Why this is the final diagnosis (required).")
    proposal_id: int | None = Field(None, description="Sign one of the panel's proposals...")
    icd10: str = Field("", description="...or another diagnosis with a billable code.")
    diagnosis: str = Field("", max_length=200, description="Name; the official one if empty.")


class SignOffOut(Schema):
    id: int
    escalation_id: int
    signer: str
    diagnosis: str
    icd10: str
    rationale: str
    chosen_proposal_id: int | None
    overrides_panel: bool
    supersedes_id: int | None
    created_at: datetime
    escalation_status: str

    @staticmethod
    def resolve_signer(s: SignOff) -> str:
        return str(s.signer.get_username())

    @staticmethod
    def resolve_escalation_status(s: SignOff) -> str:
        return str(Escalation.objects.values_list("status", flat=True).get(pk=s.escalation_id))


class CoSignIn(Schema):
    password: str
    otp_code: str = OTP_CODE
    note: str = ""


class CoSignOut(Schema):
    id: int
    signoff_id: int
    signer: str
    note: str
    created_at: datetime

    @staticmethod
    def resolve_signer(c: CoSignature) -> str:
        return str(c.signer.get_username())


class ReassignIn(Schema):
    to: str = Field(description="Username of the reviewer who takes the escalation over.")


QueueShow = Literal["open", "mine", "unclaimed", "cosign", "resolved"]


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _second_factor(request: HttpRequest, user: User, code: str) -> None:
    """Refuse a signature (403) without the second factor the pages would have demanded.
    Checked before the password, so that without the code nothing tells whether the
    password was right."""
    if not two_factor.must_prove(user):
        return
    session_user = getattr(request, "user", None)
    if getattr(session_user, "pk", None) == user.pk and session_user.is_verified():  # type: ignore[union-attr]
        return  # the session was verified with a code, as on the pages
    problem = two_factor.check_code(user, code, scope="signoff")
    if problem is not None:
        raise HttpError(403, problem)


def _signed(
    request: HttpRequest, escalation_id: int, payload: SignOffIn, *, write: Callable[..., SignOff]
) -> SignOff:
    """A sign-off or a correction (``write``) once the second factor is proven."""
    # The access gate first (the service checks it too): no code is spent on an
    # escalation this user cannot see.
    escalation.get(escalation_id, user=_user(request))
    fields = payload.dict()
    _second_factor(request, _user(request), fields.pop("otp_code"))
    return write(escalation_id, user=_user(request), **fields)


@router.get("/escalations/", response=list[EscalationOut])
@paginate(BoundedPageNumberPagination, page_size=PAGE_SIZE)
def list_escalations(request: HttpRequest, show: QueueShow = "open") -> Any:
    """The queue as the page shows it, highest priority first (``show`` filters it)."""
    return escalation.queue(_user(request), show=show)


@router.get("/escalations/{escalation_id}/", response=EscalationOut)
def get_escalation(request: HttpRequest, escalation_id: int) -> Escalation:
    return escalation.get(escalation_id, user=_user(request))


@router.post("/escalations/{escalation_id}/claim/", response=EscalationOut)
def claim(request: HttpRequest, escalation_id: int) -> Escalation:
    """Claim an open escalation; 409 naming the holder when someone else has it."""
    return escalation.claim(escalation_id, user=_user(request))


@router.post("/escalations/{escalation_id}/release/", response=EscalationOut)
def release(request: HttpRequest, escalation_id: int) -> Escalation:
    return escalation.release(escalation_id, user=_user(request))


@router.post("/escalations/{escalation_id}/reassign/", response=EscalationOut)
def reassign(request: HttpRequest, escalation_id: int, payload: ReassignIn) -> Escalation:
    """Administrators only."""
    return escalation.reassign(escalation_id, admin=_user(request), to_username=payload.to)


@router.post(
    "/escalations/{escalation_id}/signoff/",
    response={201: SignOffOut},
    openapi_extra={"responses": SIGNING_REFUSED},
)
def sign_off(request: HttpRequest, escalation_id: int, payload: SignOffIn) -> Status[SignOff]:
    """Sign the final diagnosis of an escalation you have claimed."""
    return Status(201, _signed(request, escalation_id, payload, write=escalation.sign_off))


@router.post(
    "/escalations/{escalation_id}/correction/",
    response={201: SignOffOut},
    openapi_extra={"responses": SIGNING_REFUSED},
)
def correct(request: HttpRequest, escalation_id: int, payload: SignOffIn) -> Status[SignOff]:
    """A new sign-off superseding the one in force (which stays in the history)."""
    return Status(201, _signed(request, escalation_id, payload, write=escalation.correct))


@router.post(
    "/escalations/{escalation_id}/cosign/",
    response={201: CoSignOut},
    openapi_extra={"responses": SIGNING_REFUSED},
)
def co_sign(request: HttpRequest, escalation_id: int, payload: CoSignIn) -> Status[CoSignature]:
    """A second reviewer's co-signature on a sign-off that overrides the panel."""
    escalation.get(escalation_id, user=_user(request))  # before the code, as above
    _second_factor(request, _user(request), payload.otp_code)
    cosignature = escalation.co_sign(
        escalation_id,
        user=_user(request),
        password=payload.password,
        note=payload.note,
    )
    return Status(201, cosignature)
