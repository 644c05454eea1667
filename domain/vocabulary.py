"""The closed vocabularies of the domain (RULES.md section 1 and API.md).

Each is a `StrEnum`, so its value is what the API and the event store carry.
"""

import re
from enum import StrEnum


class Route(StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"


class Channel(StrEnum):
    PHONE_101 = "101"
    ONLINE = "online"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"


class Dissatisfaction(StrEnum):
    NO_ACTION_TAKEN = "no_action_taken"
    NOT_SATISFIED = "not_satisfied"


class ConsentPurpose(StrEnum):
    APPLICATION_ON_BEHALF = "application_on_behalf"
    GROUP_REPRESENTATION = "group_representation"
    INFORMATION_SHARING = "information_sharing"


class Decision(StrEnum):
    MET = "met"
    NOT_MET = "not_met"


class Verdict(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    PENDING = "pending"


class DiscretionGrounds(StrEnum):
    """s.104(5): why a partnership may decide `met` against a `not_met` assessment."""

    PERSISTENCE = "persistence"
    HARM = "harm"
    ADEQUACY = "adequacy"


class EscalationResult(StrEnum):
    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"


class Role(StrEnum):
    COORDINATOR = "coordinator"
    AGENCY = "agency"
    AUDITOR = "auditor"
    ANALYST = "analyst"
    ADMIN = "admin"
    PCC = "pcc"  # the local policing body: reads case reviews, decides reviews of them (Crime and Policing Act 2026)
    CALENDAR = "calendar"  # a feed token: reads the deadline calendar (.ics) and nothing else


CATEGORY_PATTERN = r"^[a-z0-9]+(_[a-z0-9]+)*$"
_CATEGORY = re.compile(CATEGORY_PATTERN)
CATEGORY_MAX_LENGTH = 60


class ComplaintCategory(StrEnum):
    """What a complaint was about. The members are the categories this service knows; API.md names no vocabulary,
    so an agency may also give its own code in snake_case (`harassment`), kept as given: only a policy's
    `category_thresholds` give a category a meaning (RULES.md section 11), and those name known ones.
    """

    NOISE = "noise"
    VERBAL_ABUSE = "verbal_abuse"
    INTIMIDATION = "intimidation"
    CRIMINAL_DAMAGE = "criminal_damage"
    VANDALISM = "vandalism"
    DRUG_ACTIVITY = "drug_activity"
    VEHICLE_NUISANCE = "vehicle_nuisance"
    LITTERING_DUMPING = "littering_dumping"
    ANIMAL_NUISANCE = "animal_nuisance"
    NEIGHBOUR_DISPUTE = "neighbour_dispute"
    HATE_INCIDENT = "hate_incident"
    OTHER = "other"

    @classmethod
    def _missing_(cls, value: object) -> "ComplaintCategory | None":
        """An agency's own code: a member made for it, equal (and hashing equal) to the same code made again."""
        if isinstance(value, str) and len(value) <= CATEGORY_MAX_LENGTH and _CATEGORY.match(value):
            member = str.__new__(cls, value)
            member._name_, member._value_ = value.upper(), value
            return member
        return None

    @classmethod
    def known(cls, value: object) -> "ComplaintCategory":
        """One of the members (ValueError otherwise): what a policy may name."""
        category = cls(value)
        if category.value not in {member.value for member in cls}:  # iterating gives the declared members only
            raise ValueError(value)
        return category


class CaseStatus(StrEnum):
    """Where an application stands in the lifecycle (RULES.md section 9)."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    THRESHOLD_NOT_MET = "threshold_not_met"
    UNDER_REVIEW = "under_review"
    REVIEW_COMPLETED = "review_completed"
    ACTIONS_OPEN = "actions_open"  # the applicant was told the outcome; an agreed action is still open (RULES.md 13)
    CLOSED = "closed"
    ESCALATED = "escalated"


class InvolvementLevel(StrEnum):
    """How far the applicant chose to take part in their review (RULES.md section 13)."""

    ATTEND = "attend"
    WRITTEN_STATEMENT = "written_statement"
    UPDATES_ONLY = "updates_only"


class InvitationMode(StrEnum):
    """How the applicant was invited to join the review meeting."""

    IN_PERSON = "in_person"
    ONLINE = "online"


class ContactChannel(StrEnum):
    """How the partnership reached a person (an update, a letter); not how an application came in (`Channel`)."""

    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"
    ONLINE = "online"


class LetterKind(StrEnum):
    """The letters rendered from the partnership's templates (RULES.md section 13)."""

    ACKNOWLEDGEMENT = "acknowledgement"
    THRESHOLD_DECISION = "threshold_decision"
    DELAY = "delay"
    OUTCOME = "outcome"


class ComplaintSource(StrEnum):
    """How a complaint reached the agency (RULES.md section 11); a policy may exclude some sources."""

    PHONE = "phone"
    ONLINE = "online"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"
    PATROL = "patrol"
    DIARY_SHEET = "diary_sheet"
    OTHER = "other"


class GroupRule(StrEnum):
    """How a group application meets the threshold (RULES.md sections 4 and 11)."""

    INDIVIDUALS = "individuals"  # enough members, each with a qualifying complaint
    LINKED_LOCATION = "linked_location"  # enough incidents at one place, reported by two or more people


class StageName(StrEnum):
    """The steps of a procedure that may carry a time limit (RULES.md section 11), in lifecycle order."""

    ACKNOWLEDGED = "acknowledged"
    INFORMATION_REQUESTED = "information_requested"
    THRESHOLD_DECIDED = "threshold_decided"
    REVIEW_MEETING_HELD = "review_meeting_held"
    REVIEW_COMPLETED = "review_completed"
    OUTCOME_NOTIFIED = "outcome_notified"


class DayKind(StrEnum):
    """How a stage's days are counted: the policy calendar's working days, or every calendar day."""

    WORKING = "working"
    CALENDAR = "calendar"
