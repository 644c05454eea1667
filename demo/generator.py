"""Synthetic Community Trigger data: a fictional Havant, as a stream of timestamped steps.

The stream feeds the demo (`community-trigger serve --demo`) and the benchmarks. Each step is a
plain command with the time the system learned it (`at`); a loader elsewhere applies them.
Everything here is fictional and comes from `random.Random(seed)`, so a seed always gives the
same stream.

How it is built. The data comes in *clusters*: one victim and their complaints (background), or
one application with the people and complaints behind it (a case). A cluster is planned whole on
its *anchor* (its earliest date): each step gets its day and recorded time and is filed in a
calendar under that day as a small tuple of plain values; the step itself (UUIDs, enums, texts)
is made only when the stream reaches the day. Clusters are planned in anchor order, so once the
next anchor is past a day nothing more can be filed under it, and the day is handed out sorted
by recorded time. Memory is the application plans plus the calendar's days to come, never the
whole stream; and as the waiting tuples hold only plain values, the garbage collector soon stops
walking them (walking them was a third of the time at national scale).
"""

import itertools
import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from uuid import UUID, SafeUUID
from zoneinfo import ZoneInfo

from domain.policy import HAVANT_PARTNER_AGENCIES
from domain.promises import next_step_action_id, recommendation_action_id
from domain.vocabulary import (
    Channel,
    ComplaintCategory,
    ConsentPurpose,
    ContactChannel,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    InvitationMode,
    InvolvementLevel,
    LetterKind,
    Route,
)

# --- the steps ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterPerson:
    at: datetime
    person_id: UUID
    display_name: str
    phone: str | None
    email: str | None
    address: str | None
    locality: str


@dataclass(frozen=True)
class LogComplaint:
    at: datetime
    complaint_id: UUID
    victim_id: UUID
    complainant_id: UUID
    agency: str
    agency_reference: str
    incident_date: date
    reported_date: date
    caused_had: bool
    category: ComplaintCategory
    location: str | None
    description: str | None
    incident_ref: str | None


@dataclass(frozen=True)
class WithdrawComplaint:
    at: datetime
    complaint_id: UUID
    reason: str


@dataclass(frozen=True)
class RequestCaseReview:
    at: datetime
    application_id: UUID
    route: Route
    applicant_id: UUID
    victim_id: UUID | None
    member_ids: tuple[UUID, ...]
    received_date: date
    channel: Channel
    dissatisfaction: Dissatisfaction
    complaint_ids: tuple[UUID, ...] | None


@dataclass(frozen=True)
class GiveConsent:
    at: datetime
    consent_id: UUID
    person_id: UUID
    application_id: UUID
    purpose: ConsentPurpose
    given_on: date


@dataclass(frozen=True)
class WithdrawConsent:
    at: datetime
    consent_id: UUID
    withdrawn_on: date


@dataclass(frozen=True)
class Acknowledge:
    at: datetime
    application_id: UUID
    acknowledged_on: date


@dataclass(frozen=True)
class DecideThreshold:
    """`intended` is what the case was built to be; the loader checks it against the assessment.

    `grounds` set means a discretionary `met` (s.104(5)) on a case built not to meet the threshold.
    """

    at: datetime
    application_id: UUID
    decided_on: date
    intended: Decision
    grounds: DiscretionGrounds | None
    reason: str | None


@dataclass(frozen=True)
class ShareInformation:
    at: datetime
    application_id: UUID
    agency: str
    shared_on: date
    summary: str


@dataclass(frozen=True)
class NotifyDelay:
    at: datetime
    application_id: UUID
    reason: str
    new_target_date: date
    notified_on: date


@dataclass(frozen=True)
class Recommendation:
    action: str
    agency: str
    due_date: date | None


@dataclass(frozen=True)
class CompleteReview:
    at: datetime
    application_id: UUID
    completed_on: date
    recommendations: tuple[Recommendation, ...]


@dataclass(frozen=True)
class NotifyOutcome:
    at: datetime
    application_id: UUID
    notified_on: date


@dataclass(frozen=True)
class RequestEscalation:
    at: datetime
    application_id: UUID
    escalation_id: UUID
    requested_on: date
    reason: str | None


@dataclass(frozen=True)
class DecideEscalation:
    at: datetime
    application_id: UUID
    escalation_id: UUID
    result: EscalationResult
    decided_on: date


# RULES.md section 13: the victim's part and the partnership's promises.


@dataclass(frozen=True)
class RecordInvolvement:
    at: datetime
    application_id: UUID
    level: InvolvementLevel
    invited: bool | None
    invitation_mode: InvitationMode | None
    attended: bool | None
    impact_statement: str | None
    not_invited_reason: str | None


@dataclass(frozen=True)
class HoldReviewMeeting:
    at: datetime
    application_id: UUID
    held_on: date
    chair: str
    independent_chair: bool
    agencies_present: tuple[str, ...]


@dataclass(frozen=True)
class MarkActionDone:
    """`agency` owns the action and marks it done (as itself)."""

    at: datetime
    application_id: UUID
    action_id: UUID
    agency: str
    done_on: date
    evidence: str | None


@dataclass(frozen=True)
class DropAction:
    at: datetime
    application_id: UUID
    action_id: UUID
    dropped_on: date
    reason: str


@dataclass(frozen=True)
class GiveUpdate:
    at: datetime
    application_id: UUID
    updated_on: date
    channel: ContactChannel
    summary: str | None


@dataclass(frozen=True)
class RequestInformation:
    at: datetime
    application_id: UUID
    request_id: UUID
    agency: str
    requested_on: date
    due_date: date
    question: str


@dataclass(frozen=True)
class AnswerInformationRequest:
    """`agency` is the agency asked, which answers (as itself)."""

    at: datetime
    application_id: UUID
    request_id: UUID
    agency: str
    answered_on: date
    answer: str


@dataclass(frozen=True)
class RecordLetterSent:
    at: datetime
    application_id: UUID
    kind: LetterKind
    sent_on: date
    channel: ContactChannel


@dataclass(frozen=True)
class RequestPccReview:
    at: datetime
    application_id: UUID
    pcc_review_id: UUID
    requested_on: date
    grounds: tuple[str, ...]
    reason: str | None


@dataclass(frozen=True)
class DecidePccReview:
    at: datetime
    application_id: UUID
    pcc_review_id: UUID
    result: EscalationResult
    reasons: str
    decided_on: date
    next_steps: tuple[Recommendation, ...]


@dataclass(frozen=True)
class TellAboutCaseReview:
    """RULES.md section 12: a victim with two qualifying reports is told about the case review."""

    at: datetime
    person_id: UUID
    told_on: date
    channel: ContactChannel


Step = (
    RegisterPerson | LogComplaint | WithdrawComplaint | RequestCaseReview | GiveConsent | WithdrawConsent
    | Acknowledge | DecideThreshold | ShareInformation | NotifyDelay | CompleteReview | NotifyOutcome
    | RequestEscalation | DecideEscalation | RecordInvolvement | HoldReviewMeeting | MarkActionDone | DropAction
    | GiveUpdate | RequestInformation | AnswerInformationRequest | RecordLetterSent | RequestPccReview
    | DecidePccReview | TellAboutCaseReview
)  # fmt: skip

# --- the fictional Havant ----------------------------------------------------------------

PARTNER_AGENCIES = HAVANT_PARTNER_AGENCIES
# Complaints made to these do not count towards the threshold (RULES.md section 3, check 2).
NON_PARTNER_AGENCIES = ("portsmouth-city-council", "east-hampshire-district-council", "rspca")
LANDLORDS = ("sovereign-network-group", "vivid-homes", "clarion-housing")

LOCALITIES = (
    "Leigh Park", "Waterlooville", "Havant", "Emsworth", "Hayling Island",
    "Bedhampton", "Cowplain", "Purbrook", "Widley", "Denvilles",
)  # fmt: skip
# Roughly by population: Leigh Park and Waterlooville are the big estates and towns.
_LOCALITY_WEIGHTS = (22, 18, 12, 8, 10, 7, 8, 7, 3, 5)

