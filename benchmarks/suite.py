"""The benchmark suite behind `community-trigger bench`: every figure beside its baseline, same run, same data.

It makes a database of its own on the chosen PostgreSQL server, fills it with the demo generator
through the domain (benchmarks/bulk.py), then measures each figure `runs` times and reports the
median with the lowest and highest run. docs/benchmarks.md says what each figure means.
"""

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from benchmarks import baselines, webhook_probe
from benchmarks.bulk import BulkStore, bulk_load
from benchmarks.servers import Server, create_bare_tables
from demo import generator as g
from demo.loader import COORDINATOR, agency_actor, load
from domain.audited import local_date
from domain.people import Contact
from domain.policy import HAVANT_POLICY, reporting_year
from domain.vocabulary import Channel, ComplaintCategory, Dissatisfaction, Role, Route
from projections.catalogue import read_models
from projections.rebuild import rebuild_all
from service import commands as c
from service.assessments import Assessor
from service.bootstrap import Services, open_services
from service.casework import Casework
from service.policies import Policies
from service.settings import Settings
from service.what_if import applications, assess_in_bulk, what_if
from store.api_keys import KeyStore
from store.database import create_database, drop_database, start_embedded
from store.event_store import EventStore, store_environment
from store.recorder import EVENTS_TABLE

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_SEED = 2024
# The other policy history is re-decided under: every kind of change RULES.md section 11 allows a partnership.
WHAT_IF_POLICY = HAVANT_POLICY.with_changes(
    name="bench-what-if", category_thresholds={"intimidation": 2}, reporting_window={"days": 30},
    lookback={"days": 183}, last_incident_in_window=False, excluded_sources=["diary_sheet"],
    stages=[
        {"name": "acknowledged", "days": 10, "day_kind": "working", "from": "received"},
        {"name": "threshold_decided", "days": 15, "day_kind": "working", "from": "acknowledged"},
        {"name": "review_completed", "days": 28, "day_kind": "calendar", "from": "received"},
    ],
)  # fmt: skip


# --- scales --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    events: int  # the size of the store the generator fills
    runs: int
    append_complaints: int  # the per-command sample: a small generated borough, one command per transaction
    subject_complaints: int  # the assessed application's victim has this many complaints
    assessment_samples: int
    get_samples: int  # samples of the repository.get baseline (each loads every aggregate the assessment read)
    cold_samples: int  # assessments with the revision cache emptied before each (reported in the notes)
    api_requests: int  # a bound on the counted requests of each load
    api_seconds: float  # and on its time
    api_warmup: int
    concurrency: int  # client threads, each one keep-alive connection
    raw_rows: int  # rows for COPY and its baseline
    commit_seconds: float
    batch_events: int  # events per save on the bulk path
    bulk_baseline_events: int  # at most this many events of the bulk path's saves are replayed as plain aggregates


QUICK = Preset(
    events=60_000, runs=3, append_complaints=250, subject_complaints=200, assessment_samples=300, get_samples=40,
    cold_samples=40, api_requests=1500, api_seconds=12, api_warmup=40, concurrency=8, raw_rows=50_000, commit_seconds=1.5,
    batch_events=5000, bulk_baseline_events=60_000,
)  # fmt: skip
FULL = Preset(
    events=1_000_000, runs=5, append_complaints=600, subject_complaints=200, assessment_samples=1000, get_samples=100,
    cold_samples=100, api_requests=6000, api_seconds=20, api_warmup=100, concurrency=8, raw_rows=200_000, commit_seconds=3,
    batch_events=5000, bulk_baseline_events=200_000,
)  # fmt: skip
TINY = Preset(
    events=1500, runs=1, append_complaints=20, subject_complaints=30, assessment_samples=20, get_samples=5, cold_samples=3,
    api_requests=40, api_seconds=10, api_warmup=4, concurrency=2, raw_rows=2000, commit_seconds=0.2,
    batch_events=500, bulk_baseline_events=2000,
)  # fmt: skip


# --- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    name: str
    unit: str
    baseline_name: str
    higher_is_better: bool
    target: str  # as the issues set it, in words
    check: Callable[[float, float], bool] | None = None  # (value, baseline) -> met


