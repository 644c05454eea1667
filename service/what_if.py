"""Re-decide history: a reporting year's applications under one policy version against another, recording nothing.

An analyst asks "what if the rules had been these": every application received in the year is
assessed under the policy named (`policy`) and under what it is compared with (`against`):

- another version (`NAME@VERSION`), both as known now;
- nothing named: each application's own policy, the version in force on its received date, as known now;
- `live`: the live decisions, that is the assessment each threshold decision recorded, against the
  named version as known at that same moment (the same facts, other rules); applications not yet
  decided are left out.

The answer lists the verdicts that change with their reasons on each side, the stage due dates that
move, and the publication figures of RULES.md section 10 counted as if each side had decided. It
names applications and complaints by id only: analysts read it, and receive no personal data.

It is fast because it is done in bulk (`assess_in_bulk`): the applications come from the case list in
one query, every fact they rely on from the event store in one more (store/fact_history.py), and each
application is then assessed by the pure rules (domain.eligibility.assess), with no round trip per
application. `Assessor.assess` remains the one-at-a-time path (the API's assessments, decisions and
replays); both give the same assessment (tests/service/test_what_if_bulk.py).
"""

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from domain.case_reviews import CaseReview
from domain.deadlines import stage_due_dates
from domain.eligibility import ApplicationFacts, Assessment, ComplaintRevision, ConsentRevision, assess
from domain.errors import InvalidFact
from domain.policy import Policy
from domain.vocabulary import (
    ComplaintCategory,
    ComplaintSource,
    ConsentPurpose,
    GroupRule,
    Route,
    StageName,
    Verdict,
)
from projections.case_facts import CaseFacts
from projections.case_list import CaseList
from service.assessments import folded
from service.policies import Policies
from store.event_store import EventStore
from store.fact_history import events_of_type, fact_events

LIVE = "live"  # `against`: the assessments the live threshold decisions recorded

# (what is being done, how many done, out of how many): for a progress display.
Progress = Callable[[str, int, int], None]


# --- the applications and their facts, in bulk --------------------------------------------


@dataclass(frozen=True, eq=False)
class Application:
    """One application as re-deciding needs it: the facts its assessment takes, and what its stages count from."""

    facts: ApplicationFacts
    stages_done: dict[StageName, date]
    delay_notified_on: date | None
    with_recommendations: bool  # its review made recommendations

    @property
    def id(self) -> UUID:
        return self.facts.application_id

    @property
    def received_date(self) -> date:
        return self.facts.received_date

    @property
    def victims(self) -> tuple[UUID, ...]:
        return self.facts.member_ids if self.facts.route is Route.GROUP else (self.facts.victim_id,)  # type: ignore[return-value]


def applications(pool: ConnectionPool, period: tuple[date, date] | None = None) -> list[Application]:
    """Every application received in `period` (all when None), oldest first: one query of the case list."""
    return [
        Application(
            facts=ApplicationFacts(
                application_id=row["id"],
                route=Route(row["route"]),
                applicant_id=row["applicant_id"],
                victim_id=row["victim_id"],
                member_ids=tuple(row["member_ids"]),
                received_date=row["received_date"],
                complaint_ids=None if row["complaint_ids"] is None else tuple(row["complaint_ids"]),
            ),
            stages_done={StageName(name): date.fromisoformat(day) for name, day in (row["stages_done"] or {}).items()},
            delay_notified_on=row["delay_notified_on"],
            with_recommendations=row["with_recommendations"],
        )  # fmt: skip
        for row in CaseList.applications(pool, period)
    ]


@dataclass
class Facts:
    """Every revision of the facts the applications rely on, by what finds them."""

    complaints_of_victim: dict[UUID, list[ComplaintRevision]] = field(default_factory=lambda: defaultdict(list))
    complaint: dict[UUID, list[ComplaintRevision]] = field(default_factory=lambda: defaultdict(list))
    consents_of_application: dict[UUID, list[ConsentRevision]] = field(default_factory=lambda: defaultdict(list))

    def of(self, application: Application) -> tuple[list[ComplaintRevision], list[ConsentRevision]]:
        """The revisions `application`'s assessment may rely on: its named complaints, else all of its victims'."""
        if application.facts.complaint_ids is not None:
            complaints = [
                r for cid in dict.fromkeys(application.facts.complaint_ids) for r in self.complaint.get(cid, ())
            ]
        else:
            complaints = [r for victim in application.victims for r in self.complaints_of_victim.get(victim, ())]
        return complaints, self.consents_of_application.get(application.id, [])


