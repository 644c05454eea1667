"""Request bodies of the partner API (API.md, Writing). Strict where it matters: a date is a
'YYYY-MM-DD' string from 1900 on, a flag is true or false, and an unknown field is refused rather than dropped.

Text is refused (422 naming the field) when it holds NUL or another C0 control character: such
characters are invisible, break exports, letters and partners' systems, and NUL cannot even be
stored in PostgreSQL text. Tabs and line breaks are taken in long free text (`Text`) only, and the
bidirectional override and isolate characters, which make a name read differently from what it
is, never in a name (`Name`). Every text field of every body gets the first check (`Body`), so a
field added later cannot forget it.
"""

import re
from datetime import date, datetime, time
from typing import Annotated, Any, ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

import email_validator
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from api.problems import invalid
from domain.complaints import MAX_LOCATION_KEY
from domain.people import Contact
from domain.policy import EARLIEST_DATE
from domain.vocabulary import (
    CATEGORY_MAX_LENGTH,
    CATEGORY_PATTERN,
    Channel,
    ComplaintCategory,
    ComplaintSource,
    ConsentPurpose,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    Route,
)
from service import commands as c

LONDON = ZoneInfo("Europe/London")  # RULES.md section 2: rule dates are calendar dates in Europe/London
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_string(value: Any) -> Any:
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


def _not_before_earliest(value: date) -> date:
    if value < EARLIEST_DATE:
        raise ValueError(f"a date from {EARLIEST_DATE.isoformat()} on (got {value.isoformat()})")
    return value


Day = Annotated[date, BeforeValidator(_iso_date_string), AfterValidator(_not_before_earliest)]

# A time in a URL's query whose `+` was not written as %2B arrives with a space before its offset.
UNENCODED_PLUS = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\S+ \d{2}(:?\d{2})?$")
A_TIME = "a time is written ISO 8601 with its offset, for example 2026-11-02T09:30:00Z"


def _time_with_offset(value: Any) -> Any:
    """A moment: ISO 8601 with its offset (`Z` or `+01:00`); a `+` that a URL turned into a space is named as such."""
    if isinstance(value, datetime):
        moment = value
    elif not isinstance(value, str):
        raise ValueError(A_TIME)
    elif UNENCODED_PLUS.match(value.strip()):
        raise ValueError(
            "a '+' in a URL reads as a space: write the offset as Z (2026-11-02T09:30:00Z) "
            "or the '+' as %2B (2026-11-02T09:30:00%2B00:00)"
        )
    else:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(A_TIME) from None
    if moment.utcoffset() is None:
        raise ValueError("give the time with its offset, for example 2026-11-02T09:30:00Z")
    if moment.year < EARLIEST_DATE.year:
        raise ValueError(f"a time from {EARLIEST_DATE.isoformat()} on (got {moment.isoformat()})")
    return moment


def moment_or_day(value: str | None, field: str) -> datetime | None:
    """A query's moment (ISO 8601 with offset) or day (YYYY-MM-DD: its start, UK time); 422 on `field` otherwise."""
    if value is None:
        return None
    if ISO_DATE.match(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise invalid(field, "a date is written YYYY-MM-DD") from None
        return datetime.combine(day, time.min, tzinfo=LONDON)
    try:
        return _time_with_offset(value)
    except ValueError as error:
        raise invalid(field, str(error)) from None


KnownAt = Annotated[
    datetime,
    BeforeValidator(_time_with_offset),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-02T09:30:00Z"]}),
]


def _email_address(value: str) -> str:
    """Checked as an address (its form, not whether mail is delivered there); kept as the person gave it."""
    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        raise ValueError(f"not an email address ({error}); for example alex.taylor@example.org") from None
    return value


EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254),
    AfterValidator(_email_address),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254, "examples": ["alex.taylor@example.org"]}),
]
# NUL and the other C0 controls (and DEL); `LINE_CONTROL` leaves out tab, line feed and carriage return.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
LINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")  # embeddings, overrides and isolates


def _refuse(pattern: re.Pattern[str], value: str, what: str) -> str:
    found = pattern.search(value)
    if found:
        raise ValueError(f"{what} (U+{ord(found.group()):04X} at character {found.start() + 1}); remove it")
    return value


def _free_text(value: str) -> str:
    return _refuse(LINE_CONTROL, value, "contains a control character, which text may not hold")


def _one_line(value: str) -> str:
    return _refuse(CONTROL, value, "contains a control character or line break, which this field may not hold")