SPECS = [
    Spec("append_events_per_s", "events/s", "library_save_events_per_s", True,
         "the baseline's order (>= 1/10 of it)", lambda v, b: v >= b / 10),
    Spec("bulk_load_events_per_s", "events/s", "library_bulk_save_events_per_s", True, "none set"),
    Spec("rebuild_events_per_s", "events/s", "library_read_decode_events_per_s", True,
         ">= baseline, aiming for 100,000", lambda v, b: v >= b),
    Spec("assessment_p50_ms", "ms", "repository_get_p50_ms", False, "none set (p99 < 20)"),
    Spec("assessment_p99_ms", "ms", "repository_get_p99_ms", False, "< 20 ms", lambda v, b: v < 20),
    Spec("api_write_per_s", "requests/s", "bare_write_per_s", True, ">= half the baseline", lambda v, b: v >= b / 2),
    Spec("api_write_p99_ms", "ms", "bare_write_p99_ms", False, "< 50 ms", lambda v, b: v < 50),
    Spec("api_read_per_s", "requests/s", "bare_read_per_s", True, ">= half the baseline", lambda v, b: v >= b / 2),
    Spec("api_read_p99_ms", "ms", "bare_read_p99_ms", False, "< 50 ms", lambda v, b: v < 50),
    Spec("projection_lag_p99_ms", "ms", "notify_roundtrip_p99_ms", False, "none set"),
    Spec("api_triggers_read_per_s", "requests/s", "bare_triggers_read_per_s", True, "none set"),
    Spec("webhook_delivery_lag_p99_ms", "ms", "notify_roundtrip_p99_ms", False, "none set"),
    Spec("pg_commits_per_s", "commits/s", "pg_commits_async_per_s", True, "physical limit"),
    Spec("pg_copy_rows_per_s", "rows/s", "pg_unnest_insert_rows_per_s", True, "physical limit"),
    Spec("whatif_applications_per_s", "applications/s", "whatif_one_by_one_applications_per_s", True,
         ">= 5 times the baseline", lambda v, b: v >= 5 * b),
]  # fmt: skip
# The parts of one run, in the order they run, and the figures each gives (`bench --only`).
PARTS = {
    "pg": ["pg_commits_per_s", "pg_copy_rows_per_s"],
    "append": ["append_events_per_s"],
    "rebuild": ["rebuild_events_per_s"],
    "assessment": ["assessment_p50_ms", "assessment_p99_ms"],
    "api": [
        "api_write_per_s",
        "api_write_p99_ms",
        "api_read_per_s",
        "api_read_p99_ms",
        "projection_lag_p99_ms",
        "api_triggers_read_per_s",
        "webhook_delivery_lag_p99_ms",
    ],
    "whatif": ["whatif_applications_per_s"],
}


def parts_named(only: str | None) -> frozenset[str]:
    """The parts to run for `--only` (parts or figure names, comma-separated); every part without it."""
    if not only:
        return frozenset(PARTS)
    chosen = set()
    for name in (n.strip() for n in only.split(",")):
        if not name:
            continue
        part = name if name in PARTS else next((p for p, figures in PARTS.items() if name in figures), None)
        if part is None:
            figures = [f for figures in PARTS.values() for f in figures]
            raise ValueError(
                f"--only: no part or figure {name!r}; parts: {', '.join(PARTS)}; figures: {', '.join(figures)}"
            )
        chosen.add(part)
    return frozenset(chosen)


# The figures whose names issues 8 and 16 fix, so that results can be compared over time.
NAMED = [
    "append_events_per_s", "rebuild_events_per_s", "assessment_p50_ms", "assessment_p99_ms", "api_write_per_s",
    "api_write_p99_ms", "api_read_per_s", "api_read_p99_ms", "projection_lag_p99_ms", "api_triggers_read_per_s",
    "webhook_delivery_lag_p99_ms",
]  # fmt: skip


@dataclass
class Measured:
    spec: Spec
    values: list[float] = field(default_factory=list)
    baselines: list[float] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        value, base = statistics.median(self.values), statistics.median(self.baselines)
        row = {
            "name": self.spec.name,
            "value": round(value, 3),
            "unit": self.spec.unit,
            "baseline_name": self.spec.baseline_name,
            "baseline_value": round(base, 3),
            "min": round(min(self.values), 3),
            "max": round(max(self.values), 3),
            "baseline_min": round(min(self.baselines), 3),
            "baseline_max": round(max(self.baselines), 3),
            "runs": len(self.values),
            "ratio": round(value / base, 3) if base else None,
            "target": self.spec.target,
        }
        if self.spec.check is not None:
            row["target_met"] = bool(self.spec.check(value, base))
        return row


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


# --- progress ------------------------------------------------------------------------------