# locality: (post town, postcode districts with sectors, streets, public places)
_PLACES = {
    "Leigh Park": ("Havant", ("PO9 4", "PO9 5"),
        ("Park Parade", "Dunsbury Way", "Botley Drive", "Middle Park Way", "Purbrook Way", "Hursley Road",
         "Stockheath Lane", "Bramdean Drive", "Sharps Road", "Barncroft Way"),
        ("Park Parade shops", "Greywell Shopping Centre", "Leigh Park Community Centre car park",
         "the footpath behind Dunsbury Way", "Stockheath Common")),
    "Waterlooville": ("Waterlooville", ("PO7 7", "PO7 6"),
        ("London Road", "Hambledon Road", "Stakes Hill Road", "Milton Road", "Forest End", "Jubilee Road",
         "Queens Road", "Silvester Road", "Eagle Avenue"),
        ("Wellington Way precinct", "the bus stops on London Road", "Jubilee Park", "the Asda car park")),
    "Havant": ("Havant", ("PO9 1", "PO9 2"),
        ("West Street", "North Street", "Elm Lane", "Grove Road", "Bulbeck Road", "Brockhampton Road",
         "Beechworth Road", "Fairfield Road"),
        ("Havant Park", "the Meridian Centre", "Havant station forecourt", "the bus station on Elm Lane")),
    "Emsworth": ("Emsworth", ("PO10 7",),
        ("High Street", "Queen Street", "Horndean Road", "Bath Road", "Victoria Road", "Seafields",
         "Westbourne Avenue"),
        ("Emsworth Square", "the millpond path", "Emsworth Recreation Ground")),
    "Hayling Island": ("Hayling Island", ("PO11 0", "PO11 9"),
        ("Elm Grove", "Manor Road", "West Lane", "Station Road", "Selsmore Road", "Rails Lane",
         "Southwood Road"),
        ("the seafront promenade", "Beachlands car park", "Mengham shops", "the Hayling Billy trail")),
    "Bedhampton": ("Havant", ("PO9 3",),
        ("Bedhampton Road", "Hulbert Road", "Belmont Grove", "Lower Road", "Mill Road", "Bidbury Lane"),
        ("Bidbury Mead recreation ground", "Bedhampton station", "the shops on Bedhampton Road")),
    "Cowplain": ("Waterlooville", ("PO8 8", "PO8 9"),
        ("London Road", "Padnell Road", "Park Lane", "Hart Plain Avenue", "Durley Avenue", "Highfield Avenue"),
        ("Cowplain shops", "Queens Enclosure", "the Hart Plain Avenue parade")),
    "Purbrook": ("Waterlooville", ("PO7 5",),
        ("Stakes Road", "Park Avenue", "Crookhorn Lane", "Purbrook Gardens", "Lakesmere Road", "Marrels Wood Gardens"),
        ("Crookhorn shops", "Purbrook Heath", "the Purbrook Park School field")),
    "Widley": ("Waterlooville", ("PO7 5", "PO7 6"),
        ("Widley Walk", "Alexandra Avenue", "Widley Gardens", "Highbury Way", "Portsdown Avenue"),
        ("the Portsdown Hill viewpoint car park", "Widley Walk playing field")),
    "Denvilles": ("Havant", ("PO9 2",),
        ("Emsworth Common Road", "Southleigh Road", "Bartons Road", "Denvilles Close", "Eastern Road",
         "Wraysbury Park Drive"),
        ("Warblington station", "Denvilles recreation ground", "the footpath to Southleigh Forest")),
}  # fmt: skip
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in the inward code
_POSTCODE_UNITS = tuple(a + b for a in _POSTCODE_LETTERS for b in _POSTCODE_LETTERS)

_FIRST_NAMES = """
Oliver George Harry Jack Jacob Noah Charlie Muhammad Thomas Oscar William James Henry Leo Alfie Joshua
Freddie Archie Ethan Isaac Alexander Joseph Edward Samuel Max Daniel Arthur Lucas Mohammed Logan Theo
Harrison Benjamin Mason Sebastian Finley Adam Dylan Zachary Riley Teddy Theodore David Toby Jake Louie
Elijah Reuben Arlo Hugo Luca Jaxon Matthew Harvey Reggie Michael Harley Jude Albert Tommy Luke Stanley
Jenson Frankie Ezra Ryan Kian Ronnie Gary Paul Mark Stephen Andrew Kevin Darren Wayne Lee Craig Dean Neil
Olivia Amelia Isla Ava Emily Isabella Mia Poppy Ella Lily Evie Sophia Grace Sophie Freya Charlotte Daisy
Alice Florence Sienna Ruby Phoebe Matilda Rosie Evelyn Willow Elsie Harper Millie Scarlett Layla Maya
Erin Esme Imogen Eva Hannah Jessica Lucy Chloe Holly Megan Bethany Lauren Amy Rebecca Katie Zara Aisha
Priya Fatima Amira Nadia Joanne Karen Tracey Julie Sharon Michelle Claire Nicola Donna Lisa Kelly Emma
Sarah Helen Susan Margaret Pauline Janet Brenda Doreen Maureen Shirley Valerie Ann Jean Sandra Patricia
""".split()
_SURNAMES = """
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright
Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill
Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker
Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy
Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman
Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight
Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher
Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West
Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan
Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe
Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton
Oakley Fenwick Whitlock Pennington Ashdown Colebrook Hammond Lockwood Thorne Sutcliffe Merritt Drayton
""".split()

_CATEGORIES = tuple(ComplaintCategory)
_CATEGORY_WEIGHTS = tuple(
    {"noise": 20, "verbal_abuse": 12, "intimidation": 10, "criminal_damage": 8, "vandalism": 6,
     "drug_activity": 8, "vehicle_nuisance": 8, "littering_dumping": 6, "animal_nuisance": 5,
     "neighbour_dispute": 12, "hate_incident": 3, "other": 2}[c.value]
    for c in _CATEGORIES
)  # fmt: skip
_DESCRIPTIONS = {
    ComplaintCategory.NOISE: (
        "Loud music from the neighbouring flat until about 3am",
        "Shouting and banging from the flat above late at night",
        "Parties next door every weekend, music well past midnight",
        "Car stereo played at full volume outside the house at night",
        "Drilling and hammering at 11pm again after being asked to stop",
    ),
    ComplaintCategory.VERBAL_ABUSE: (
        "Neighbour shouted abuse at me over the fence",
        "Group of youths swore at me on the way to the shops",
        "Abusive comments shouted at my children on the way home from school",
        "Sworn at and threatened when I asked them to turn the music down",
    ),
    ComplaintCategory.INTIMIDATION: (
        "Group gathering outside the house and staring in at the windows",
        "Followed home from the bus stop by two men",
        "Knocking on the door late at night and running off",
        "Told that something will happen if I call the police again",
    ),
    ComplaintCategory.CRIMINAL_DAMAGE: (
        "Car tyres slashed overnight",
        "Front window smashed with a stone",
        "Fence panels kicked in during the night",
        "Eggs thrown at the front door and window",
    ),
    ComplaintCategory.VANDALISM: (
        "Graffiti sprayed on the garden wall",
        "Bus shelter glass smashed again",
        "Plants pulled up and wheelie bins set alight",
        "Play equipment on the green damaged",
    ),
    ComplaintCategory.DRUG_ACTIVITY: (
        "People dealing from a car parked in the close",
        "Strong smell of cannabis coming into the flat every evening",
        "Needles left in the communal stairwell",
        "Constant callers at the flat opposite at all hours",
    ),
    ComplaintCategory.VEHICLE_NUISANCE: (
        "Off-road bikes ridden along the footpath and across the green",
        "Cars racing up and down the road late at night",
        "Van parked across my driveway again, blocking me in",
        "Moped riders doing wheelies outside the shops",
    ),
    ComplaintCategory.LITTERING_DUMPING: (
        "Bags of rubbish dumped by the garages",
        "Mattress and fridge fly-tipped in the alleyway",
        "Neighbour throwing rubbish over the fence into my garden",
        "Bottles and cans left on the green after gatherings",
    ),
    ComplaintCategory.ANIMAL_NUISANCE: (
        "Dog barking for hours every day while the owners are out",
        "Dog let off the lead went for my child",
        "Dog mess left outside my front door again",
        "Neighbour's dog attacked my cat in the garden",
    ),
    ComplaintCategory.NEIGHBOUR_DISPUTE: (
        "Ongoing row over the boundary fence, neighbour shouting at us",
        "Neighbour keeps blocking access to the shared path",
        "Neighbour filming me and my family on their phone",
        "Neighbour's CCTV camera pointed into my garden and windows",
    ),
    ComplaintCategory.HATE_INCIDENT: (
        "Racist abuse shouted at me in the street",
        "Homophobic graffiti written on my front door",
        "Called names by neighbours because of my disability",
        "Note with religious abuse pushed through the letterbox",
    ),
    ComplaintCategory.OTHER: (
        "Fireworks let off in the street late at night",
        "Stones thrown at the windows of the community centre",
        "Youths climbing on the roofs of the garages",
        "Shopping trolleys pushed into the stream",
    ),
}
_DESCRIPTION_TAILS = ("", "", "", " - third time this week", " again", ", children frightened", ", could not sleep")

_REFERENCE_FORMATS = {  # agency: (year, serial) -> the agency's own reference
    "havant-borough-council": lambda year, n: f"HBC/ASB/{year}/{n:05d}",
    "hampshire-constabulary": lambda year, n: f"44{year % 100:02d}{n:07d}",  # occurrence numbers: 44, year, serial
    "nhs-hampshire-iow-icb": lambda year, n: f"ICB-{year}-{n:05d}",
    "sovereign-network-group": lambda year, n: f"SNG-ASB-{n:06d}",
    "vivid-homes": lambda year, n: f"VIV-{n:06d}",
    "clarion-housing": lambda year, n: f"CLA/ASB/{n:06d}",
    "portsmouth-city-council": lambda year, n: f"PCC-ASB-{year}-{n:05d}",
    "east-hampshire-district-council": lambda year, n: f"EHDC/{year}/{n:05d}",
    "rspca": lambda year, n: f"RSPCA-{n:08d}",
}
_INCIDENT_PREFIX = {
    "havant-borough-council": "HBC", "hampshire-constabulary": "HC", "nhs-hampshire-iow-icb": "ICB",
    "sovereign-network-group": "SNG", "vivid-homes": "VIV", "clarion-housing": "CLA",
    "portsmouth-city-council": "PCC", "east-hampshire-district-council": "EHDC", "rspca": "RSPCA",
}  # fmt: skip

