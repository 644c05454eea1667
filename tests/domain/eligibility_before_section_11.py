"""A frozen copy of domain/eligibility.py as it was before RULES.md section 11 (main, 2c15cd2): a test oracle.

The property tests in test_procedures_havant_unchanged.py check that the new code decides every
fact exactly as this did under policies section 7 could state. Never edit it to make a test pass.

Its original docstring follows.

Whether an application meets the threshold for an ASB case review (RULES.md sections 3 to 6).

`assess` is a pure function of the facts, the policy and a recorded time T. The facts come as
revisions, each carrying when the system learned it, so "as known at T" is decided here: a
revision recorded after T does not exist yet. The result explains itself: a reason code for
every check each uncounted complaint failed, and plain English a coordinator can put in a letter.

Discretion (s.104(5)) is not part of an assessment: it is a decision that may follow one.
Dissatisfaction is not judged: the threshold is about the incidents reported.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from operator import attrgetter
from typing import Any, NamedTuple, Self
from uuid import UUID

from domain.dates import last_in_time_reported_date, lookback_window
from domain.policy import Policy
from domain.vocabulary import ConsentPurpose, Route, Verdict


class ExclusionReason(StrEnum):
    """Why a complaint was not counted: RULES.md section 3's table in its order, then section 4's."""

    OTHER_VICTIM = "other_victim"
    NOT_PARTNER_AGENCY = "not_partner_agency"
    NOT_HAD = "not_had"
    REPORTED_LATE = "reported_late"
    OUTSIDE_WINDOW = "outside_window"
    AFTER_APPLICATION = "after_application"
    WITHDRAWN = "withdrawn"
    DUPLICATE_INCIDENT = "duplicate_incident"
    NOT_REPORTED_BY_MEMBER = "not_reported_by_member"
    MEMBER_CONSENT_MISSING = "member_consent_missing"


class ApplicationReason(StrEnum):
    """Why the application as a whole falls short (RULES.md section 5), in that section's order."""

    TOO_FEW_INCIDENTS = "too_few_incidents"
    LAST_INCIDENT_OUTSIDE_WINDOW = "last_incident_outside_window"
    VICTIM_CONSENT_MISSING = "victim_consent_missing"
    MEMBER_CONSENT_MISSING = "member_consent_missing"


def _require_aware(moment: datetime, name: str) -> None:
    # Recorded times from different sources must compare as instants; a naive one cannot.
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a datetime with a UTC offset (got {moment!r})")


# --- the facts, as they stood from a recorded time on ---


@dataclass(frozen=True, slots=True)
class ComplaintRevision:
    """One complaint as it stood from `recorded_at` on: logged, then each amendment or withdrawal."""

    complaint_id: UUID
    recorded_at: datetime
    victim_id: UUID
    complainant_id: UUID
    agency: str
    incident_date: date
    reported_date: date
    caused_had: bool
    incident_ref: str | None
    withdrawn: bool

    def __post_init__(self) -> None:
        _require_aware(self.recorded_at, "recorded_at")
        if self.reported_date < self.incident_date:
            raise ValueError(
                f"complaint {self.complaint_id}: reported date {self.reported_date.isoformat()} "
                f"is before incident date {self.incident_date.isoformat()}"
            )


@dataclass(frozen=True, slots=True)
class ConsentRevision:
    """One consent as it stood from `recorded_at` on: given, then perhaps withdrawn."""

    consent_id: UUID
    recorded_at: datetime
    person_id: UUID
    application_id: UUID
    purpose: ConsentPurpose
    given_on: date
    withdrawn: bool

    def __post_init__(self) -> None:
        _require_aware(self.recorded_at, "recorded_at")


@dataclass(frozen=True, slots=True)
class ApplicationFacts:
    """What the assessment needs of an application; `complaint_ids` None means all the victim's (members')."""

    application_id: UUID
    route: Route
    applicant_id: UUID
    victim_id: UUID | None
    member_ids: tuple[UUID, ...]
    received_date: date
    complaint_ids: tuple[UUID, ...] | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "route", Route(self.route))
        object.__setattr__(self, "member_ids", tuple(self.member_ids))
        if self.complaint_ids is not None:
            object.__setattr__(self, "complaint_ids", tuple(self.complaint_ids))
        if self.route is Route.INDIVIDUAL and self.victim_id is None:
            raise ValueError("an individual application names its victim")
        if self.route is Route.GROUP and not self.member_ids:
            raise ValueError("a group application names its members")


# --- the assessment ---