def compares_places(policies: Iterable[Policy | None]) -> bool:
    """Whether any of `policies` decides a group by the place of its incidents (RULES.md section 11)."""
    return any(p is not None and p.group_rule is GroupRule.LINKED_LOCATION for p in policies)


def facts_in_bulk(
    store: EventStore,
    pool: ConnectionPool,
    apps: list[Application],
    as_known_at: datetime,
    progress: Progress | None = None,
    *,
    places: bool = True,
) -> Facts:
    """Every revision, recorded by `as_known_at`, of every complaint and consent `apps` may rely on, in bulk.

    When no policy compared compares places (`places` False), from the case facts read model's typed
    revisions (one query per kind of fact, nothing decoded, nothing personal); otherwise from the events
    themselves, in one query, with the victims' keys looked up once to unseal each complaint's place.
    """
    victims = list(dict.fromkeys(victim for app in apps for victim in app.victims))
    named = list(dict.fromkeys(cid for app in apps if app.facts.complaint_ids for cid in app.facts.complaint_ids))
    facts = Facts()
    if not places:
        found = _facts_from_revisions(pool, facts, victims, named, [app.id for app in apps], as_known_at)
        if progress:
            progress("reading the facts (revisions)", len(found.complaint) + len(found.consents_of_application), 0)
        return found
    read = [0]

    def fetched(rows: int) -> None:
        read[0] += rows
        if progress:
            progress("reading the facts (events)", read[0], 0)

    events = fact_events(
        store, subject_ids=[*victims, *(app.id for app in apps)], fact_ids=named, people=victims if places else None,
        as_known_at=as_known_at, fetched=fetched,
    )  # fmt: skip
    for _, r in folded(events):
        if type(r) is ComplaintRevision:
            facts.complaint[r.complaint_id].append(r)
            facts.complaints_of_victim[r.victim_id].append(r)
        elif type(r) is ConsentRevision:
            facts.consents_of_application[r.application_id].append(r)
    return facts


def _facts_from_revisions(
    pool: Any, facts: Facts, victims: list[UUID], named: list[UUID], applications: list[UUID], as_known_at: datetime
) -> Facts:
    """The revisions as the case facts read model keeps them, typed (no event decoded; no place in them)."""
    complaints, consents = CaseFacts.revisions(
        pool, victim_ids=victims, complaint_ids=named, application_ids=applications, as_known_at=as_known_at
    )
    for (
        fact_id,
        _,
        at,
        victim,
        complainant,
        agency,
        incident,
        reported,
        had,
        ref,
        withdrawn,
        category,
        source,
    ) in complaints:
        r = ComplaintRevision(
            complaint_id=fact_id, recorded_at=at, victim_id=victim, complainant_id=complainant, agency=agency,
            incident_date=incident, reported_date=reported, caused_had=had, incident_ref=ref, withdrawn=withdrawn,
            category=ComplaintCategory(category), source=SOURCES[source],
        )  # fmt: skip
        facts.complaint[fact_id].append(r)
        facts.complaints_of_victim[victim].append(r)
    for fact_id, _, at, person, application, purpose, given_on, withdrawn_on in consents:
        facts.consents_of_application[application].append(
            ConsentRevision(
                fact_id, at, person, application, ConsentPurpose(purpose), given_on, withdrawn_on is not None
            )
        )
    return facts


SOURCES = {s.value: s for s in ComplaintSource}


def assess_in_bulk(
    store: EventStore,
    pool: ConnectionPool,
    apps: list[Application],
    policy_for: Callable[[Application], Policy],
    as_known_at: datetime,
    progress: Progress | None = None,
) -> Iterator[tuple[Application, Assessment]]:
    """Each application assessed under `policy_for(application)` as known at one moment: the bulk path."""
    policies = [policy_for(app) for app in apps]
    facts = facts_in_bulk(store, pool, apps, as_known_at, progress, places=compares_places(policies))
    for done, (app, policy) in enumerate(zip(apps, policies, strict=True), start=1):
        complaints, consents = facts.of(app)
        yield app, assess(app.facts, complaints, consents, policy, as_known_at)
        if progress:
            progress("re-assessing", done, len(apps))


