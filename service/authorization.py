"""Who may do what (API.md, Start and keys): the role table and the object-level rules, in one place.

The API checks a route's roles before it reads the body (`api/auth.py allow`), with the roles
named here; the service checks again when it handles a command, so a command from anywhere (the
command line, the demo loader) obeys the same table, and checks what only the loaded object can
tell (an agency changes only the complaints it logged).
"""

from uuid import UUID

from domain.actor import Actor
from domain.case_reviews import CaseReview
from domain.complaints import Complaint
from domain.vocabulary import Role
from service import commands as c
from service.errors import Forbidden, NotFound

COORDINATOR, AGENCY, AUDITOR, ANALYST, ADMIN = Role.COORDINATOR, Role.AGENCY, Role.AUDITOR, Role.ANALYST, Role.ADMIN
PCC = Role.PCC

COMMAND_ROLES: dict[type, tuple[Role, ...]] = {
    c.RegisterPerson: (COORDINATOR, AGENCY),
    c.ErasePerson: (COORDINATOR,),
    c.TellAboutCaseReview: (COORDINATOR, AGENCY),  # an agency: a victim it logged a complaint for (the route checks)
    c.LogComplaint: (COORDINATOR, AGENCY),
    c.AmendComplaint: (COORDINATOR, AGENCY),
    c.WithdrawComplaint: (COORDINATOR, AGENCY),
    c.GiveConsent: (COORDINATOR,),
    c.WithdrawConsent: (COORDINATOR,),
    c.RequestCaseReview: (COORDINATOR,),
    c.Acknowledge: (COORDINATOR,),
    c.DecideThreshold: (COORDINATOR,),
    c.ShareInformation: (COORDINATOR, AGENCY),
    c.NotifyDelay: (COORDINATOR,),
    c.CompleteReview: (COORDINATOR,),
    c.NotifyOutcome: (COORDINATOR,),
    c.RequestEscalation: (COORDINATOR,),
    c.DecideEscalation: (COORDINATOR,),
    # RULES.md 13 (API.md v1.1, the victim's part and the promises): coordinator unless said.
    c.RecordInvolvement: (COORDINATOR,),
    c.HoldReviewMeeting: (COORDINATOR,),
    c.MarkActionDone: (COORDINATOR, AGENCY),  # an agency: only its own actions (require_own_promise)
    c.DropAction: (COORDINATOR,),
    c.GiveUpdate: (COORDINATOR,),
    c.RequestInformation: (COORDINATOR,),
    c.AnswerInformationRequest: (COORDINATOR, AGENCY),  # an agency: only the requests made to it
    c.RecordLetterSent: (COORDINATOR,),
    c.RequestPccReview: (COORDINATOR,),  # the coordinator records the applicant's request
    c.DecidePccReview: (PCC,),
}

# Reads, by what is read. An analyst never receives personal data; an admin never receives case data.
READ_CASES = (COORDINATOR, AUDITOR)  # people, case reviews, consents, assessments, deadlines, history, the feed
# Case reviews, one or the list, their history, assessments, decisions' replays and letters: the PCC reviews decisions.
READ_CASE_REVIEWS = (COORDINATOR, AUDITOR, PCC)
READ_PROMISES = (COORDINATOR, AUDITOR, AGENCY)  # actions and information requests; an agency: its own only
READ_PCC_REVIEWS = (COORDINATOR, AUDITOR, PCC)
READ_COMPLAINTS = (COORDINATOR, AUDITOR, AGENCY)  # an agency: only those it logged
READ_FIGURES = (ANALYST, COORDINATOR, AUDITOR)  # publication figures and what-if: aggregates only
READ_POLICIES = (ADMIN, COORDINATOR, AUDITOR, ANALYST)
READ_AUDIT = (AUDITOR,)
READ_POTENTIAL_TRIGGERS = (COORDINATOR, AUDITOR, AGENCY)  # an agency: only victims it logged a complaint for
SUBSCRIBE = (COORDINATOR, AGENCY)  # an agency: only its own victims' events
PUBLISH_POLICIES = (ADMIN,)


def roles_for(command_type: type) -> tuple[Role, ...]:
    return COMMAND_ROLES[command_type]


def authorize(command: object, actor: Actor) -> None:
    """Refuse a command the actor's role may not give, or an agency acting as another agency."""
    roles = COMMAND_ROLES[type(command)]
    if actor.role not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise Forbidden(f"the {actor.role.value} role may not do this (allowed: {allowed})")
    if actor.role is AGENCY:
        if isinstance(command, c.LogComplaint) and command.agency != actor.agency:
            raise Forbidden(
                f"an agency key logs complaints as its own agency ({actor.agency}), not as {command.agency}"
            )
        if isinstance(command, c.ShareInformation) and command.agency not in (None, actor.agency):
            raise Forbidden("an agency shares information as itself")


def require_own_complaint(actor: Actor, complaint: Complaint, verb: str) -> None:
    """An agency changes only the complaints it logged."""
    if actor.role is AGENCY and complaint.agency != actor.agency:
        raise Forbidden(f"an agency {verb} only the complaints it logged")


def require_own_promise(actor: Actor, agency: str, what: str, id: UUID) -> None:
    """An agency sees and closes only its own actions and the information requests made to it. Another
    agency's is answered as if it did not exist (404, not 403): a 403 would tell that it exists."""
    if actor.role is AGENCY and agency != actor.agency:
        raise NotFound(what, id)


def may_read_complaint(actor: Actor, complaint: Complaint) -> bool:
    return actor.role is not AGENCY or complaint.agency == actor.agency


def asked_for_information(actor: Actor, review: CaseReview) -> bool:
    """API.md: an agency shares information only on a review it was asked to (an information request to it on
    that review, answered or not); a coordinator shares on any. Refused as if the review did not exist, so an
    agency learns nothing of reviews it was not asked about."""
    return actor.role is not AGENCY or any(r.agency == actor.agency for r in review.information_requests.values())