_WITHDRAWAL_REASONS = (
    "Complainant asked to withdraw: the matter has been resolved",
    "Logged against the wrong household",
    "Complainant no longer wishes to pursue this",
    "Duplicate of a report already logged",
)
_NOT_MET_REASONS = {
    "few": "Fewer than three qualifying complaints in the previous six months",
    "old": "The incidents reported fall outside the previous six months",
    "group": "Fewer than five individuals have each reported the behaviour",
}
_DISCRETION = (
    (DiscretionGrounds.HARM, "Victim is disabled and lives alone; repeated targeting at home puts them at risk"),
    (DiscretionGrounds.PERSISTENCE, "Behaviour has continued for over a year with reports to several agencies"),
    (
        DiscretionGrounds.ADEQUACY,
        "Agencies' response so far has not stopped the behaviour; a joined-up review is needed",
    ),
)
_SUMMARIES = {
    "hampshire-constabulary": "{n} calls logged in the last six months; {k} attendances; words of advice given to the person responsible",
    "havant-borough-council": "{n} ASB reports; noise diary issued; Community Protection Warning considered",
    "nhs-hampshire-iow-icb": "Victim known to community mental health team; {k} contacts; vulnerability noted",
    "sovereign-network-group": "{n} reports from the tenancy; tenancy warning issued to the neighbouring household",
    "vivid-homes": "{n} reports; acceptable behaviour contract offered to the neighbouring tenant",
    "clarion-housing": "{n} reports; neighbourhood officer visited both households {k} times",
}
_DELAY_REASONS = (
    "Waiting for information from the housing provider",
    "Review meeting rescheduled: a key partner was unavailable",
    "Complex case: further information requested from health partners",
    "Additional incidents reported during the review need to be considered",
)
_ACTIONS = (
    ("Joint home visit by the neighbourhood police team and housing officer", "hampshire-constabulary"),
    ("Install noise monitoring equipment at the victim's home", "havant-borough-council"),
    ("Refer the victim to Victim Support", "hampshire-constabulary"),
    ("Issue a Community Protection Warning to the person responsible", "havant-borough-council"),
    ("Review the tenancy and offer an acceptable behaviour contract", "landlord"),
    ("Refer the person responsible for a mental health assessment", "nhs-hampshire-iow-icb"),
    ("Increase patrols in the area on Friday and Saturday evenings", "hampshire-constabulary"),
    ("Manage the case at the monthly ASB risk panel", "havant-borough-council"),
    ("Give the victim a single point of contact and fortnightly updates", "havant-borough-council"),
    ("Install CCTV covering the communal entrance", "landlord"),
)
_ESCALATION_REASONS = (
    "Applicant disagrees with the threshold decision",
    "Applicant is not satisfied with the review's recommendations",
    "Behaviour has continued since the review",
    None,
)
_CHAIRS = (
    "Community Safety Manager, Havant Borough Council",
    "Inspector, Havant and Waterlooville Neighbourhood Policing Team",
    "Independent chair from the Safer Portsmouth Partnership",
    "Head of Housing Services, Havant Borough Council",
)
_IMPACT = (
    "I have not slept properly for months and I am afraid to go out after dark.",
    "My children are frightened to play in the garden.",
    "I feel I have been passed from one agency to another and nothing changes.",
    "The noise has made my health worse and I have had to take time off work.",
)
_QUESTIONS = (
    "Which actions have you taken against the person responsible in the last six months?",
    "Please share your contact log with the applicant since January.",
    "Is the person responsible known to your service, and is any support in place?",
    "What tenancy enforcement is open on the neighbouring property?",
)
_ANSWERS = (
    "Two warnings given; a Community Protection Warning is being drafted.",
    "Contact log attached to the case file: eleven contacts, three visits.",
    "Known to the service; a support plan is in place since September.",
    "A notice of seeking possession was served; a hearing is listed.",
)
_UPDATE_SUMMARIES = (
    "Told the applicant the police visited the address again",
    "Explained where the review has got to and the next steps",
    "Shared the date of the review meeting",
    "Told the applicant which actions are done and which are still open",
    None,
)
_EVIDENCE = (
    "Completed; recorded on the agency's case management system",
    "Visit made and logged; letter sent to the household",
    "Referral accepted by the receiving service",
    None,
)
_DROP_REASONS = (
    "The person responsible has moved away from the area",
    "Superseded by a civil injunction obtained by the council",
    "The applicant asked for this action not to go ahead",
)
_NOT_INVITED = {
    "written_statement": "The applicant chose to send a written statement instead of attending",
    "updates_only": "The applicant asked to be kept updated only",
}
_PCC_GROUNDS = ("threshold_wrongly_applied", "procedure_not_followed", "actions_inadequate")
_PCC_REASONS = (
    "The applicant says the agencies did not consider all of the reports",
    "The applicant says they were not told about the review meeting in time",
    "The applicant says the actions agreed will not stop the behaviour",
)
_PCC_RESULT_REASONS = {
    "upheld": "The review did not hear from the housing provider; a new meeting with an independent chair is needed",
    "not_upheld": "The partnership followed its procedure and the actions agreed address the behaviour reported",
}
_PCC_NEXT_STEPS = (
    ("Hold a new case review meeting with an independent chair", "havant-borough-council"),
    ("Share the housing provider's records with the review", "landlord"),
)
_CONTACT_CHANNELS = tuple(ContactChannel)
_CATEGORY_CUMULATIVE = tuple(itertools.accumulate(_CATEGORY_WEIGHTS))
_LOCALITY_CUMULATIVE = tuple(itertools.accumulate(_LOCALITY_WEIGHTS))
_CHANNELS = tuple(Channel)
_CHANNEL_WEIGHTS = (35, 30, 15, 5, 15)  # 101, online, email, letter, in person

# --- making steps fast -------------------------------------------------------------------

_KINDS: tuple[type, ...] = Step.__args__  # planned steps name their kind by its place in here
(_REGISTER, _LOG, _WITHDRAW, _REQUEST, _CONSENT, _WITHDRAW_CONSENT, _ACKNOWLEDGE, _DECIDE, _SHARE, _DELAY,
 _COMPLETE, _OUTCOME, _ESCALATE, _SETTLE, _INVOLVE, _MEET, _DONE, _DROP, _UPDATE, _ASK, _ANSWER, _LETTER, _PCC_ASK,
 _PCC_DECIDE, _TELL) = range(len(_KINDS))  # fmt: skip
_FIELDS = {kind: tuple(f.name for f in fields(kind))[1:] for kind in _KINDS}  # after `at`
_new, _set = object.__new__, object.__setattr__


def _make(kind: type, at: datetime, values: tuple) -> Step:
    """`kind(at, *values)` in half the time: a frozen dataclass's __init__ sets each field through
    object.__setattr__, the costliest part of the stream; this fills the instance's dict directly."""
    step = _new(kind)
    facts = step.__dict__
    facts["at"] = at
    facts.update(zip(_FIELDS[kind], values, strict=True))
    return step


_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))  # the version and variant bits
_UUID4_SET = (4 << 76) | (0x8000 << 48)  # version 4, RFC 4122 variant
_UNKNOWN = SafeUUID.unknown


def _uuid4(bits: int) -> UUID:
    """UUID(int=bits, version=4), built the way UUID.__init__ does, without its checks: twice as fast."""
    uuid = _new(UUID)
    _set(uuid, "int", (bits & _UUID4_CLEAR) | _UUID4_SET)
    _set(uuid, "is_safe", _UNKNOWN)
    return uuid


# --- dates and times ---------------------------------------------------------------------

_LONDON = ZoneInfo("Europe/London")
_DAY = timedelta(days=1)
_MIDNIGHTS: dict[date, datetime] = {}
# Built once: timedelta(days=n) costs more than a whole random draw.
_DAYS = tuple(timedelta(days=n) for n in range(4000))
_MINUTES = tuple(timedelta(minutes=n) for n in range(25 * 60))  # a day is 25 hours when the clocks go back


_BASES: dict[date, int] = {}


def _base(day: date) -> int:
    """The start of London's `day` in minutes since the epoch, cached per date."""
    base = _BASES.get(day)
    if base is None:
        base = _BASES[day] = int(_midnight(day).timestamp()) // 60
    return base


def _midnight(day: date) -> datetime:
    """The UTC instant London's `day` begins (rule dates are London dates), cached per date."""
    moment = _MIDNIGHTS.get(day)
    if moment is None:
        moment = _MIDNIGHTS[day] = datetime(day.year, day.month, day.day, tzinfo=_LONDON).astimezone(UTC)
    return moment


def _add_working_days(day: date, n: int) -> date:
    """`n` weekdays after `day` (before it when negative). Bank holidays are ignored here."""
    step = _DAY if n >= 0 else -_DAY
    left = abs(n)
    while left:
        day += step
        if day.weekday() < 5:
            left -= 1
    return day


def _weekday(day: date) -> date:
    """`day`, or the Friday before it when it falls at a weekend (offices receive on weekdays)."""
    return day - timedelta(days=max(0, day.weekday() - 4))


# --- the plan of one application ---------------------------------------------------------