# --- the comparison --------------------------------------------------------------------------


def summary(assessment: dict[str, Any]) -> dict[str, Any]:
    """An assessment as analysts see it: no person's id (API.md: no personal data), only the complaints' own facts."""
    counted = [{k: v for k, v in c.items() if k != "victim_id"} for c in assessment["counted"]]
    return {**{k: assessment[k] for k in ("verdict", "reasons", "policy", "excluded")}, "counted": counted}


@dataclass(frozen=True)
class VerdictChange:
    application_id: UUID
    received_date: date
    before: dict[str, Any]  # Assessment.to_dict()
    after: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "application_id": str(self.application_id),
            "received_date": self.received_date.isoformat(),
            "before": summary(self.before),
            "after": summary(self.after),
        }


@dataclass(frozen=True)
class StageMove:
    """A stage whose due date differs between the two sides (None: no due date there, or no such stage)."""

    name: StageName
    before: date | None
    after: date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name.value,
            "before": self.before.isoformat() if self.before else None,
            "after": self.after.isoformat() if self.after else None,
        }


def stage_moves(before: Policy, after: Policy, app: Application) -> list[StageMove]:
    """The stages whose due dates differ under the two policies, given what happened when (in `after`'s order,
    then those only `before` has)."""
    was = stage_due_dates(before, app.received_date, app.stages_done)
    now = stage_due_dates(after, app.received_date, app.stages_done)
    names = list(dict.fromkeys([*now, *was]))
    return [StageMove(name, was.get(name), now.get(name)) for name in names if was.get(name) != now.get(name)]


FIGURES = (
    "applications_received", "threshold_met", "threshold_not_met", "pending", "reviews_carried_out",
    "reviews_with_recommendations",
)  # fmt: skip


def figures(verdicts: Iterable[tuple[Application, Verdict]]) -> dict[str, int]:
    """RULES.md section 10's figures over the compared applications, as if the verdicts had been the decisions.

    A `met` verdict means a review must be carried out (s.104(4)), so it counts as one; it counts as one with
    recommendations when the application's actual review made some (what a review would recommend cannot be
    known otherwise). A `pending` verdict (consent missing) decides nothing and is counted on its own.
    """
    counts = dict.fromkeys(FIGURES, 0)
    for app, verdict in verdicts:
        counts["applications_received"] += 1
        counts[
            {Verdict.MET: "threshold_met", Verdict.NOT_MET: "threshold_not_met", Verdict.PENDING: "pending"}[verdict]
        ] += 1
        if verdict is Verdict.MET:
            counts["reviews_carried_out"] += 1
            counts["reviews_with_recommendations"] += app.with_recommendations
    return counts


