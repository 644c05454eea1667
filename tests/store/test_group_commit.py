"""Concurrent commands are saved together (GroupCommit), each still all or nothing and answered after its commit."""

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from domain.actor import Actor
from domain.people import Contact
from domain.vocabulary import ComplaintCategory, Role
from service import commands as c
from store.group_commit import GroupCommit, GroupFailed

COORDINATOR = Actor(key_id="group-commit-test", role=Role.COORDINATOR, agency=None)


@dataclass
class Aggregate:
    id: uuid.UUID


@dataclass
class Event:
    originator_id: uuid.UUID


@dataclass
class Recording:
    domain_event: Event


class SlowSave:
    """A save that takes a while, as a commit does, noting each group it was given."""

    def __init__(self, refuse: uuid.UUID | None = None) -> None:
        self.groups: list[list[uuid.UUID]] = []
        self.refuse = refuse
        self.lock = threading.Lock()

    def __call__(self, *aggregates: Aggregate) -> list[Recording]:
        time.sleep(0.01)
        with self.lock:
            self.groups.append([a.id for a in aggregates])
        if self.refuse in {a.id for a in aggregates}:
            raise ValueError("refused")
        return [Recording(Event(a.id)) for a in aggregates for _ in range(2)]  # two events each


def _run_concurrently(group: GroupCommit, commands: list[list[Aggregate]]) -> list[object]:
    answers: list[object] = [None] * len(commands)
    start = threading.Barrier(len(commands))

    def run(index: int) -> None:
        start.wait()
        try:
            answers[index] = group.save(commands[index])
        except Exception as error:
            answers[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(commands))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_concurrent_commands_share_saves_and_each_gets_only_its_own_recordings():
    save = SlowSave()
    group = GroupCommit(save)
    commands = [[Aggregate(uuid.uuid4()), Aggregate(uuid.uuid4())] for _ in range(16)]
    answers = _run_concurrently(group, commands)
    for command, answer in zip(commands, answers, strict=True):
        assert isinstance(answer, list)
        assert [r.domain_event.originator_id for r in answer] == [a.id for a in command for _ in range(2)]
    saved = [aggregate_id for ids in save.groups for aggregate_id in ids]
    assert sorted(saved) == sorted(a.id for command in commands for a in command)  # each saved exactly once
    assert len(save.groups) < len(commands)  # some were saved together


def test_a_failed_group_records_nothing_and_tells_each_command_to_run_alone():
    commands = [[Aggregate(uuid.uuid4())] for _ in range(12)]
    save = SlowSave(refuse=commands[5][0].id)
    answers = _run_concurrently(GroupCommit(save), commands)
    for command, answer in zip(commands, answers, strict=True):
        in_group_of = next(len(ids) for ids in save.groups if command[0].id in ids)
        if command[0].id == save.refuse:
            assert isinstance(answer, GroupFailed if in_group_of > 1 else ValueError)
        elif any(save.refuse in ids and command[0].id in ids for ids in save.groups):
            assert isinstance(answer, GroupFailed)
        else:
            assert isinstance(answer, list) and answer


def test_a_command_alone_gets_the_save_error_itself():
    aggregate = Aggregate(uuid.uuid4())
    with pytest.raises(ValueError):
        GroupCommit(SlowSave(refuse=aggregate.id)).save([aggregate])


def test_concurrent_commands_on_the_store_are_each_recorded_once(casework):
    now = datetime.now(UTC)
    victim = casework.handle(
        c.RegisterPerson(display_name="Group Commit Victim", contact=Contact()), actor=COORDINATOR, now=now
    ).id
    complaint = casework.handle(c.LogComplaint(victim_id=victim, complainant_id=None, agency="hampshire-constabulary", agency_reference=None, incident_date=date(2026, 10, 1), reported_date=date(2026, 10, 2), caused_had=True, category=ComplaintCategory.NOISE, location=None, description=None, incident_ref=None), actor=COORDINATOR, now=now).id  # fmt: skip
    written, failures = [], []
    start = threading.Barrier(16)

    def log_one(index: int) -> None:
        start.wait()
        try:
            if index % 4 == 0:  # these four change the same complaint: they conflict, and are retried
                result = casework.handle(
                    c.AmendComplaint(complaint_id=complaint, changes={"agency_reference": f"REF-{index}"}),
                    actor=COORDINATOR,
                    now=datetime.now(UTC),
                )
            else:
                result = casework.handle(c.LogComplaint(victim_id=victim, complainant_id=None, agency="hampshire-constabulary", agency_reference=None, incident_date=date(2026, 10, 1), reported_date=date(2026, 10, 2), caused_had=True, category=ComplaintCategory.NOISE, location=f"Place {index}", description=f"Noise {index}", incident_ref=None), actor=COORDINATOR, now=datetime.now(UTC))  # fmt: skip
            written.append(result)
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=log_one, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(written) == 16 and all(result.position > 0 for result in written)
    assert casework.complaint(complaint).version == 1 + 4  # logged, then amended four times
    logged = [result for result in written if result.id != complaint]
    assert len({result.id for result in logged}) == 12
    for result in logged:  # each with its two texts, recorded once
        stored = casework.complaint(result.id)
        assert stored.version == 1
        assert casework.resolve_texts([stored.location])[stored.location].startswith("Place ")