class _Case(NamedTuple):
    """What one application will go through: plain values, as every application's plan is held
    for the whole run (as a plain tuple, which the garbage collector soon stops walking)."""

    received: date
    kind: str = "met"  # met | not_met | discretion | chronic (met, with a victim of 30+ complaints)
    group: int = 0  # members on the group route; 0 for the individual route
    on_behalf: bool = False
    stall: bool = False  # nothing is recorded after the request ("received only")
    ack: bool = True
    decide_wd: int = 6  # working days from receipt to the threshold decision
    shares: int = 3  # agencies sharing information in the review
    complete_wd: int = 17  # working days from receipt to completing the review (over 20: late)
    delay_wd: int | None = None  # a delay notice on this working day after receipt
    recommendations: int = 2
    outcome_wd: int = 2  # working days from decision or completion to telling the applicant
    escalation: str | None = None  # open | upheld | not_upheld
    escalate_wd: int = 10  # working days from the outcome to the escalation request
    consent_wd: int = 3  # working days after receipt that late consents arrive
    late_consents: int = 0
    info_consent: bool = False
    withdraw_info_consent: bool = False
    old_only: bool = False  # not met because everything reported is older than six months
    # RULES.md 13: what becomes of each action of the first round (done, late, dropped, overdue: open past its
    # due date, open: never done; random beyond those given), a review by the PCC after the (last) outcome
    # (upheld | not_upheld), an information request left unanswered, an update missed on purpose.
    fates: tuple[str, ...] = ()
    pcc: str | None = None
    info_open: bool = False
    missed_update: bool = False
    # the complaint shape, from shape(): qualifying incidents, second reports of them,
    # non-qualifying complaints, complaints older than six months, complaints after the application
    qualifying: int = 0
    dups: int = 0
    noise: int = 0
    old: int = 0
    after: int = 0

    @property
    def complaints(self) -> int:
        return self.qualifying + self.dups + self.noise + self.old + self.after

    @property
    def anchor(self) -> date:
        """No step of this case falls before this date (its earliest possible incident)."""
        return self.received - timedelta(days=_OLDEST[self.kind] if self.old else 160)


_OLDEST = {"met": 400, "not_met": 400, "discretion": 400, "chronic": 720}


_MIN_APPLICATIONS = 22  # as many as _fixed_cases

# Victims with no application whom RULES.md section 12 lists as at `today`: (reports as (agency, working days
# ago), told how many working days ago or None). Planned only when the complaints asked for leave room for them.
_POTENTIAL_TRIGGERS = (
    ((("hampshire-constabulary", 6), ("havant-borough-council", 2)), None),  # should be told, not due yet
    ((("hampshire-constabulary", 18), ("vivid-homes", 13)), None),  # should have been told: overdue
    ((("havant-borough-council", 12), ("hampshire-constabulary", 9)), 5),  # told since the first report
    ((("hampshire-constabulary", 15), ("havant-borough-council", 11), ("nhs-hampshire-iow-icb", 4)), None),  # reached
)
_POTENTIAL_TRIGGER_COMPLAINTS = sum(len(reports) for reports, _ in _POTENTIAL_TRIGGERS)


def _fixed_cases(today: date) -> list[_Case]:
    """Applications that between them show every lifecycle and deadline state as at `today`.

    Ordered by importance: when fewer applications are asked for, the first ones are kept.
    """

    def back(n: int) -> date:  # n working days before today
        return _add_working_days(today, -n)

    def ago(n: int) -> date:
        return _weekday(today - timedelta(days=n))

    return [
        _Case(ago(230), kind="chronic", recommendations=3, fates=("late", "dropped", "open"), missed_update=True),
        _Case(ago(160), group=6, late_consents=2, decide_wd=8, info_consent=True),
        _Case(ago(90), kind="not_met", group=4),
        _Case(ago(70), on_behalf=True, consent_wd=4, decide_wd=7, complete_wd=19, info_consent=True,
              withdraw_info_consent=True),
        _Case(ago(400), escalation="upheld", escalate_wd=8),
        _Case(ago(300), kind="not_met", escalation="not_upheld"),
        _Case(back(2), stall=True, ack=False),  # received only, on track
        _Case(back(17), stall=True, ack=False),  # received only, due within 5 working days
        _Case(back(26), stall=True, ack=False),  # received only, overdue
        _Case(back(3), decide_wd=10),  # acknowledged, decision still to come
        _Case(ago(45), kind="not_met"),  # not met, applicant told: closed
        _Case(back(7), kind="not_met", decide_wd=5, outcome_wd=4),  # not met, applicant not told yet
        _Case(back(11), decide_wd=4, shares=3, complete_wd=19, info_open=True),  # under review, information shared
        _Case(back(19), decide_wd=5, delay_wd=16, complete_wd=30),  # under review, delay notified
        _Case(ago(110), recommendations=3, info_consent=True, fates=("done", "late", "done"), pcc="not_upheld"),
        _Case(ago(150), complete_wd=28, delay_wd=17, fates=("overdue", "done")),  # completed late after a delay notice
        _Case(back(23), complete_wd=22, outcome_wd=3),  # completed late, applicant not told yet
        _Case(ago(200), recommendations=0, pcc="upheld"),  # completed in time with no recommendations; PCC upheld
        _Case(back(40), kind="not_met", decide_wd=5, escalation="open"),  # escalation awaiting decision
        _Case(ago(250), kind="not_met", escalation="upheld"),  # not met, upheld on appeal, reviewed
        _Case(ago(130), kind="discretion"),  # met by discretion (s.104(5))
        _Case(ago(850), recommendations=1),  # two reporting years ago
    ]  # fmt: skip


# --- the generator -----------------------------------------------------------------------

# Planned steps wait in the calendar as (minute of the day, kind, values): plain values only
# (ids as 128-bit ints, enums as their values), so the garbage collector soon stops walking them.
_BATCH = 200  # steps made and handed out at a time
_ALONE, _WITH_HELPER = (0,), (0, 1)  # the people a background complaint names: victim, complainant


def _first(item: tuple):
    return item[0]


def _day_and_phase(step: tuple) -> tuple:
    return step[0], step[1]