def _name(value: str) -> str:
    return _refuse(BIDI_CONTROL, value, "contains a bidirectional control character, which a name may not hold")


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000), AfterValidator(_free_text)]
RequiredText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000), AfterValidator(_free_text)
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_one_line)
]
Name = Annotated[ShortText, AfterValidator(_name)]
AgencySlug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)]


def _category(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return ComplaintCategory(value)
        except ValueError:
            raise ValueError(
                f"category must be a code in snake_case of at most {CATEGORY_MAX_LENGTH} characters, such as noise or "
                "hate_incident"
            ) from None
    return value


def _channel(value: Any) -> Any:
    """RULES.md 1 names the channels as people write them ("101, online, email, letter, in person"): the number 101
    and any case or spacing of a name are taken for the code (`in person` is `in_person`)."""
    if value == 101 and not isinstance(value, bool):
        return Channel.PHONE_101.value
    if isinstance(value, str):
        return "_".join(value.strip().lower().replace("-", " ").split())
    return value


ApplicationChannel = Annotated[Channel, BeforeValidator(_channel)]

CATEGORY_SCHEMA = {
    "type": "string",
    "pattern": CATEGORY_PATTERN,
    "maxLength": CATEGORY_MAX_LENGTH,
    "description": "what the complaint was about: one of the known categories listed in `examples`, or the agency's own "
    "code in snake_case, kept as given (a policy's `category_thresholds` name known ones)",
    "examples": [category.value for category in ComplaintCategory],
}
# A known category or an agency's own code (domain/vocabulary.py ComplaintCategory).
Category = Annotated[ComplaintCategory, BeforeValidator(_category), WithJsonSchema(CATEGORY_SCHEMA)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        """Every text field, and every text in a list, of every body: no NUL or other C0 control but tab
        and line breaks (fields typed `ShortText` or `Name` refuse those too). Looked at as sent, before
        surrounding whitespace is stripped: a control character is refused, never silently dropped."""
        if isinstance(value, str):
            return _free_text(value)
        if isinstance(value, list | tuple | set | frozenset):
            for item in value:
                if isinstance(item, str):
                    _free_text(item)
        return value


class CommandBody(Body):
    """A body that is one command of service/commands.py: its fields are the command's, named as the API names them.

    `command(**ids)` builds the command from the typed fields (enums and dates as parsed), with the
    ids the path gives and any If-Match version; routes do not repeat the command's fields.
    """

    command_type: ClassVar[type]

    def command(self, **ids: Any) -> Any:
        return self.command_type(**ids, **self.fields())

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields}


def example(**values: Any) -> ConfigDict:
    """A body's config with one example for the OpenAPI at /docs (and for schemathesis to start from)."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [values]})


# The ids in the examples are made up; they read as: a victim, a complaint, an application.
VICTIM, COMPLAINT, APPLICATION = (
    "4d2c8a9e-5b1f-4c3a-9e7d-2f6b8c1a0e53",
    "9b7e1f3a-2c4d-4e5f-8a6b-1c2d3e4f5a6b",
    "c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
)


class ContactIn(Body):
    model_config = example(phone="07700 900123", email="alex.taylor@example.org", address="1 Example Road, Havant")

    phone: ShortText | None = None
    email: EmailAddress | None = None
    address: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_free_text)] | None
    ) = None  # an address may run over several lines


class PersonIn(CommandBody):
    command_type = c.RegisterPerson
    model_config = example(
        display_name="Alex Taylor", contact={"phone": "07700 900123", "email": "alex.taylor@example.org"}
    )

    display_name: Name
    contact: ContactIn | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "display_name": self.display_name,
            "contact": Contact(**(self.contact.model_dump() if self.contact else {})),
        }


class ComplaintIn(CommandBody):
    command_type = c.LogComplaint
    model_config = example(
        victim_id=VICTIM, agency="hampshire-constabulary", agency_reference="HC-2026-0412",
        incident_date="2026-10-01", reported_date="2026-10-02", caused_harassment_alarm_distress=True,
        category="noise", location="outside 14 Example Road", description="Loud music and shouting after midnight",
        source="phone", location_key="100062456789",
    )  # fmt: skip

    victim_id: UUID
    complainant_id: UUID | None = None
    agency: AgencySlug
    agency_reference: ShortText | None = None
    incident_date: Day
    reported_date: Day
    caused_had: StrictBool = Field(alias="caused_harassment_alarm_distress")
    category: Category
    location: Text | None = None
    description: Text | None = None
    incident_ref: ShortText | None = None
    source: ComplaintSource = Field(
        default=ComplaintSource.OTHER, description="how the complaint reached the agency (RULES.md section 11)"
    )
    location_key: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LOCATION_KEY)] | None = Field(
        default=None,
        description="the place as the agency identifies it (a UPRN, or the partnership's own place id): the victim's"
        " personal data, compared as given; complaints at one key are one linked location (RULES.md section 11)",
    )


class ComplaintAmendmentIn(Body):
    model_config = example(agency_reference="HC-2026-0412", reported_date="2026-10-03")

    agency_reference: ShortText | None = None
    incident_date: Day | None = None
    reported_date: Day | None = None
    caused_harassment_alarm_distress: StrictBool | None = None
    category: Category | None = None
    incident_ref: ShortText | None = None


class WithdrawalIn(CommandBody):
    command_type = c.WithdrawComplaint
    model_config = example(reason="logged against the wrong address")

    reason: RequiredText


class CaseReviewIn(CommandBody):
    command_type = c.RequestCaseReview
    model_config = example(
        route="individual", applicant_id=VICTIM, victim_id=VICTIM, received_date="2026-11-02", channel="online",
        dissatisfaction="no_action_taken", complaint_ids=[COMPLAINT],
    )  # fmt: skip

    route: Route
    applicant_id: UUID
    victim_id: UUID | None = None
    member_ids: list[UUID] = Field(default_factory=list, max_length=500)
    received_date: Day
    channel: ApplicationChannel
    dissatisfaction: Dissatisfaction
    complaint_ids: list[UUID] | None = Field(default=None, max_length=1000)


class ConsentIn(CommandBody):
    command_type = c.GiveConsent
    model_config = example(
        person_id=VICTIM, application_id=APPLICATION, purpose="information_sharing", given_on="2026-11-03"
    )

    person_id: UUID
    application_id: UUID
    purpose: ConsentPurpose
    given_on: Day


class ConsentWithdrawalIn(CommandBody):
    command_type = c.WithdrawConsent
    model_config = example(withdrawn_on="2026-11-20")

    withdrawn_on: Day


class AcknowledgementIn(CommandBody):
    command_type = c.Acknowledge
    model_config = example(acknowledged_on="2026-11-03")

    acknowledged_on: Day


class ThresholdDecisionIn(CommandBody):
    command_type = c.DecideThreshold
    model_config = example(decision="met", decided_on="2026-11-05", reason="three qualifying complaints in six months")

    decision: Decision
    grounds: DiscretionGrounds | None = None
    reason: Text | None = None
    decided_on: Day


class InformationIn(CommandBody):
    command_type = c.ShareInformation
    model_config = example(
        agency="hampshire-constabulary", shared_on="2026-11-06", summary="Three visits; two warnings given"
    )

    # An agency's key shares as its own agency and need not name it; a coordinator names the agency.
    agency: AgencySlug | None = None
    shared_on: Day
    summary: Text | None = None


class DelayNoticeIn(CommandBody):
    command_type = c.NotifyDelay
    model_config = example(reason="awaiting health records", new_target_date="2026-12-15", notified_on="2026-11-09")

    reason: RequiredText
    new_target_date: Day
    notified_on: Day


class RecommendationIn(Body):
    model_config = example(action="Offer mediation to both households", agency="vivid-homes", due_date="2026-12-01")

    action: RequiredText
    agency: AgencySlug
    due_date: Day | None = None


class ReviewIn(CommandBody):
    command_type = c.CompleteReview
    model_config = example(
        completed_on="2026-11-12",
        recommendations=[
            {"action": "Offer mediation to both households", "agency": "vivid-homes", "due_date": "2026-12-01"}
        ],
    )

    completed_on: Day
    recommendations: list[RecommendationIn] = Field(max_length=200)

    def fields(self) -> dict[str, Any]:
        return {
            "completed_on": self.completed_on,
            "recommendations": [c.RecommendationInput(r.action, r.agency, r.due_date) for r in self.recommendations],
        }


class OutcomeNoticeIn(CommandBody):
    command_type = c.NotifyOutcome
    model_config = example(notified_on="2026-11-13")

    notified_on: Day


class EscalationIn(CommandBody):
    command_type = c.RequestEscalation
    model_config = example(requested_on="2026-11-16", reason="the applicant is not satisfied with the review")

    requested_on: Day
    reason: Text | None = None


class EscalationResultIn(CommandBody):
    command_type = c.DecideEscalation
    model_config = example(result="upheld", decided_on="2026-11-18")

    result: EscalationResult
    decided_on: Day