@dataclass(frozen=True, slots=True)
class CountedComplaint:
    """A complaint counted as one incident towards the threshold."""

    complaint_id: UUID
    incident_date: date
    reported_date: date
    victim_id: UUID


@dataclass(frozen=True, slots=True)
class ExcludedComplaint:
    """A complaint considered and not counted, with every reason that applies, in the rules' order."""

    complaint_id: UUID
    reasons: tuple[ExclusionReason, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    """The automatic verdict with everything it rested on, so a decision can store it and audits replay it."""

    verdict: Verdict
    counted: tuple[CountedComplaint, ...]
    excluded: tuple[ExcludedComplaint, ...]
    reasons: tuple[ApplicationReason, ...]
    policy_name: str
    policy_version: int
    as_known_at: datetime
    window: tuple[date, date]
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """JSON primitives, shaped as API.md's assessment answer (plus `window` and each counted victim)."""
        return {
            "verdict": self.verdict.value,
            "counted": [
                {
                    "complaint_id": str(c.complaint_id),
                    "incident_date": c.incident_date.isoformat(),
                    "reported_date": c.reported_date.isoformat(),
                    "victim_id": str(c.victim_id),
                }
                for c in self.counted
            ],
            "excluded": [
                {"complaint_id": str(e.complaint_id), "reasons": [r.value for r in e.reasons]} for e in self.excluded
            ],
            "reasons": [r.value for r in self.reasons],
            "policy": {"name": self.policy_name, "version": self.policy_version},
            "as_known_at": self.as_known_at.isoformat(),
            "window": {"from": self.window[0].isoformat(), "to": self.window[1].isoformat()},
            "explanation": self.explanation,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The inverse of `to_dict`: what a recorded decision stored, back as it was."""
        return cls(
            verdict=Verdict(data["verdict"]),
            counted=tuple(
                CountedComplaint(
                    complaint_id=UUID(c["complaint_id"]),
                    incident_date=date.fromisoformat(c["incident_date"]),
                    reported_date=date.fromisoformat(c["reported_date"]),
                    victim_id=UUID(c["victim_id"]),
                )
                for c in data["counted"]
            ),
            excluded=tuple(
                ExcludedComplaint(UUID(e["complaint_id"]), tuple(ExclusionReason(r) for r in e["reasons"]))
                for e in data["excluded"]
            ),
            reasons=tuple(ApplicationReason(r) for r in data["reasons"]),
            policy_name=data["policy"]["name"],
            policy_version=data["policy"]["version"],
            as_known_at=datetime.fromisoformat(data["as_known_at"]),
            window=(date.fromisoformat(data["window"]["from"]), date.fromisoformat(data["window"]["to"])),
            explanation=data["explanation"],
        )


# --- deciding ---


class _Considered(NamedTuple):
    """A complaint in force at T, with what the checks need, worked out once."""

    index: int  # its place in earliest-reported order
    revision: ComplaintRevision
    incident_ref: str | None  # normalised
    day: tuple[int, date]  # (victim, incident date): the same incident when either has no reference


def _in_force(revisions: Iterable[Any], key: Callable[[Any], UUID], as_known_at: datetime) -> dict[UUID, list[Any]]:
    """Per fact id: [the revision with the latest recorded time at or before T, the first recorded time].

    Two revisions of one fact recorded at the same instant: a withdrawal wins (nothing follows one),
    otherwise the later one given (callers give a fact's revisions in event order).
    """
    known: dict[UUID, list[Any]] = {}
    for revision in revisions:
        at = revision.recorded_at
        if at > as_known_at:
            continue  # recorded after T: not known yet
        entry = known.get(key(revision))
        if entry is None:
            known[key(revision)] = [revision, at]
            continue
        held = entry[0]
        if at > held.recorded_at or (at == held.recorded_at and (revision.withdrawn or not held.withdrawn)):
            entry[0] = revision
        if at < entry[1]:
            entry[1] = at
    return known


def _normalised_ref(ref: str | None) -> str | None:
    """Blank is no reference; case and outer spaces are how it was typed, not which incident it is."""
    return (ref.strip().casefold() or None) if ref else None


class _CountedIncidents:
    """The incidents counted so far, kept as sets so "already counted?" is one lookup, not a scan."""

    def __init__(self) -> None:
        self.refs: set[str] = set()
        self.days_without_ref: set[tuple[int, date]] = set()
        self.days: set[tuple[int, date]] = set()

    def includes(self, c: _Considered) -> bool:
        # The same incident: a shared reference, or, when either has none, the same victim and day.
        if c.incident_ref is None:
            return c.day in self.days
        return c.incident_ref in self.refs or c.day in self.days_without_ref

    def add(self, c: _Considered) -> None:
        self.days.add(c.day)
        if c.incident_ref is None:
            self.days_without_ref.add(c.day)
        else:
            self.refs.add(c.incident_ref)


def _count(candidates: Iterable[_Considered]) -> tuple[list[_Considered], _CountedIncidents]:
    """One report per incident, the earliest reported; `candidates` come sorted earliest first.

    The relation "same incident" is not transitive (A and C may each match B without matching
    each other), so each report is compared with the incidents already counted, in order.
    """
    incidents = _CountedIncidents()
    counted = []
    for c in candidates:
        if not incidents.includes(c):
            incidents.add(c)
            counted.append(c)
    return counted, incidents


def _measure(
    counted: list[_Considered], route: Route, policy: Policy, window_start: date
) -> tuple[bool, bool, date | None]:
    """(enough incidents or members, last incident inside the window, the last incident's date)."""
    if not counted:
        return False, False, None
    if route is Route.GROUP:
        number, needed = len({c.day[0] for c in counted}), policy.group_min_individuals
    else:
        number, needed = len(counted), policy.individual_min_complaints
    last = max(c.revision.incident_date for c in counted)
    return number >= needed, last >= window_start, last


_COMPLAINT_ID = attrgetter("complaint_id")
_CONSENT_ID = attrgetter("consent_id")


def assess(
    application: ApplicationFacts,
    complaints: Iterable[ComplaintRevision],
    consents: Iterable[ConsentRevision],
    policy: Policy,
    as_known_at: datetime,
) -> Assessment:
    """The threshold as known at `as_known_at` under `policy`: verdict, counted, excluded, reasons, explanation."""
    _require_aware(as_known_at, "as_known_at")
    group = application.route is Route.GROUP
    received = application.received_date
    window = lookback_window(received, policy.lookback_months)
    window_start = window[0]

    # Which facts exist at T, and which complaints this application is about.
    known = _in_force(complaints, _COMPLAINT_ID, as_known_at)
    victims = frozenset(application.member_ids) if group else frozenset((application.victim_id,))
    victim_ints = {v.int for v in victims}  # ints hash in C; UUIDs hash in Python, and this is the hot path
    if application.complaint_ids is not None:
        named = dict.fromkeys(application.complaint_ids)  # a complaint named twice is one complaint
        entries = [known[cid] for cid in named if cid in known]
    else:
        entries = [entry for entry in known.values() if entry[0].victim_id.int in victim_ints]
    # Earliest reported first; ties by earliest recorded, then by id, so input order never matters.
    entries.sort(key=lambda e: (e[0].reported_date, e[1], e[0].complaint_id))

    # Consent as known at T, to this application, not withdrawn.
    purpose = ConsentPurpose.GROUP_REPRESENTATION if group else ConsentPurpose.APPLICATION_ON_BEHALF
    consented = {
        c.person_id
        for c, _ in _in_force(consents, _CONSENT_ID, as_known_at).values()
        if c.application_id == application.application_id and c.purpose == purpose and not c.withdrawn
    }
    if group:  # every member but the representative must consent to be represented
        members_without_consent = victims - consented - {application.applicant_id}
        victim_consent_missing = False
    else:  # the victim consents to an application someone else makes for them
        members_without_consent = frozenset()
        victim_consent_missing = (
            application.applicant_id != application.victim_id and application.victim_id not in consented
        )
    unconsented_ints = {m.int for m in members_without_consent}

    # Checks 1 to 7, and section 4's reported-by-member check, each complaint on its own.
    partners = policy.partner_agencies
    months = policy.reporting_window_months
    considered: list[_Considered] = []
    failed: list[list[ExclusionReason]] = []  # by index: the reasons from checks 1 to 7
    not_by_member: set[int] = set()  # indexes failing section 4's check, listed after check 8
    qualifying: list[_Considered] = []
    for index, (r, _) in enumerate(entries):
        c = _Considered(index, r, _normalised_ref(r.incident_ref), (r.victim_id.int, r.incident_date))
        considered.append(c)
        reasons = []
        if c.day[0] not in victim_ints:
            reasons.append(ExclusionReason.OTHER_VICTIM)
        if r.agency not in partners:
            reasons.append(ExclusionReason.NOT_PARTNER_AGENCY)
        if not r.caused_had:
            reasons.append(ExclusionReason.NOT_HAD)
        if r.reported_date > last_in_time_reported_date(r.incident_date, months):
            reasons.append(ExclusionReason.REPORTED_LATE)
        if r.reported_date < window_start:
            reasons.append(ExclusionReason.OUTSIDE_WINDOW)
        if r.reported_date > received:
            reasons.append(ExclusionReason.AFTER_APPLICATION)
        if r.withdrawn:
            reasons.append(ExclusionReason.WITHDRAWN)
        failed.append(reasons)
        if group and r.complainant_id != r.victim_id:
            not_by_member.add(c.index)
        elif not reasons:
            qualifying.append(c)

    # Check 8: one report per incident. A member without consent is not counted, so their reports
    # do not stand in the way of another member's report of the same incident.
    if unconsented_ints:
        counted, incidents = _count(c for c in qualifying if c.day[0] not in unconsented_ints)
    else:
        counted, incidents = _count(qualifying)
    counted_indexes = {c.index for c in counted}

    excluded: list[tuple[_Considered, tuple[ExclusionReason, ...]]] = []
    for c in considered:
        if c.index in counted_indexes:
            continue
        reasons = failed[c.index]
        if incidents.includes(c):
            reasons.append(ExclusionReason.DUPLICATE_INCIDENT)
        if c.index in not_by_member:
            reasons.append(ExclusionReason.NOT_REPORTED_BY_MEMBER)
        if c.day[0] in unconsented_ints:
            reasons.append(ExclusionReason.MEMBER_CONSENT_MISSING)
        excluded.append((c, tuple(reasons)))

    # The threshold (sections 3 to 5).
    enough, recent, last = _measure(counted, application.route, policy, window_start)
    reasons_overall = []
    if not enough:
        reasons_overall.append(ApplicationReason.TOO_FEW_INCIDENTS)
    if last is not None and not recent:
        reasons_overall.append(ApplicationReason.LAST_INCIDENT_OUTSIDE_WINDOW)
    if victim_consent_missing:
        reasons_overall.append(ApplicationReason.VICTIM_CONSENT_MISSING)
    if members_without_consent:
        reasons_overall.append(ApplicationReason.MEMBER_CONSENT_MISSING)

    if enough and recent:
        verdict = Verdict.PENDING if victim_consent_missing else Verdict.MET
    elif unconsented_ints:
        # Would it hold if the missing members consented? Count again with their reports in.
        would_enough, would_recent, _ = _measure(_count(qualifying)[0], application.route, policy, window_start)
        verdict = Verdict.PENDING if would_enough and would_recent else Verdict.NOT_MET
    else:
        verdict = Verdict.NOT_MET

    counted.sort(key=lambda c: (c.revision.incident_date, c.index))
    return Assessment(
        verdict=verdict,
        counted=tuple(
            CountedComplaint(
                c.revision.complaint_id, c.revision.incident_date, c.revision.reported_date, c.revision.victim_id
            )
            for c in counted
        ),
        excluded=tuple(ExcludedComplaint(c.revision.complaint_id, reasons) for c, reasons in excluded),
        reasons=tuple(reasons_overall),
        policy_name=policy.name,
        policy_version=policy.version,
        as_known_at=as_known_at,
        window=window,
        explanation=_explain(
            verdict,
            application,
            policy,
            window,
            counted,
            excluded,
            last,
            len(members_without_consent),
            victim_consent_missing,
        ),
    )


# --- plain English ---

_MONTHS = (
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_ACRONYMS = {"nhs": "NHS", "icb": "ICB", "iow": "IoW", "pcc": "PCC", "asb": "ASB", "cic": "CIC"}
_SMALL_WORDS = {"and", "of", "the", "for", "on"}


@lru_cache(maxsize=4096)
def _day(d: date) -> str:
    """A date as a letter writes it: 16 January 2026."""
    return f"{d.day} {_MONTHS[d.month]} {d.year}"


def _number(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def _months(n: int) -> str:
    return f"{_number(n)} month" if n == 1 else f"{_number(n)} months"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@lru_cache(maxsize=1024)
def agency_name(slug: str) -> str:
    """An agency's slug as a reader would write it: nhs-hampshire-iow-icb -> NHS Hampshire IoW ICB."""
    words = slug.split("-")
    return " ".join(
        _ACRONYMS.get(w) or (w if i and w in _SMALL_WORDS else w[:1].upper() + w[1:]) for i, w in enumerate(words)
    )


def _reason_words(group: bool, policy: Policy, window: tuple[date, date]) -> dict[ExclusionReason, str]:
    """Each reason in words, worked out once per assessment; `{agency}` and `{last}` are filled in per complaint."""
    return {
        ExclusionReason.OTHER_VICTIM: (
            "it concerns someone who is not a member of the group"
            if group
            else "it concerns someone other than the victim this application is for"
        ),
        ExclusionReason.NOT_PARTNER_AGENCY: "{agency} is not one of the partnership's agencies",
        ExclusionReason.NOT_HAD: "the behaviour was not recorded as causing harassment, alarm or distress",
        ExclusionReason.REPORTED_LATE: (
            f"it was not reported within {_months(policy.reporting_window_months)} of the incident "
            "(the last day to report it was {last})"
        ),
        ExclusionReason.OUTSIDE_WINDOW: (
            f"it was reported before {_day(window[0])}, outside the previous {_months(policy.lookback_months)}"
        ),
        ExclusionReason.AFTER_APPLICATION: f"it was reported after the application was received on {_day(window[1])}",
        ExclusionReason.WITHDRAWN: "it has been withdrawn",
        ExclusionReason.DUPLICATE_INCIDENT: "it is another report of an incident already counted",
        ExclusionReason.NOT_REPORTED_BY_MEMBER: "it was not reported by the group member personally",
        ExclusionReason.MEMBER_CONSENT_MISSING: "the group member it concerns has not yet consented to be represented",
    }


def _explain(
    verdict: Verdict,
    application: ApplicationFacts,
    policy: Policy,
    window: tuple[date, date],
    counted: list[_Considered],
    excluded: list[tuple[_Considered, tuple[ExclusionReason, ...]]],
    last: date | None,
    members_without_consent: int,
    victim_consent_missing: bool,
) -> str:
    """What a coordinator can paste into a letter: no ids, complaints named by agency and dates."""
    group = application.route is Route.GROUP
    months = _months(policy.lookback_months)
    lines = [
        {
            Verdict.MET: "The threshold for an ASB case review is met.",
            Verdict.PENDING: "The threshold for an ASB case review would be met, but consent is still missing.",
            Verdict.NOT_MET: "The threshold for an ASB case review is not met.",
        }[verdict]
    ]
    policy_words = f"the policy ({policy.name}, version {policy.version})"
    if group:
        members = len({c.revision.victim_id for c in counted})
        lines.append(
            f"{_plural(members, 'member', 'members')} of the group "
            f"{'has' if members == 1 else 'have'} at least one complaint that counts; "
            f"{policy_words} needs at least {policy.group_min_individuals}."
        )
    else:
        lines.append(
            f"{_plural(len(counted), 'incident', 'incidents')} "
            f"{'counts' if len(counted) == 1 else 'count'} towards the threshold; "
            f"{policy_words} needs at least {policy.individual_min_complaints}."
        )
    lines.append(
        f"The previous {months} run from {_day(window[0])} to {_day(window[1])}, the date the application was received."
    )
    if last is None:
        lines.append("No incident could be counted.")
    elif last >= window[0]:
        lines.append(f"The most recent incident counted was on {_day(last)}, inside the previous {months}.")
    else:
        lines.append(f"The most recent incident counted was on {_day(last)}, before the previous {months} began.")
    if victim_consent_missing:
        lines.append("The victim has not yet consented to this application being made on their behalf.")
    if members_without_consent:
        one = members_without_consent == 1
        lines.append(
            f"{_plural(members_without_consent, 'member', 'members')} of the group "
            f"{'has' if one else 'have'} not yet consented to be represented, "
            f"so {'that member' if one else 'those members'} cannot be counted yet."
        )
    if excluded:
        lines.append("Complaints not counted:")
        words = _reason_words(group, policy, window)
        joined: dict[tuple[ExclusionReason, ...], str] = {}  # few distinct combinations: join each once
        for c, reasons in excluded:
            r = c.revision
            whys = joined.get(reasons)
            if whys is None:
                whys = joined[reasons] = "; ".join([words[reason] for reason in reasons])
            if "{" in whys:  # only the agency and the last in-time day differ from complaint to complaint
                last_in_time = last_in_time_reported_date(r.incident_date, policy.reporting_window_months)
                whys = whys.format(agency=agency_name(r.agency), last=_day(last_in_time))
            lines.append(
                f"- the complaint to {agency_name(r.agency)} reported on {_day(r.reported_date)} "
                f"(incident on {_day(r.incident_date)}): {whys}."
            )
    return "\n".join(lines)