class Progress:
    """One status line on a terminal (rewritten in place), or a line every few seconds in a log."""

    def __init__(self, stream: Any = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()
        self._last = 0.0
        self._width = 0

    def _stamp(self) -> str:
        elapsed = int(time.monotonic() - self.started)
        return f"[{elapsed // 60:02d}:{elapsed % 60:02d}]"

    def status(self, text: str, force: bool = False) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if not force and now - self._last < (0.2 if self.tty else 10):
            return
        self._last = now
        line = f"{self._stamp()} {text}"
        if self.tty:
            self.stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def step(self, text: str) -> None:
        """A finished piece of work, on a line of its own."""
        if self.quiet:
            return
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(f"{self._stamp()} {text}\n")
        self.stream.flush()
        self._last = 0.0


def rate_text(count: int, total: int | None, started: float, unit: str) -> str:
    elapsed = max(time.perf_counter() - started, 1e-9)
    share = f"/{total:,}" if total else ""
    return f"{count:,}{share} {unit}, {count / elapsed:,.0f} {unit}/s"


# --- the database --------------------------------------------------------------------------


def answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def choose_server(data_dir: Path | None = None) -> tuple[str, str]:
    """(server URL, how it was chosen): DATABASE_URL, else 127.0.0.1:5432 if it answers, else the embedded one."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, "DATABASE_URL"
    if answers(LOCAL_SERVER):
        return LOCAL_SERVER, "127.0.0.1:5432"
    from service.settings import Settings

    folder = Settings.from_environment(data_dir=data_dir).data_dir
    return start_embedded(folder), f"embedded PostgreSQL in {folder}"


def server_settings(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN"
                " ('synchronous_commit', 'fsync', 'shared_buffers', 'max_wal_size', 'wal_level', 'autovacuum')"
            ).fetchall()
        )
    return {"version": version, **settings}


# --- the generator's scale -----------------------------------------------------------------


def _events_of(step: Any) -> int:
    """How many events the commands record for a step: its own, plus one per free text moved to its own stream."""
    texts = ("location", "description", "reason", "summary")
    count = 1 + sum(1 for name in texts if (getattr(step, name, None) or "").strip())
    if isinstance(step, g.CompleteReview):
        count += len(step.recommendations)
    return count


def complaints_for(events: int, today: date) -> int:
    """How many complaints make a store of about `events` events (from a sample of the generator's own mix)."""
    sample = 3000
    counted = sum(_events_of(step) for step in g.generate(seed=BENCH_SEED, complaints=sample, today=today))
    return max(50, round(events * sample / counted * 1.01))


def timed(iterable: Iterable[Any], clock: list[float]) -> Iterator[Any]:
    """Yield from `iterable`, adding the time spent producing each item to clock[0]."""
    iterator = iter(iterable)
    while True:
        started = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            clock[0] += time.perf_counter() - started
            return
        clock[0] += time.perf_counter() - started
        yield item


# --- the suite -----------------------------------------------------------------------------


class ShapeRecordingStore(EventStore):
    """The event store as it is, noting how many events each save wrote per aggregate (for the baseline)."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env=env)
        self.shapes: list[list[int]] = []

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        recordings = super().save(*objs, **kwargs)
        per_aggregate: dict[UUID, int] = {}
        for recording in recordings:
            originator = recording.domain_event.originator_id
            per_aggregate[originator] = per_aggregate.get(originator, 0) + 1
        self.shapes.append(list(per_aggregate.values()))
        return recordings


@dataclass
class Subject:
    """The application assessed: its victim has `complaints` complaints recorded over two years."""

    application_id: UUID
    victim_id: UUID
    first_known: datetime  # when the application was recorded: the earliest as-known-at that finds it
    complaints: int


class Suite:
    def __init__(
        self,
        database_url: str,
        preset: Preset,
        progress: Progress,
        work_dir: Path,
        parts: frozenset[str] = frozenset(PARTS),
    ) -> None:
        self.url = database_url
        self.parts = parts
        self.preset = preset
        self.progress = progress
        self.work_dir = work_dir
        self.today = local_date(datetime.now(UTC))
        self.measured = {spec.name: Measured(spec) for spec in SPECS}
        self.notes: dict[str, Any] = {}
        self.services: Services | None = None
        self.plain: baselines.PlainApplication | None = None
        self.payload = ""

    def add(self, name: str, value: float, baseline: float) -> None:
        self.measured[name].values.append(value)
        self.measured[name].baselines.append(baseline)

    # --- building the store --------------------------------------------------------------

    def build(self) -> None:
        preset, progress = self.preset, self.progress
        self.services = open_services(self.url, run_projections=False)
        complaints = complaints_for(preset.events, self.today)
        progress.step(
            f"building the store: the demo generator with {complaints:,} complaints (about {preset.events:,} events)"
        )
        store = BulkStore(store_environment(self.url), batch_events=preset.batch_events)
        generating = [0.0]
        started = time.perf_counter()
        steps = timed(g.generate(seed=BENCH_SEED, complaints=complaints, today=self.today), generating)

        def show(count: int, events: int) -> None:
            progress.status(f"bulk load: {count:,} steps, {rate_text(events, preset.events, started, 'events')}")

        try:
            result = bulk_load(store, steps, progress=show)
        finally:
            store.close()
        loading = result.seconds - generating[0]
        progress.step(
            f"bulk load: {result.events:,} events from {result.steps:,} steps in {result.seconds:.1f} s"
            f" (generator {generating[0]:.1f} s, domain and checks {loading - result.save_seconds:.1f} s,"
            f" library save {result.save_seconds:.1f} s in {len(result.flushes)} saves)"
        )
        with psycopg.connect(self.url) as conn:
            mean_state = conn.execute(
                sql.SQL("SELECT avg(length(state))::float FROM {}").format(sql.Identifier(EVENTS_TABLE))
            ).fetchone()[0]
        self.plain = baselines.plain_application(self.url)
        self.payload = baselines.plain_payload(self.plain, mean_state)
        # The baseline: the same saves (events per aggregate) with plain aggregates, evenly sampled.
        shapes = [f.events_per_aggregate for f in result.flushes]
        keep = max(1, min(len(shapes), round(len(shapes) * preset.bulk_baseline_events / max(result.events, 1))))
        sampled = [shapes[round(i * len(shapes) / keep)] for i in range(keep)]
        started = time.perf_counter()
        base_events, base_seconds = baselines.save_plain(
            self.plain, sampled, self.payload,
            progress=lambda n: progress.status(f"library bulk save: {rate_text(n, None, started, 'events')}"),
        )  # fmt: skip
        self.add("bulk_load_events_per_s", result.events / loading, base_events / base_seconds)
        self.notes["store"] = {
            "events": result.events, "steps": result.steps, "complaints": complaints,
            "mean_state_bytes": round(mean_state, 1), "bulk_seconds": round(result.seconds, 1),
            "generator_seconds": round(generating[0], 1), "library_save_seconds": round(result.save_seconds, 1),
            "batch_events": preset.batch_events,
        }  # fmt: skip
        progress.step(
            f"library bulk save of plain aggregates: {base_events:,} events, {base_events / base_seconds:,.0f} events/s"
        )
        self.subject = self.make_subject(preset.subject_complaints)
        progress.step(f"assessment subject: an application whose victim has {self.subject.complaints} complaints")
        seconds = self.analyze()
        self.notes["store"]["analyze_seconds"] = round(seconds, 1)
        progress.step(f"ANALYZE after the bulk load: {seconds:.1f} s")

    def analyze(self) -> float:
        """Refresh the planner's statistics, as autovacuum does in steady state (it may be off, as on this machine).

        Without them, a freshly loaded store or freshly rebuilt read model is planned blind: at a
        million events the assessment's events query then sorts the whole timeline (seconds, not
        milliseconds).
        """
        started = time.perf_counter()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        return time.perf_counter() - started

    def make_subject(self, complaints: int) -> Subject:
        """A victim with `complaints` complaints over two years (a tenth withdrawn), applying a quarter of the way in."""
        casework = self.services.casework
        rng = random.Random(BENCH_SEED)
        start = datetime.now(UTC) - timedelta(days=730)
        victim = casework.handle(
            c.RegisterPerson("Benchmark Victim", Contact(phone="023 9200 0000")), actor=COORDINATOR, now=start
        ).id
        application_id, first_known = None, None
        for index in range(complaints):
            at = start + timedelta(days=730 * (index + 1) / (complaints + 1), minutes=rng.randint(0, 600))
            day = local_date(at)
            agency = rng.choice(["hampshire-constabulary", "havant-borough-council", "vivid-homes"])
            complaint = casework.handle(c.LogComplaint(
                victim_id=victim, agency=agency, agency_reference=f"SUBJ/{index:04d}",
                incident_date=day - timedelta(days=rng.randint(1, 5)), reported_date=day - timedelta(days=rng.randint(0, 1)),
                caused_had=rng.random() < 0.8, category=ComplaintCategory.NOISE, location="Outside the victim's home",
                description="Repeated shouting and banging at night",
            ), actor=agency_actor(agency), now=at)  # fmt: skip
            if rng.random() < 0.1:
                casework.handle(
                    c.WithdrawComplaint(complaint.id, "Reported in error"),
                    actor=agency_actor(agency),
                    now=at + timedelta(hours=2),
                )
            if application_id is None and index >= complaints // 4:
                first_known = at + timedelta(hours=3)
                application_id = casework.handle(c.RequestCaseReview(
                    route=Route.INDIVIDUAL, applicant_id=victim, victim_id=victim,
                    received_date=local_date(first_known), channel=Channel.ONLINE, dissatisfaction=Dissatisfaction.NO_ACTION_TAKEN,
                ), actor=COORDINATOR, now=first_known).id  # fmt: skip
        return Subject(application_id, victim, first_known, complaints)

    # --- one run -------------------------------------------------------------------------

    def run(self, number: int) -> None:
        self.progress.step(f"run {number} of {self.preset.runs}")
        if "pg" in self.parts:
            self.raw_postgres()
        if "append" in self.parts:
            self.append(number)
        if "rebuild" in self.parts:
            self.rebuild_all()
        if "assessment" in self.parts:
            self.assessments(number)
        if "api" in self.parts:
            self.api(number)
        if "whatif" in self.parts:
            self.what_if(number)

    def raw_postgres(self) -> None:
        p = self.preset
        self.progress.status("PostgreSQL: single-row commits", force=True)
        sync = baselines.pg_commits_per_s(self.url, p.commit_seconds, synchronous=True)
        unsynced = baselines.pg_commits_per_s(self.url, p.commit_seconds, synchronous=False)
        self.progress.status("PostgreSQL: COPY and INSERT ... unnest", force=True)
        state = len(self.payload) + 100
        copy = baselines.pg_copy_rows_per_s(self.url, p.raw_rows, state)
        unnest = baselines.pg_unnest_rows_per_s(self.url, p.raw_rows, state, batch_size=p.batch_events)
        self.add("pg_commits_per_s", sync, unsynced)
        self.add("pg_copy_rows_per_s", copy, unnest)
        self.progress.step(
            f"PostgreSQL: {sync:,.0f} commits/s ({unsynced:,.0f} without waiting for the WAL flush),"
            f" COPY {copy:,.0f} rows/s (INSERT ... unnest {unnest:,.0f} rows/s)"
        )

    def append(self, number: int) -> None:
        p, progress = self.preset, self.progress
        steps = list(g.generate(seed=BENCH_SEED + 100 + number, complaints=p.append_complaints, today=self.today))
        store = ShapeRecordingStore(store_environment(self.url))
        assessor = Assessor(store, Policies(store))
        casework = Casework(store, assess=lambda r, at: assessor.assess(r, at).to_dict(), policies=assessor.policies)
        started = time.perf_counter()

        def show(count: int) -> None:
            progress.status(f"append, one command per transaction: {rate_text(count, len(steps), started, 'steps')}")

        try:
            for index, chunk_start in enumerate(range(0, len(steps), 100)):
                load(casework, steps[chunk_start : chunk_start + 100])
                show(min(len(steps), (index + 1) * 100))
            seconds = time.perf_counter() - started
            events = sum(sum(shape) for shape in store.shapes)
            shapes = store.shapes
        finally:
            store.close()
        started = time.perf_counter()
        base_events, base_seconds = baselines.save_plain(
            self.plain, shapes, self.payload,
            progress=lambda n: progress.status(f"library save, one per command: {rate_text(n, events, started, 'events')}"),
        )  # fmt: skip
        self.add("append_events_per_s", events / seconds, base_events / base_seconds)
        progress.step(
            f"append: {events:,} events from {len(steps):,} commands, {events / seconds:,.0f} events/s"
            f" (library save of plain aggregates, same saves: {base_events / base_seconds:,.0f} events/s)"
        )

    def rebuild_all(self) -> None:
        svc, progress = self.services, self.progress
        models = read_models(svc.store, svc.policies.in_force, Settings.from_environment().location_secret())
        head = svc.store.recorder.max_notification_id() or 0
        # Each starts as a new process would, with no person's key in memory: what one warms the other must not use.
        svc.store.personal_keys.forget()
        started = time.perf_counter()

        def show(position: int, head: int, rate: float) -> None:
            progress.status(f"rebuild of every read model: {position:,}/{head:,} events, {rate:,.0f} events/s")

        rebuild_all(svc.store, svc.pool, models, progress=show)  # as `projections rebuild` does: one pass
        seconds = time.perf_counter() - started
        svc.store.personal_keys.forget()
        base_started = time.perf_counter()
        count, base_seconds = baselines.read_and_decode(
            svc.store,
            progress=lambda position, total: progress.status(
                f"library read and decode: {rate_text(position, total, base_started, 'events')}"
            ),
        )
        self.analyze()  # the rebuilt tables are new: give them statistics before they are queried
        self.add("rebuild_events_per_s", head / seconds, count / base_seconds)
        progress.step(
            f"rebuild of {len(models)} read models from {head:,} events: {seconds:.1f} s, {head / seconds:,.0f} events/s"
            f" (library read and decode of all {count:,}: {count / base_seconds:,.0f} events/s)"
        )

    def assessments(self, number: int) -> None:
        p, svc, subject = self.preset, self.services, self.subject
        rng = random.Random(BENCH_SEED + number)
        assessor = svc.assessor
        span = (datetime.now(UTC) - subject.first_known).total_seconds()
        moments = [subject.first_known + timedelta(seconds=rng.uniform(0, span)) for _ in range(p.assessment_samples)]
        # First with nothing cached (the revision cache emptied before each): what an assessment of an
        # application not assessed since the process started costs. Reported in the notes, not the table.
        cold = []
        for index, moment in enumerate(moments[: p.cold_samples], start=1):
            assessor.cache.clear()
            started = time.perf_counter()
            assessor.assess(assessor.case_review_as_known_at(subject.application_id, moment), moment)
            cold.append((time.perf_counter() - started) * 1000)
            self.progress.status(f"assessment with an empty revision cache: {index}/{p.cold_samples}")
        for moment in moments[:10]:  # warm up
            assessor.assess(assessor.case_review_as_known_at(subject.application_id, moment), moment)
        times, counted = [], []
        for index, moment in enumerate(moments, start=1):
            started = time.perf_counter()
            review = assessor.case_review_as_known_at(subject.application_id, moment)
            assessment = assessor.assess(review, moment)
            times.append((time.perf_counter() - started) * 1000)
            counted.append(assessment)
            self.progress.status(f"assessment as known at random past times: {index}/{len(moments)}")
        gets = []
        for index, moment in enumerate(moments[: p.get_samples], start=1):
            facts = svc.store.linked_facts([subject.victim_id], moment) + svc.store.linked_facts(
                [subject.application_id], moment
            )
            started = time.perf_counter()
            for aggregate_id in (subject.application_id, *facts):
                svc.store.repository.get(aggregate_id)
            gets.append((time.perf_counter() - started) * 1000)
            self.progress.status(f"repository.get of the same aggregates: {index}/{p.get_samples}")
        self.add("assessment_p50_ms", percentile(times, 50), percentile(gets, 50))
        self.add("assessment_p99_ms", percentile(times, 99), percentile(gets, 99))
        self.notes.setdefault("assessment_uncached", []).append(
            {"samples": len(cold), "p50_ms": round(percentile(cold, 50), 1), "p99_ms": round(percentile(cold, 99), 1)}
        )
        self.progress.step(
            f"assessment: p50 {percentile(times, 50):.1f} ms, p99 {percentile(times, 99):.1f} ms over {len(times)}"
            f" (repository.get of the same aggregates: p50 {percentile(gets, 50):.1f} ms, p99 {percentile(gets, 99):.1f} ms;"
            f" with an empty revision cache: p50 {percentile(cold, 50):.1f} ms, p99 {percentile(cold, 99):.1f} ms over {len(cold)})"
        )

    # --- re-deciding history ------------------------------------------------------------

    def what_if(self, number: int) -> None:
        """Every application of the store re-assessed under another policy: in bulk (service/what_if.py: one query
        for the applications, one for their facts, the pure rules per application) against one at a time
        (`Assessor.assess` of each, as the API's assessment does, from an empty revision cache as a new process
        would start), both as known at one moment, after one untimed bulk pass. Then the whole what-if of the latest full reporting year, as `community-trigger what-if
        --year` runs it (both sides, stage moves, figures), timed for the notes."""
        svc, progress = self.services, self.progress
        svc.runner.catch_up()  # the case list the applications are read from, current
        policy = WHAT_IF_POLICY
        moment = datetime.now(UTC)
        started = time.perf_counter()

        def show(doing: str, done: int, total: int) -> None:
            unit = "applications" if total else "events"
            progress.status(f"what-if in bulk, {doing}: {rate_text(done, total or None, started, unit)}")

        # Once untimed first, so that both paths are timed with the same pages in PostgreSQL's cache.
        for _ in assess_in_bulk(svc.store, svc.pool, applications(svc.pool), lambda app: policy, moment, show):
            pass
        svc.assessor.cache.clear()
        started = time.perf_counter()
        apps = applications(svc.pool)
        one_by_one = {}
        for index, app in enumerate(apps, start=1):
            one_by_one[app.id] = svc.assessor.assess(svc.casework.case_review(app.id), moment, policy).verdict
            progress.status(f"what-if one at a time: {rate_text(index, len(apps), started, 'applications')}")
        one_seconds = time.perf_counter() - started
        started = time.perf_counter()
        apps = applications(svc.pool)
        bulk = {
            app.id: a.verdict for app, a in assess_in_bulk(svc.store, svc.pool, apps, lambda app: policy, moment, show)
        }
        bulk_seconds = time.perf_counter() - started
        if bulk != one_by_one:
            raise RuntimeError("the bulk what-if and the one-at-a-time assessments disagree")
        self.add("whatif_applications_per_s", len(apps) / bulk_seconds, len(apps) / one_seconds)
        # The latest reporting year that has ended, whole, as the command line re-decides it.
        today = local_date(moment)
        year = today.year - 1 if (today.month, today.day) >= (4, 1) else today.year - 2
        period = reporting_year(svc.policies.in_force(today), year)
        started = time.perf_counter()
        report = what_if(svc.store, svc.pool, svc.policies, policy, against=None, period=period, as_known_at=moment,
                         progress=show)  # fmt: skip
        year_seconds = time.perf_counter() - started
        self.notes.setdefault("whatif_year", []).append({
            "year": year, "applications": report.compared, "seconds": round(year_seconds, 2),
            "verdicts_changed": len(report.changes), "with_stage_moves": len(report.stage_changes),
        })  # fmt: skip
        progress.step(
            f"what-if: {len(apps):,} applications re-assessed in bulk in {bulk_seconds:.1f} s,"
            f" {len(apps) / bulk_seconds:,.0f}/s (one at a time: {one_seconds:.1f} s, {len(apps) / one_seconds:,.0f}/s;"
            f" {bulk_seconds and one_seconds / bulk_seconds:.1f} times); the whole what-if of reporting year {year}"
            f" ({report.compared:,} applications, {len(report.changes):,} verdicts change) in {year_seconds:.1f} s"
        )

    # --- the API -------------------------------------------------------------------------

    def _load(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Run the load generator in a process of its own and read its result."""
        import subprocess

        spec_path, out_path = self.work_dir / f"{name}.spec.json", self.work_dir / f"{name}.out.json"
        spec_path.write_text(json.dumps(spec))
        with open(self.work_dir / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.http_load", str(spec_path), str(out_path)],
                stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
            started = time.monotonic()
            limit = spec["seconds"] + 120
            while process.poll() is None:
                if time.monotonic() - started > limit:
                    process.kill()
                    process.wait()
                    raise RuntimeError(f"the load generator for {name} did not stop within {limit:.0f} s")
                self.progress.status(
                    f"API load {name}: {time.monotonic() - started:.0f} s (bounded by {spec['seconds']:.0f} s)"
                )
                time.sleep(0.25)
        if process.returncode != 0:
            raise RuntimeError(f"the load generator for {name} failed; see {self.work_dir / (name + '.log')}")
        result = json.loads(out_path.read_text())
        if not result["count"]:
            raise RuntimeError(f"{name}: no request succeeded (statuses {result['statuses']})")
        if result["errors"]:
            self.progress.step(f"warning: {name}: {result['errors']} failed requests (statuses {result['statuses']})")
        return result

    def api(self, number: int) -> None:
        p, svc = self.preset, self.services
        svc.runner.catch_up()  # the server starts with its read models current, as after a restart
        keys = KeyStore(svc.pool)
        _, writer = keys.create(Role.COORDINATOR, label="bench writer")
        _, reader = keys.create(Role.COORDINATOR, label="bench reader")
        with svc.pool.connection() as conn:
            victims = [
                str(r["victim_id"])
                for r in conn.execute("SELECT DISTINCT victim_id FROM case_facts.complaints LIMIT 200").fetchall()
            ]
        common = {"requests": p.api_requests, "seconds": p.api_seconds, "warmup": p.api_warmup,
                  "concurrency": p.concurrency, "seed": number, "victims": victims}  # fmt: skip
        projection_probe = {"kind": "projection", "database_url": self.url, "events_table": EVENTS_TABLE,
                            "position_table": "case_list.position"}  # fmt: skip
        notify_probe = {"kind": "notify", "database_url": self.url}
        logs = self.work_dir
        self.progress.status("starting our API server", force=True)
        with Server("benchmarks.servers:community_trigger_app", self.url, "/healthz", logs / "ours.log") as ours:
            write = self._load(f"ours-write-{number}", {**common, "base_url": ours.base_url, "method": "POST",
                               "path": "/v1/complaints", "token": writer, "body": "complaint", "probe": projection_probe})  # fmt: skip
            read = self._load(f"ours-read-{number}", {**common, "base_url": ours.base_url, "method": "GET",
                              "path": "/v1/case-reviews", "token": reader, "body": None, "probe": None})  # fmt: skip
            triggers = self._load(f"ours-triggers-{number}", {**common, "base_url": ours.base_url, "method": "GET",
                                  "path": "/v1/potential-triggers", "token": reader, "body": None, "probe": None})  # fmt: skip
            # The server idle again: each change's delivery from commit to a receiver's 2xx (benchmarks/webhook_probe.py).
            samples = max(10, p.api_warmup // 2)
            deliveries = webhook_probe.delivery_lags(
                svc.casework, svc.pool, samples,
                progress=lambda n: self.progress.status(f"webhook delivery lag: {n}/{samples}"),
            )  # fmt: skip
            floor = webhook_probe.notify_round_trips(self.url, samples)
        create_bare_tables(self.url)
        self.progress.status("starting the bare server", force=True)
        with Server("benchmarks.servers:bare_app", self.url, "/bare/healthz", logs / "bare.log") as bare:
            bare_write = self._load(f"bare-write-{number}", {**common, "base_url": bare.base_url, "method": "POST",
                                    "path": "/bare/complaints", "token": None, "body": "complaint", "probe": notify_probe})  # fmt: skip
            bare_read = self._load(f"bare-read-{number}", {**common, "base_url": bare.base_url, "method": "GET",
                                   "path": "/bare/case-reviews", "token": None, "body": None, "probe": None})  # fmt: skip
            bare_triggers = self._load(f"bare-triggers-{number}", {**common, "base_url": bare.base_url, "method": "GET",
                                       "path": "/bare/potential-triggers", "token": None, "body": None, "probe": None})  # fmt: skip

        def rate(result: dict[str, Any]) -> float:
            return result["count"] / result["elapsed"]

        def p99(result: dict[str, Any], key: str = "latencies_ms") -> float:
            return percentile(result[key], 99)

        self.add("api_write_per_s", rate(write), rate(bare_write))
        self.add("api_write_p99_ms", p99(write), p99(bare_write))
        self.add("api_read_per_s", rate(read), rate(bare_read))
        self.add("api_read_p99_ms", p99(read), p99(bare_read))
        if not write["lag_ms"] or not bare_write["lag_ms"]:
            raise RuntimeError("the lag probes took no sample")
        self.add("projection_lag_p99_ms", p99(write, "lag_ms"), p99(bare_write, "lag_ms"))
        self.add("api_triggers_read_per_s", rate(triggers), rate(bare_triggers))
        self.add("webhook_delivery_lag_p99_ms", percentile(deliveries, 99), percentile(floor, 99))
        self.notes.setdefault("api", []).append({
            name: {"per_s": round(rate(r), 1), "p50_ms": round(percentile(r["latencies_ms"], 50), 1),
                   "p99_ms": round(p99(r), 1), "count": r["count"], "statuses": r["statuses"]}
            for name, r in (("write", write), ("read", read), ("bare_write", bare_write), ("bare_read", bare_read),
                            ("triggers", triggers), ("bare_triggers", bare_triggers))
        })  # fmt: skip
        self.notes.setdefault("webhooks", []).append({
            "samples": len(deliveries), "delivery_p50_ms": round(percentile(deliveries, 50), 1),
            "delivery_p99_ms": round(percentile(deliveries, 99), 1), "notify_p99_ms": round(percentile(floor, 99), 2),
        })  # fmt: skip
        self.progress.step(
            f"API writes: {rate(write):,.0f}/s p99 {p99(write):.1f} ms (bare {rate(bare_write):,.0f}/s p99 {p99(bare_write):.1f} ms);"
            f" reads: {rate(read):,.0f}/s p99 {p99(read):.1f} ms (bare {rate(bare_read):,.0f}/s p99 {p99(bare_read):.1f} ms);"
            f" projection lag p99 {p99(write, 'lag_ms'):.1f} ms over {len(write['lag_ms'])} samples"
            f" (NOTIFY round trip p99 {p99(bare_write, 'lag_ms'):.1f} ms);"
            f" potential triggers' first page: {rate(triggers):,.0f}/s p99 {p99(triggers):.1f} ms"
            f" (bare candidate query {rate(bare_triggers):,.0f}/s p99 {p99(bare_triggers):.1f} ms);"
            f" webhook delivery lag p99 {percentile(deliveries, 99):.1f} ms over {len(deliveries)}"
            f" (NOTIFY round trip idle p99 {percentile(floor, 99):.1f} ms)"
        )

    def close(self) -> None:
        if self.plain is not None:
            self.plain.close()
        if self.services is not None:
            self.services.close()

    def rows(self) -> list[dict[str, Any]]:
        return [m.row() for m in self.measured.values() if m.values]


# --- reporting -----------------------------------------------------------------------------


def _number(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table: median (lowest to highest run), the baseline likewise, their ratio, the target."""
    lines = [
        "| figure | median | min - max | baseline | baseline median | baseline min - max | ratio | target | met |",
        "|---|---:|---:|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        unit = r["unit"]
        met = {True: "yes", False: "**no**"}.get(r.get("target_met"), "-")
        lines.append(
            f"| `{r['name']}` | {_number(r['value'], unit)} {unit} | {_number(r['min'], unit)} - {_number(r['max'], unit)}"
            f" | `{r['baseline_name']}` | {_number(r['baseline_value'], unit)} | {_number(r['baseline_min'], unit)} -"
            f" {_number(r['baseline_max'], unit)} | {r['ratio']:.2f} | {r['target']} | {met} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    memory = None
    try:
        with open("/proc/meminfo") as f:
            memory = f"{int(f.readline().split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "memory": memory, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}"}  # fmt: skip


def run_suite(
    server_url: str,
    preset: Preset,
    progress: Progress | None = None,
    keep: bool = False,
    parts: frozenset[str] = frozenset(PARTS),
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Build a store in a new database on `server_url`, measure every figure `preset.runs` times; (rows, notes)."""
    progress = progress or Progress()
    started = time.monotonic()
    name, url = create_database(server_url, "ct_bench")
    progress.step(f"database {name} created")
    suite = None
    try:
        with tempfile.TemporaryDirectory(prefix="ct-bench-") as folder:
            suite = Suite(url, preset, progress, Path(folder), parts)
            suite.build()
            for number in range(1, preset.runs + 1):
                suite.run(number)
            rows = suite.rows()
            notes = {
                "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                "postgresql": server_settings(url), "preset": preset.__dict__, "parts": sorted(parts), **suite.notes,
                "seconds": round(time.monotonic() - started, 1),
            }  # fmt: skip
    finally:
        if suite is not None:
            suite.close()
        if keep:
            progress.step(f"kept database {name}: {url}")
        else:
            drop_database(server_url, name)
    return rows, notes


def main(args: argparse.Namespace) -> int:
    preset = QUICK if args.quick else FULL
    if args.scale:
        preset = replace(preset, events=args.scale)
    if args.runs:
        preset = replace(preset, runs=args.runs)
    try:
        parts = parts_named(getattr(args, "only", None))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    progress = Progress()
    server, chosen = choose_server(getattr(args, "data_dir", None))
    progress.step(
        f"benchmarks ({'quick' if args.quick else 'full'}): about {preset.events:,} events, {preset.runs} runs,"
        f" PostgreSQL from {chosen}" + ("" if parts == frozenset(PARTS) else f"; only {', '.join(sorted(parts))}")
    )
    rows, notes = run_suite(server, preset, progress, keep=args.keep, parts=parts)
    print()
    print(f"Community Trigger benchmarks, {notes['date']}, {notes['machine']['cores']} cores ({notes['machine']['cpu']}),"
          f" PostgreSQL {notes['postgresql']['version']}, {notes['store']['events']:,} events, median of {preset.runs} runs"
          f" ({notes['seconds']:.0f} s in all)")  # fmt: skip
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
        Path(args.json).with_suffix(".notes.json").write_text(json.dumps(notes, indent=2, default=str) + "\n")
        print(f"\nwrote {args.json} (and the run's notes beside it)")
    missed = [r["name"] for r in rows if r.get("target_met") is False]
    if missed:
        print(f"\ntargets missed: {', '.join(missed)} (docs/benchmarks.md says what dominates and what would fix it)")
    return 0