class _World:
    """One run: the random source, the serial numbers, and the calendar of planned steps."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.random = self.rng.random  # bound once: the hot paths call it millions of times
        self.bits = self.rng.getrandbits  # ids are drawn as 128-bit ints, made UUIDs on their day
        self.today = today
        self.serials = dict.fromkeys(_REFERENCE_FORMATS, 0)
        self.incidents = 0
        self.calendar: dict[date, list] = {}  # day -> [(minute, kind, values)], in planning order
        self.next_day = today  # the first day not handed out yet (set by batches)

    # --- small pieces ---

    # rng.choice, randint and choices are several times slower than indexing with random().
    def pick(self, options: tuple):
        return options[int(self.random() * len(options))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def locality(self) -> str:
        return LOCALITIES[bisect_right(_LOCALITY_CUMULATIVE, self.random() * _LOCALITY_CUMULATIVE[-1])]

    def category(self) -> int:
        """A category, by its place in _CATEGORIES."""
        return bisect_right(_CATEGORY_CUMULATIVE, self.random() * _CATEGORY_CUMULATIVE[-1])

    def person(self, locality: str, surname: str | None = None) -> tuple[tuple, tuple]:
        """A new person: their RegisterPerson values (id as bits) and home (number, street, locality)."""
        pick, random = self.pick, self.random
        first = pick(_FIRST_NAMES)
        surname = surname or pick(_SURNAMES)
        town, districts, streets, _ = _PLACES[locality]
        home = (self.between(1, 180), pick(streets), locality)
        address = None
        if random() < 0.9:
            place = f"{locality}, {town}" if town != locality else locality
            address = f"{home[0]} {home[1]}, {place} {pick(districts)}{pick(_POSTCODE_UNITS)}"
        phone = f"07700 900{int(random() * 1000):03d}" if random() < 0.75 else None
        email = None
        if random() < 0.6:
            user = f"{first}.{surname}".lower().replace("'", "")
            email = f"{user}{int(random() * 100)}@{pick(('example.org', 'example.com'))}"
        return (self.bits(128), f"{first} {surname}", phone, email, address, locality), home

    def location(self, home: tuple) -> str | None:
        number, street, locality = home
        r = self.random()
        if r < 0.45:
            return f"outside {number} {street}"
        if r < 0.75:
            return self.pick(_PLACES[locality][3])
        if r < 0.85:
            return f"{street}, {locality}"
        if r < 0.93:
            return f"rear garden of {number} {street}"
        return None

    def description(self, category: ComplaintCategory) -> str | None:
        if self.random() < 0.05:
            return None
        return self.pick(_DESCRIPTIONS[category]) + self.pick(_DESCRIPTION_TAILS)

    def partner(self, landlord: str | None) -> str:
        """Where a victim reports: the police and the council mostly, their landlord when they have one."""
        r = self.random()
        if r < 0.4:
            return "hampshire-constabulary"
        if r < 0.65 or (r < 0.92 and landlord is None):
            return "havant-borough-council"
        if r < 0.92:
            return landlord
        return "nhs-hampshire-iow-icb"

    def reference(self, agency: str, reported: date) -> str:
        n = self.serials[agency] = self.serials[agency] + 1
        return _REFERENCE_FORMATS[agency](reported.year, n)

    def incident_ref(self, agency: str, incident: date) -> str:
        self.incidents += 1
        return f"{_INCIDENT_PREFIX[agency]}-INC-{incident.year}-{self.incidents:05d}"

    def recorded(self, reported: date, agency: str, limit: date) -> date:
        """When a complaint reaches the system: mostly the day it was made, sometimes a day or two later."""
        r = self.random()
        day = reported if r < 0.8 else reported + (_DAY if r < 0.95 else _DAYS[2])
        if agency != "hampshire-constabulary" and day.weekday() > 4:  # offices open on Monday
            day += _DAYS[7 - day.weekday()]
        return day if day <= limit else max(reported, limit)

    # --- the calendar ---

    def file(self, steps: list, people: list) -> None:
        """Give a cluster's steps their recorded times and file them in the calendar.

        `steps` are (day, phase, needs, kind, values) in the order they were planned, which is the
        order of steps on one day and phase (phase 0: complaints; 1: the application's steps, after
        that day's complaints). `needs` are the numbers of the people a step names: each is
        registered just before their first step. A step after today is dropped, and so is every
        step after it, as it depends on it.
        """
        steps.sort(key=_day_and_phase)  # stable: one day's steps of one phase keep their order
        registered = [False] * len(people)
        last = 0  # the cluster's latest recorded time, in minutes since the epoch
        for day, _, needs, kind, values in steps:
            for person in needs:
                if not registered[person]:
                    registered[person] = True
                    last = self.put(day, last, _REGISTER, people[person])
                    if not last:
                        return
            last = self.put(day, last, kind, values)
            if not last:
                return

    def put(self, day: date, last: int, kind: int, values: tuple) -> int:
        """File a step in office hours on `day`, strictly after `last`: its time (minutes since the
        epoch), or 0 when that is after today."""
        base = _BASES.get(day) or _base(day)
        at = base + 540 + int(self.random() * 510)  # 09:00 to 17:30
        if at <= last:  # a busy day: just after the cluster's previous step
            at = last + 1 + int(self.random() * 20)
            while at >= _base(day + _DAY):  # past midnight: the next day's
                day += _DAY
                base = _BASES[day]
        if day > self.today:
            return 0
        planned = self.calendar.get(day)
        if planned is None:
            planned = self.calendar[day] = []
        planned.append((at - base, kind, values))
        return at

    def flush(self, until: date) -> Iterator[list[Step]]:
        """The steps of the days before `until`, in recorded-time order, a few hundred at a time.

        Clusters are planned in anchor order and file nothing before their anchor, so once the
        next one starts at `until`, those days are complete. (Small batches: a whole day's steps
        at once would outlive the garbage collector's young generations and make it walk them.)
        """
        while self.next_day < until:
            day = self.next_day
            self.next_day = day + _DAY
            planned = self.calendar.pop(day, None)
            if planned:
                planned.sort(key=_first)  # by minute; stable, so ties stay in planning order
                midnight, make = _midnight(day), self.make
                for start in range(0, len(planned), _BATCH):
                    yield [
                        make(kind, midnight + _MINUTES[m], values)
                        for m, kind, values in planned[start : start + _BATCH]
                    ]

    def make(self, kind: int, at: datetime, values: tuple) -> Step:
        """The step itself, on its day: ids become UUIDs, enum values enums, and texts are written."""
        if kind == _LOG:
            complaint, victim, complainant, home, agency, incident, reported, had, category, ref, place, text = values
            category = _CATEGORIES[category]
            victim = _uuid4(victim)
            return _make(LogComplaint, at, (
                _uuid4(complaint), victim, victim if complainant == values[1] else _uuid4(complainant), agency,
                self.reference(agency, reported), incident, reported, had, category,
                self.location(home) if place is None else place or None,  # "" when shared: none
                self.description(category) if text is None else text or None, ref,
            ))  # fmt: skip
        if kind == _REGISTER:
            return _make(RegisterPerson, at, (_uuid4(values[0]), *values[1:]))
        if kind == _WITHDRAW:
            return _make(WithdrawComplaint, at, (_uuid4(values[0]), values[1]))
        if kind == _REQUEST:
            app, route, applicant, victim, members, received, channel, dissatisfaction, named = values
            return _make(RequestCaseReview, at, (
                _uuid4(app), Route(route), _uuid4(applicant), None if victim is None else _uuid4(victim),
                tuple(map(_uuid4, members)), received, Channel(channel), Dissatisfaction(dissatisfaction),
                None if named is None else tuple(map(_uuid4, named)),
            ))  # fmt: skip
        if kind == _CONSENT:
            consent, person, app, purpose, given_on = values
            return _make(
                GiveConsent, at, (_uuid4(consent), _uuid4(person), _uuid4(app), ConsentPurpose(purpose), given_on)
            )
        if kind == _WITHDRAW_CONSENT:
            return _make(WithdrawConsent, at, (_uuid4(values[0]), values[1]))
        if kind == _DECIDE:
            app, decided_on, intended, grounds, reason = values
            grounds = None if grounds is None else DiscretionGrounds(grounds)
            return _make(DecideThreshold, at, (_uuid4(app), decided_on, Decision(intended), grounds, reason))
        if kind == _COMPLETE:
            app, completed_on, recommendations = values
            recommendations = tuple(Recommendation(*r) for r in recommendations)
            return _make(CompleteReview, at, (_uuid4(app), completed_on, recommendations))
        if kind == _ESCALATE:
            app, escalation, requested_on, reason = values
            return _make(RequestEscalation, at, (_uuid4(app), _uuid4(escalation), requested_on, reason))
        if kind == _SETTLE:
            app, escalation, result, decided_on = values
            return _make(DecideEscalation, at, (_uuid4(app), _uuid4(escalation), EscalationResult(result), decided_on))
        if kind == _INVOLVE:
            app, level, invited, mode, attended, impact, reason = values
            return _make(RecordInvolvement, at, (
                _uuid4(app), InvolvementLevel(level), invited, None if mode is None else InvitationMode(mode), attended,
                impact, reason,
            ))  # fmt: skip
        if kind in (_DONE, _DROP):
            app, (source, number), index, *rest = values
            application = _uuid4(app)
            action = (
                recommendation_action_id(application, number, index)
                if source == "review"
                else next_step_action_id(application, _uuid4(number), index)
            )
            return _make(MarkActionDone if kind == _DONE else DropAction, at, (application, action, *rest))
        if kind == _UPDATE:
            app, updated_on, channel, summary = values
            return _make(GiveUpdate, at, (_uuid4(app), updated_on, ContactChannel(channel), summary))
        if kind in (_ASK, _ANSWER):
            return _make(_KINDS[kind], at, (_uuid4(values[0]), _uuid4(values[1]), *values[2:]))
        if kind == _LETTER:
            app, letter, sent_on, channel = values
            return _make(RecordLetterSent, at, (_uuid4(app), LetterKind(letter), sent_on, ContactChannel(channel)))
        if kind == _PCC_ASK:
            return _make(RequestPccReview, at, (_uuid4(values[0]), _uuid4(values[1]), *values[2:]))
        if kind == _PCC_DECIDE:
            app, pcc, result, reasons, decided_on, next_steps = values
            return _make(DecidePccReview, at, (
                _uuid4(app), _uuid4(pcc), EscalationResult(result), reasons, decided_on,
                tuple(Recommendation(*step) for step in next_steps),
            ))  # fmt: skip
        if kind == _TELL:
            person, told_on, channel = values
            return _make(TellAboutCaseReview, at, (_uuid4(person), told_on, ContactChannel(channel)))
        return _make(_KINDS[kind], at, (_uuid4(values[0]), *values[1:]))  # acknowledge, share, delay, outcome, meeting

    # --- background: one victim and their complaints ---

    def cluster_size(self) -> int:
        """Complaints per victim: mostly one or two, a long tail into the dozens (mean about 2.8)."""
        r = self.random()
        if r < 0.58:
            return 1
        if r < 0.80:
            return 2
        if r < 0.90:
            return self.between(3, 5)
        if r < 0.97:
            return self.between(6, 12)
        if r < 0.996:
            return self.between(13, 29)
        return self.between(30, 60)

    def report_delay(self) -> int:
        """Days from incident to report: mostly at once, some late (over a month)."""
        r = self.random()
        if r < 0.55:
            return 0
        if r < 0.8:
            return self.between(1, 3)
        if r < 0.95:
            return self.between(4, 27)
        return self.between(35, 120)

    def backgrounds(self, budget: int, start: date) -> Iterator[tuple[date, int]]:
        """(anchor, size) of background clusters in anchor order: `budget` complaints from `start` to today."""
        days = (self.today - start).days
        used = 0
        while used < budget:
            size = min(self.cluster_size(), budget - used)
            yield start + _DAYS[days * used // budget], size  # the anchor rises with the complaints used
            used += size

    def background(self, anchor: date, size: int) -> None:
        """One victim and their `size` complaints, the first on `anchor`."""
        random, pick, today, bits = self.random, self.pick, self.today, self.bits  # the hot path
        locality = self.locality()
        victim, home = self.person(locality)
        people = [victim]
        helper_share = 0.0
        if random() < 0.12:  # someone (family, a neighbour, a support worker) reports for them
            people.append(self.person(locality, pick((None, victim[1].split()[-1])))[0])
            helper_share = pick((0.3, 0.6, 1.0))
        landlord = pick(LANDLORDS) if random() < 0.45 else None
        usual = self.category()
        # A persistent problem spreads over weeks to a couple of years.
        span = 0 if size == 1 else self.between(1, 90) if size == 2 else int(size * (8 + 22 * random()))
        span = min(span, (today - anchor).days)
        steps = []
        done = 0
        while done < size:
            incident = anchor + _DAYS[int(random() * (span + 1))] if done else anchor
            copies = 1
            if size - done >= 2 and random() < 0.08:  # one incident reported to two or three agencies
                copies = min(size - done, pick((2, 2, 3)))
            category = usual if random() < 0.7 else self.category()
            had = random() < 0.85
            agencies = [pick(NON_PARTNER_AGENCIES) if random() < 0.05 else self.partner(landlord)]
            while len(agencies) < copies:
                agency = pick(PARTNER_AGENCIES)
                if agency not in agencies:
                    agencies.append(agency)
            ref = place = text = None
            if copies > 1:  # the reports of one incident tell the same story
                ref = self.incident_ref(agencies[0], incident) if random() < 0.7 else None
                place, text = self.location(home) or "", self.description(_CATEGORIES[category]) or ""
            for agency in agencies:
                reported = min(today, incident + _DAYS[self.report_delay()])
                rec = self.recorded(reported, agency, today)
                complaint = bits(128)
                helped = random() < helper_share
                complainant = people[1][0] if helped else victim[0]
                values = (complaint, victim[0], complainant, home, agency, incident, reported, had, category, ref,
                          place, text)  # fmt: skip
                steps.append((rec, 0, _WITH_HELPER if helped else _ALONE, _LOG, values))
                if random() < 0.03:  # withdrawn later
                    reason = pick(_WITHDRAWAL_REASONS)
                    steps.append((rec + _DAYS[self.between(2, 40)], 0, (), _WITHDRAW, (complaint, reason)))
            done += copies
        self.file(steps, people)

    # --- potential triggers: a victim RULES.md section 12 lists, with no application ---

    def potential_trigger(self, reports: tuple[tuple[str, int], ...], told: int | None) -> None:
        """One victim and their qualifying reports (each of its own incident, on the day it was reported), and
        perhaps their being told about the case review."""
        victim, home = self.person(self.locality())
        steps = []
        for agency, ago in reports:
            day = _add_working_days(self.today, -ago)
            values = (self.bits(128), victim[0], victim[0], home, agency, day, day, True, self.category(), None, None,
                      None)  # fmt: skip
            steps.append((day, 0, _ALONE, _LOG, values))
        if told is not None:
            day = _add_working_days(self.today, -told)
            steps.append((day, 0, _ALONE, _TELL, (victim[0], day, ContactChannel.PHONE.value)))
        self.file(steps, [victim])

    # --- cases: an application and everything behind it ---

    def random_case(self) -> _Case:
        """One of the applications beyond the fixed ones: any kind, received in the last ~2.5 years."""
        rng = self.rng
        received = _weekday(self.today - timedelta(days=rng.randint(0, 913)))
        kind, group, late_consents = "met", 0, 0
        r = rng.random()
        if r < 0.06:
            group, late_consents = rng.randint(5, 8), rng.randint(0, 2)
        elif r < 0.08:
            kind, group = "not_met", rng.randint(3, 4)
        elif r < 0.12:
            kind = "discretion"
        elif r < 0.5:
            kind = "not_met"
        decide_wd = rng.randint(3, 10)
        complete_wd = rng.randint(12, 20) if rng.random() < 0.8 else rng.randint(21, 35)
        late_with_notice = complete_wd > 20 and rng.random() < 0.7
        info_consent = rng.random() < 0.3
        return _Case(
            received, kind=kind, group=group, on_behalf=not group and rng.random() < 0.12, ack=rng.random() < 0.85,
            decide_wd=decide_wd, shares=rng.randint(2, 4), complete_wd=complete_wd,
            delay_wd=rng.randint(min(decide_wd + 1, 19), 19) if late_with_notice else None,
            recommendations=rng.choice((0, 1, 2, 2, 3, 3, 4)), outcome_wd=rng.randint(1, 5),
            escalation=rng.choice(("upheld", "not_upheld")) if rng.random() < 0.08 else None,
            escalate_wd=rng.randint(5, 25), consent_wd=rng.randint(1, 4), late_consents=late_consents,
            info_consent=info_consent, withdraw_info_consent=info_consent and rng.random() < 0.15,
        )  # fmt: skip

    def shape(self, c: _Case) -> _Case:
        """Decide how many complaints of each sort lie behind the application."""
        rng = self.rng
        after = 0
        if c.received + timedelta(days=60) < self.today and not c.group:  # room for complaints after it
            after = 4 if c.kind == "chronic" else rng.randint(0, 2)
        if c.group:
            return c._replace(qualifying=c.group, dups=rng.randint(0, c.group // 2))
        if c.kind == "chronic":
            return c._replace(qualifying=rng.randint(7, 9), dups=3, noise=3, old=rng.randint(17, 22), after=after)
        if c.kind == "met":
            old = rng.randint(1, 3) if rng.random() < 0.3 else 0
            return c._replace(qualifying=rng.randint(3, 6), dups=rng.randint(0, 2), noise=rng.randint(0, 2), old=old,
                              after=after)  # fmt: skip
        if c.kind == "not_met" and rng.random() < 0.3:  # everything reported is older than six months
            return c._replace(old_only=True, old=rng.randint(3, 5), noise=rng.randint(0, 1), after=after)
        old = rng.randint(1, 2) if rng.random() < 0.3 else 0
        return c._replace(qualifying=2 if c.kind == "discretion" else rng.randint(1, 2), dups=rng.randint(0, 1),
                          noise=rng.randint(1, 3), old=old, after=after)  # fmt: skip

    def case(self, c: _Case) -> None:
        """An application and the people and complaints behind it, planned on the case's anchor."""
        rng = self.rng
        locality = self.locality()
        steps: list = []
        people: list = []  # RegisterPerson values: the victim or the members first, then whoever applies
        relied_on: list = []  # the complaints reported before the application (their ids as bits)
        if c.group:
            homes = []
            for _ in range(c.group):
                person, home = self.person(locality)
                people.append(person)
                homes.append(home)
            self.group_complaints(c, steps, people, homes, relied_on)
            applicant, victim = 0, None  # the first member represents the group
        else:
            person, home = self.person(locality)
            people.append(person)
            victim = applicant = 0
            if c.on_behalf:  # a relative or a support worker applies for the victim
                people.append(self.person(locality, rng.choice((None, person[1].split()[-1])))[0])
                applicant = 1
            self.individual_complaints(c, steps, people, home, applicant, relied_on)
        named = relied_on if not c.group and rng.random() < 0.25 else None  # sometimes the application names them
        self.lifecycle(c, steps, people, applicant, victim, named)
        self.file(steps, people)

    def complaint(self, c: _Case, steps: list, people: list, relied_on: list, rec: date, victim: int, complainant: int,
                  home: tuple, agency: str, incident: date, reported: date, had: bool, category: int,
                  ref: str | None = None, place: str | None = None, text: str | None = None,
                  withdraw_on: date | None = None) -> None:  # fmt: skip
        """Plan one of a case's complaints (and its withdrawal). Location and description are written
        on its day unless given (`place`, `text`; "" for none)."""
        bits = self.bits(128)
        values = (bits, people[victim][0], people[complainant][0], home, agency, incident, reported, had, category, ref,
                  place, text)  # fmt: skip
        steps.append((rec, 0, (victim, complainant), _LOG, values))
        if reported <= c.received:
            relied_on.append(bits)
        if withdraw_on is not None:
            steps.append((withdraw_on, 0, (), _WITHDRAW, (bits, self.rng.choice(_WITHDRAWAL_REASONS))))

    def group_complaints(self, c: _Case, steps: list, people: list, homes: list, relied_on: list) -> None:
        """Each member reports personally, within the window, in time, about the same public place.

        Separate incidents (no shared incident reference), since reports of one incident count once.
        """
        rng, R = self.rng, c.received
        category = _CATEGORIES.index(rng.choice((ComplaintCategory.VEHICLE_NUISANCE, ComplaintCategory.DRUG_ACTIVITY,
                                                 ComplaintCategory.INTIMIDATION, ComplaintCategory.VANDALISM)))  # fmt: skip
        spot = rng.choice(_PLACES[homes[0][2]][3])
        for index in range(c.qualifying + c.dups):
            member = index % c.group
            incident = R - timedelta(days=rng.randint(1, 150))
            reported = min(R, incident + timedelta(days=rng.randint(0, 10)))
            agency = rng.choice(("hampshire-constabulary", "havant-borough-council"))
            rec = self.recorded(reported, agency, R)
            self.complaint(c, steps, people, relied_on, rec, member, member, homes[member], agency, incident, reported,
                           True, category, place=spot)  # fmt: skip

    def individual_complaints(self, c: _Case, steps: list, people: list, home: tuple, applicant: int,
                              relied_on: list) -> None:  # fmt: skip
        """The victim's complaints, planned so the threshold is met or not as the case intends.

        Met: at least 3 distinct incidents, each caused HAD, to a partner, reported within a month and
        inside the six months before R. Not met: fewer of those, plus complaints that fail a check.
        Day counts stay clear of the month edges: in time is <= 27 days (a month is at least 28),
        late is >= 35; inside the window is <= 170 days before R (six months is at least 181),
        outside is >= 200. Whoever applies for the victim makes some of the reports.
        """
        rng, today, R = self.rng, self.today, c.received
        landlord = rng.choice(LANDLORDS) if rng.random() < 0.5 else None
        usual = self.category()

        def add(incident, reported, agency, had=True, ref=None, place=None, text=None, withdraw_after=None, limit=R):
            rec = self.recorded(reported, agency, limit)
            withdraw_on = None if withdraw_after is None else rec + timedelta(days=withdraw_after)
            category = (
                usual if text is not None or rng.random() < 0.75 else self.category()
            )  # shared story: its category
            by = applicant if rng.random() < 0.5 else 0
            self.complaint(c, steps, people, relied_on, rec, 0, by, home, agency, incident, reported, had, category,
                           ref, place, text, withdraw_on)  # fmt: skip

        # Qualifying incidents on distinct dates, so none is a duplicate of another.
        offsets = rng.sample(range(1, 161), c.qualifying + c.noise)
        for i, offset in enumerate(offsets[: c.qualifying]):
            incident = R - timedelta(days=offset)
            reported = min(R, incident + timedelta(days=int(rng.random() ** 3 * 21)))
            agency = self.partner(landlord)
            ref = place = text = None
            if i < c.dups:  # the same incident reported to a second agency as well, telling the same story
                ref = self.incident_ref(agency, incident) if rng.random() < 0.7 else None
                place, text = self.location(home) or "", self.description(_CATEGORIES[usual]) or ""
                other = rng.choice([a for a in PARTNER_AGENCIES if a != agency])
                add(
                    incident,
                    min(R, reported + timedelta(days=rng.randint(0, 5))),
                    other,
                    ref=ref,
                    place=place,
                    text=text,
                )
            add(incident, reported, agency, ref=ref, place=place, text=text)
        for offset in offsets[c.qualifying :]:  # each fails at least one check on its own
            kind = rng.choice(("late", "not_had", "non_partner", "withdrawn"))
            if kind == "late":
                incident = R - timedelta(days=max(offset, 60))
                add(incident, incident + timedelta(days=rng.randint(35, 55)), self.partner(landlord))
            elif kind == "not_had":
                incident = R - timedelta(days=offset)
                add(incident, min(R, incident + timedelta(days=rng.randint(0, 5))), self.partner(landlord), had=False)
            elif kind == "non_partner":
                incident = R - timedelta(days=offset)
                add(incident, min(R, incident + timedelta(days=rng.randint(0, 5))), rng.choice(NON_PARTNER_AGENCIES))
            else:  # withdrawn before the application, so withdrawn as known at the decision
                incident = R - timedelta(days=max(offset, 20))
                add(incident, incident + timedelta(days=rng.randint(0, 10)), self.partner(landlord),
                    withdraw_after=rng.randint(1, 5))  # fmt: skip
        for offset in rng.sample(range(200, _OLDEST[c.kind] + 1), c.old):  # outside the six months
            incident = R - timedelta(days=offset)
            add(incident, incident + timedelta(days=rng.randint(0, 10)), self.partner(landlord), had=rng.random() < 0.9)
        for _ in range(c.after):  # the behaviour goes on; reported after the application, never counted for it
            incident = R + timedelta(days=rng.randint(1, 60))
            add(incident, min(today, incident + timedelta(days=rng.randint(0, 3))), self.partner(landlord), limit=today)

    def lifecycle(self, c: _Case, steps: list, people: list, applicant: int, victim: int | None,
                  named: list | None) -> None:  # fmt: skip
        """The application's own steps, planned in the order they depend on one another (with dates
        that never go back along it)."""
        rng, R = self.rng, c.received
        app = self.bits(128)

        def add(day: date, kind: int, *values, needs: tuple = ()) -> None:
            steps.append((day, 1, needs, kind, values))

        def wd(n: int, start: date = R) -> date:
            return _add_working_days(start, n)

        members = range(c.group)
        add(R, _REQUEST, app, (Route.GROUP if c.group else Route.INDIVIDUAL).value, people[applicant][0],
            None if victim is None else people[victim][0], tuple(people[m][0] for m in members), R,
            rng.choices(_CHANNELS, _CHANNEL_WEIGHTS)[0].value, rng.choice(tuple(Dissatisfaction)).value,
            None if named is None else tuple(named),
            needs=(applicant, *members) if c.group else (victim, applicant))  # fmt: skip

        def consent(person: int, purpose: ConsentPurpose, day: date) -> int:
            bits = self.bits(128)
            add(day, _CONSENT, bits, people[person][0], app, purpose.value, day)
            return bits

        last_consent = 0  # working day of the last consent the threshold waits for
        if c.on_behalf:  # the victim agrees after the application was made for them
            consent(victim, ConsentPurpose.APPLICATION_ON_BEHALF, wd(c.consent_wd))
            last_consent = c.consent_wd
        for member in range(1, c.group):  # the representative needs no consent
            late = member <= c.late_consents
            consent(member, ConsentPurpose.GROUP_REPRESENTATION, wd(c.consent_wd + member) if late else R)
            if late:
                last_consent = max(last_consent, c.consent_wd + member)
        info = None
        if c.info_consent:
            info = consent(applicant if victim is None else victim, ConsentPurpose.INFORMATION_SHARING, R)
        if c.stall:
            return
        decided = wd(max(c.decide_wd, last_consent + 1))
        if c.ack:
            acknowledged = min(decided, wd(rng.choice((0, 1, 1, 2))))
            add(acknowledged, _ACKNOWLEDGE, app, acknowledged)
            add(acknowledged, _LETTER, app, LetterKind.ACKNOWLEDGEMENT.value, acknowledged, self.channel())

        grounds = reason = None
        if c.kind in ("met", "chronic") and (not c.group or c.group >= 5):
            intended = Decision.MET
        elif c.kind == "discretion":
            intended = Decision.MET
            grounds, reason = rng.choice(_DISCRETION)
            grounds = grounds.value
        else:
            intended = Decision.NOT_MET
            reason = _NOT_MET_REASONS["group" if c.group else "old" if c.old_only else "few"]
        add(decided, _DECIDE, app, decided, intended.value, grounds, reason)

        rounds = 0  # rounds of review so far: an action's id names its round (domain.promises)
        open_ended = False  # an action is never done: the case stays open, and the applicant is owed updates
        ends: list[date] = []  # when each action was done or dropped
        if intended is Decision.MET:
            add(decided, _LETTER, app, LetterKind.THRESHOLD_DECISION.value, decided, self.channel())
            delay = wd(c.delay_wd) if c.delay_wd is not None and c.delay_wd < c.complete_wd else None
            completed = wd(max(c.complete_wd, c.decide_wd + 2))
            # A notice's new target lies past the review's due date (RULES.md 14); 24 working days
            # from receipt clears the 20 even when bank holidays push the due date out by a few days.
            past_due = wd(24)
            rounds += 1
            last, ended = self.review(add, app, decided, completed, c.shares, c.recommendations, c.outcome_wd, delay,
                                      past_due, rounds, c.fates, c.info_open)  # fmt: skip
            open_ended |= ended is None
            ends += [ended] if ended else []
        else:
            last = wd(c.outcome_wd, decided)
            add(last, _OUTCOME, app, last)
            add(last, _LETTER, app, LetterKind.THRESHOLD_DECISION.value, last, self.channel())

        if c.escalation:  # an appeal, often to the Police and Crime Commissioner
            escalation = self.bits(128)
            requested = wd(c.escalate_wd, last)
            add(requested, _ESCALATE, app, escalation, requested, rng.choice(_ESCALATION_REASONS))
            if c.escalation != "open":
                last = wd(rng.randint(10, 25), requested)
                add(last, _SETTLE, app, escalation, c.escalation, last)
                if c.escalation == EscalationResult.UPHELD:  # back to review: a new round
                    completed = wd(rng.randint(12, 20), last)
                    shares, recommendations = rng.randint(1, 2), rng.randint(1, 3)
                    rounds += 1
                    last, ended = self.review(add, app, last, completed, shares, recommendations, c.outcome_wd, None,
                                              None, rounds)  # fmt: skip
                    open_ended |= ended is None
                    ends += [ended] if ended else []
        elif c.pcc or rng.random() < 0.04:  # a review by the Police and Crime Commissioner (RULES.md 13)
            result = c.pcc or rng.choice(("upheld", "not_upheld"))
            pcc = self.bits(128)
            asked = wd(rng.randint(3, 15), last)  # within 20 working days of being told
            grounds = tuple(sorted(rng.sample(_PCC_GROUNDS, rng.randint(1, 2))))
            add(asked, _PCC_ASK, app, pcc, asked, grounds, rng.choice(_PCC_REASONS))
            settled = wd(rng.randint(10, 20), asked)
            if result == "upheld":  # what must happen next, as actions; then back to review
                landlord = rng.choice(LANDLORDS)
                steps_next = tuple(
                    (action, landlord if agency == "landlord" else agency, settled + timedelta(days=rng.randint(15, 30)))
                    for action, agency in _PCC_NEXT_STEPS[: rng.randint(1, 2)]
                )  # fmt: skip
                add(settled, _PCC_DECIDE, app, pcc, result, _PCC_RESULT_REASONS[result], settled, steps_next)
                for index, (_, agency, due) in enumerate(steps_next):
                    done = max(settled, _weekday(due - timedelta(days=rng.randint(0, 6))))
                    add(done, _DONE, app, ("pcc", pcc), index, agency, done, rng.choice(_EVIDENCE))
                    ends.append(done)
                completed = wd(rng.randint(12, 20), settled)
                rounds += 1
                last, ended = self.review(add, app, settled, completed, rng.randint(1, 2), rng.randint(0, 2),
                                          c.outcome_wd, None, None, rounds)  # fmt: skip
                open_ended |= ended is None
                ends += [ended] if ended else []
            else:
                add(settled, _PCC_DECIDE, app, pcc, result, _PCC_RESULT_REASONS[result], settled, ())
                last = settled
        if info is not None and c.withdraw_info_consent:
            withdrawn = wd(rng.randint(3, 15), last)
            add(withdrawn, _WITHDRAW_CONSENT, info, withdrawn)
        # Updates to the applicant from the decision until the case closes (RULES.md 13): about every 6 to 10
        # working days, now and then one missed (more than the policy's 10).
        closes = self.today if open_ended else max([last, *ends])
        updated, missed = decided, c.missed_update
        while True:
            gap = rng.randint(11, 14) if missed or rng.random() < 0.12 else rng.randint(6, 10)
            missed = False
            updated = wd(gap, updated)
            if updated > min(closes, self.today):
                break
            add(updated, _UPDATE, app, updated, self.channel(), rng.choice(_UPDATE_SUMMARIES))

    def channel(self) -> str:
        """How the partnership reached the applicant: a letter or an email mostly, a call sometimes."""
        r = self.random()
        return "letter" if r < 0.45 else "email" if r < 0.8 else "phone" if r < 0.95 else "in_person"

    def fate(self, due: date | None) -> str:
        """What becomes of an action: mostly done in time, some late, dropped or never done."""
        r = self.random()
        if r < 0.6:
            return "done"
        if r < 0.78:
            return "late" if due is not None else "done"
        if r < 0.86:
            return "dropped"
        return "open"

    def review(self, add, app: int, start: date, completed: date, shares: int, recommendations: int,
               outcome_wd: int, delay: date | None, past_due: date | None = None, round_: int = 1,
               fates: tuple[str, ...] = (), info_open: bool = False) -> tuple[date, date | None]:  # fmt: skip
        """One round of review: agencies share and are asked for information, maybe a delay notice, the review
        meeting and the applicant's part in it, completion, the applicant told (with letters), and what
        becomes of each action agreed. Returns the day the applicant was told, and the day the last action
        was done or dropped (that day, or None when an action is never done)."""
        rng = self.rng
        half = max(1, _weekdays_after(start, completed) // 2)
        shared_by = rng.sample(PARTNER_AGENCIES, shares)
        for agency in shared_by:  # in the first half of the review
            shared = _add_working_days(start, rng.randint(1, half))
            summary = _SUMMARIES[agency].format(n=rng.randint(2, 14), k=rng.randint(1, 5))
            add(shared, _SHARE, app, agency, shared, summary)
        # The coordinator asks an agency for what it has (Schedule 4), due in one or two weeks.
        asked = _add_working_days(start, 1)
        request, asked_of = self.bits(128), rng.choice(PARTNER_AGENCIES)
        due = _add_working_days(asked, 10 if info_open else rng.choice((5, 5, 10)))
        add(asked, _ASK, app, request, asked_of, asked, due, rng.choice(_QUESTIONS))
        if not info_open:  # answered by its due date mostly, late now and then
            answered = max(
                asked, _add_working_days(due, rng.randint(-3, 0) if rng.random() < 0.75 else rng.randint(1, 6))
            )
            add(answered, _ANSWER, app, request, asked_of, answered, rng.choice(_ANSWERS))
        if delay is not None:
            target = _add_working_days(max(completed, delay, past_due or delay), rng.randint(1, 4))
            add(delay, _DELAY, app, rng.choice(_DELAY_REASONS), target, delay)
            add(delay, _LETTER, app, LetterKind.DELAY.value, delay, self.channel())
        # The review meeting, in the last days of the review, and the applicant's part in it.
        held = max(start, _add_working_days(completed, -rng.randint(0, 2)))
        add(held, _MEET, app, held, rng.choice(_CHAIRS), rng.random() < 0.6, tuple(sorted(shared_by)))
        level = rng.choice(("attend", "attend", "written_statement", "updates_only"))
        impact = rng.choice(_IMPACT) if rng.random() < 0.7 else None
        if level == "attend":
            mode = rng.choice(("in_person", "online"))
            add(held, _INVOLVE, app, level, True, mode, rng.random() < 0.8, impact, None)
        else:
            add(held, _INVOLVE, app, level, False, None, None, impact, _NOT_INVITED[level])
        landlord = rng.choice(LANDLORDS)
        chosen = list(enumerate(rng.sample(_ACTIONS, recommendations)))
        actions = []
        for i, (action, agency) in chosen:
            fate = fates[i] if i < len(fates) else None
            # an ongoing action has no due date: the third of three or more, and a few others
            due_on = None if (i == 2 or rng.random() < 0.1) else completed + timedelta(days=rng.randint(14, 90))
            if due_on is None and fate in ("late", "overdue"):
                due_on = completed + timedelta(days=rng.randint(14, 40))
            actions.append((action, landlord if agency == "landlord" else agency, due_on))
        actions = tuple(actions)
        add(completed, _COMPLETE, app, completed, actions)
        told = _add_working_days(completed, outcome_wd)
        add(told, _OUTCOME, app, told)
        add(told, _LETTER, app, LetterKind.OUTCOME.value, told, self.channel())
        ended: date | None = told
        for index, (_, agency, due_on) in enumerate(actions):
            fate = (fates[index] if index < len(fates) else None) or self.fate(due_on)
            if fate in ("open", "overdue"):
                ended = None
                continue
            if fate == "dropped":
                dropped = _weekday(completed + timedelta(days=rng.randint(7, 40)))
                dropped = max(completed, dropped)
                add(dropped, _DROP, app, ("review", round_), index, dropped, rng.choice(_DROP_REASONS))
                ended = ended and max(ended, dropped)
                continue
            if due_on is None:
                done = completed + timedelta(days=rng.randint(20, 60))
            elif fate == "late":
                done = due_on + timedelta(days=rng.randint(3, 20))
            else:
                done = due_on - timedelta(days=rng.randint(0, 10))
            done = max(completed, _weekday(done))
            add(done, _DONE, app, ("review", round_), index, agency, done, rng.choice(_EVIDENCE))
            ended = ended and max(ended, done)
        return told, ended

    # --- the whole stream ---

    def batches(self, complaints: int, applications: int) -> Iterator[list[Step]]:
        """The stream in time-ordered batches: Python works per batch, not per step."""
        cases = _fixed_cases(self.today)[:applications]
        cases += [self.random_case() for _ in range(applications - len(cases))]
        cases = [self.shape(c) for c in cases]
        budget = max(0, complaints - sum(c.complaints for c in cases))
        start = self.today - timedelta(days=3 * 365)
        # The plans wait as plain tuples, which the garbage collector stops walking.
        plans = [(c.anchor, tuple(c)) for c in cases]
        if budget >= _POTENTIAL_TRIGGER_COMPLAINTS:
            budget -= _POTENTIAL_TRIGGER_COMPLAINTS
            for index, (reports, _) in enumerate(_POTENTIAL_TRIGGERS):
                anchor = _add_working_days(self.today, -max(ago for _, ago in reports))
                plans.append((anchor, ("potential_trigger", index)))
        plans.sort(key=_first)
        self.next_day = min([start] + [anchor for anchor, _ in plans[:1]])
        del cases
        i = 0
        for anchor, size in itertools.chain(self.backgrounds(budget, start), [(self.today + _DAY, 0)]):
            while i < len(plans) and plans[i][0] <= anchor:
                day, plan = plans[i]
                plans[i] = None  # done with it
                i += 1
                yield from self.flush(day)
                if plan[0] == "potential_trigger":
                    self.potential_trigger(*_POTENTIAL_TRIGGERS[plan[1]])
                else:
                    self.case(_Case._make(plan))
            yield from self.flush(anchor)
            if size:
                self.background(anchor, size)


def _weekdays_after(start: date, end: date) -> int:
    """How many weekdays fall after `start`, up to and including `end`."""
    return sum(1 for n in range(1, (end - start).days + 1) if (start + _DAYS[n]).weekday() < 5)


def generate(
    *, seed: int = 2014, complaints: int = 600, applications: int | None = None, today: date
) -> Iterator[Step]:
    """The steps of a fictional Havant up to `today`, in recorded-time order.

    `complaints` is the total number of complaints (the applications' own complaints included; if
    they alone need more, they get it). `applications` defaults to one per 25 complaints, and at least
    the 22 that show every lifecycle and deadline state; fewer given keep the first of those.
    """
    if complaints < 0:
        raise ValueError("complaints must not be negative")
    if applications is None:
        applications = max(_MIN_APPLICATIONS, complaints // 25)
    if applications < 0:
        raise ValueError("applications must not be negative")
    return itertools.chain.from_iterable(_World(seed, today).batches(complaints, applications))


# Measured on generated streams (tests/test_generator.py checks the estimate): a background
# complaint brings its share of registrations and withdrawals; an application brings about 6.9
# complaints of its own and its lifecycle and people, about 19.5 steps beyond those complaints' share (RULES.md
# 13's updates, letters, actions and requests included).
_STEPS_PER_COMPLAINT = 1.43
_COMPLAINTS_PER_APPLICATION = 6.85
_STEPS_PER_APPLICATION = 19.5


def estimate_events(complaints: int, applications: int | None = None) -> int:
    """Roughly how many events generate() produces, counting one per step."""
    if applications is None:
        applications = max(_MIN_APPLICATIONS, complaints // 25)
    complaints = max(complaints, _COMPLAINTS_PER_APPLICATION * applications)  # the applications' own at least
    return round(complaints * _STEPS_PER_COMPLAINT + applications * _STEPS_PER_APPLICATION)