@dataclass
class WhatIf:
    """The comparison of one reporting year (or every year) under `policy` against `against`."""

    policy: Policy
    against: str  # NAME@VERSION, "in_force" or "live"
    against_policy: Policy | None  # the version named, else None
    as_known_at: datetime
    period: tuple[date, date] | None
    compared: int = 0
    changes: list[VerdictChange] = field(default_factory=list)
    stage_changes: list[tuple[Application, list[StageMove]]] = field(default_factory=list)
    figures_before: dict[str, int] = field(default_factory=dict)
    figures_after: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        against: dict[str, Any] = {"kind": "version" if self.against_policy else self.against}
        if self.against_policy is not None:
            against["policy"] = {"name": self.against_policy.name, "version": self.against_policy.version}
        return {
            "policy": {"name": self.policy.name, "version": self.policy.version},
            "against": against,
            "period": {"from": self.period[0].isoformat(), "to": self.period[1].isoformat()} if self.period else None,
            "applications_compared": self.compared,
            "changes": [change.to_dict() for change in self.changes],
            "stage_changes": [
                {
                    "application_id": str(app.id),
                    "received_date": app.received_date.isoformat(),
                    "stages": [move.to_dict() for move in moves],
                }
                for app, moves in self.stage_changes
            ],
            "figures": {"before": self.figures_before, "after": self.figures_after},
        }

    def csv(self) -> str:
        """One row per changed application (its verdict, or a stage's due date): ids, dates and codes only."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_FIELDS)
        verdicts = {change.application_id: change for change in self.changes}
        moved = {app.id: (app, moves) for app, moves in self.stage_changes}
        received = {c.application_id: c.received_date for c in self.changes} | {
            i: a.received_date for i, (a, _) in moved.items()
        }
        for application_id in sorted(received, key=lambda i: (received[i], str(i))):
            change = verdicts.get(application_id)
            moves = moved.get(application_id, (None, []))[1]
            before, after = (change.before, change.after) if change else (None, None)

            def ref(a: dict[str, Any] | None) -> str:
                return f"{a['policy']['name']}@{a['policy']['version']}" if a else ""

            writer.writerow([
                str(application_id), received[application_id].isoformat(),
                before["verdict"] if before else "", after["verdict"] if after else "",
                " ".join(before["reasons"]) if before else "", " ".join(after["reasons"]) if after else "",
                ref(before), ref(after),
                "; ".join(f"{m.name.value} {m.before or '-'} -> {m.after or '-'}" for m in moves),
            ])  # fmt: skip
        return out.getvalue()


CSV_FIELDS = (
    "application_id", "received_date", "verdict_before", "verdict_after", "reasons_before", "reasons_after",
    "policy_before", "policy_after", "stage_due_dates_moved",
)  # fmt: skip


def what_if(
    store: EventStore,
    pool: ConnectionPool,
    policies: Policies,
    policy: Policy,
    *,
    against: str | None,
    period: tuple[date, date] | None,
    as_known_at: datetime,
    progress: Progress | None = None,
) -> WhatIf:
    """Compare `policy` with `against` over the applications received in `period`; record nothing."""
    against_policy = None
    if against and against != LIVE:
        against_policy = policies.named(against, field="against")
    report = WhatIf(policy, against or "in_force", against_policy, as_known_at, period)
    apps = applications(pool, period)

    def in_force(app: Application) -> Policy:
        return policies.in_force(app.received_date, as_known_at)

    own = {app.id: in_force(app) for app in apps}
    if against == LIVE:
        recorded = _recorded_assessments(store, apps)
        apps = [app for app in apps if app.id in recorded]
        facts = facts_in_bulk(store, pool, apps, as_known_at, progress, places=compares_places([policy]))
        pairs = []
        for done, app in enumerate(apps, start=1):
            before = recorded[app.id]
            moment = datetime.fromisoformat(before["as_known_at"])
            complaints, consents = facts.of(app)
            pairs.append((app, before, assess(app.facts, complaints, consents, policy, moment).to_dict()))
            if progress:
                progress("re-assessing", done, len(apps))
    else:
        before_of = (lambda app: against_policy) if against_policy is not None else (lambda app: own[app.id])
        others = [against_policy] if against_policy is not None else own.values()
        facts = facts_in_bulk(store, pool, apps, as_known_at, progress, places=compares_places([policy, *others]))
        pairs = []
        for done, app in enumerate(apps, start=1):
            complaints, consents = facts.of(app)
            pairs.append(
                (
                    app,
                    assess(app.facts, complaints, consents, before_of(app), as_known_at).to_dict(),
                    assess(app.facts, complaints, consents, policy, as_known_at).to_dict(),
                )
            )
            if progress:
                progress("re-assessing", done, len(apps))

    report.compared = len(pairs)
    for app, before, after in pairs:
        if before["verdict"] != after["verdict"]:
            report.changes.append(VerdictChange(app.id, app.received_date, before, after))
        moves = stage_moves(against_policy or own[app.id], policy, app)
        if moves:
            report.stage_changes.append((app, moves))
    report.figures_before = figures((app, Verdict(before["verdict"])) for app, before, _ in pairs)
    report.figures_after = figures((app, Verdict(after["verdict"])) for app, _, after in pairs)
    return report


def _recorded_assessments(store: EventStore, apps: list[Application]) -> dict[UUID, dict[str, Any]]:
    """The assessment each application's threshold decision recorded (RULES.md section 6), where it has one."""
    recorded = {}
    for event in events_of_type(store, [app.id for app in apps], CaseReview.ThresholdDecided):
        if event.assessment is not None:
            recorded.setdefault(event.originator_id, event.assessment)
    return recorded


def parse_against(value: str | None) -> str | None:
    """`against` as given: NAME@VERSION, `live`, or nothing; anything else is refused naming the field."""
    if value is None or value == LIVE or "@" in value:
        return value
    raise InvalidFact(
        f"against is a policy version NAME@VERSION (for example safer-havant@2) or {LIVE} (the recorded decisions)",
        field="against",
    )
