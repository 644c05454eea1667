"""The Promises read model (RULES.md section 13): its states in SQL are the domain's, it holds no personal data,
and a rebuild from the first event equals the live one."""

import itertools
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from psycopg import sql

from demo.loader import COORDINATOR, agency_actor
from domain.people import Contact, TextRef
from domain.promises import (
    ActionState,
    InformationRequestState,
    action_state,
    information_request_state,
)
from domain.vocabulary import Channel, ContactChannel, Decision, Dissatisfaction, Route
from projections.promises import Promises, action_of, information_request_of
from projections.rebuild import create_beside, rebuild
from service import commands as c
from tests.conftest import without_assessment

D = date(2026, 11, 18)
RECEIVED = date(2026, 10, 1)
AROUND = (None, D - timedelta(days=1), D, D + timedelta(days=1))


class ScratchPromises(Promises):
    schema = "promises__sql_test"


def test_the_sql_states_of_actions_and_requests_are_the_domains_on_every_combination_of_dates(services):
    pool = services.pool
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(ScratchPromises.schema)))
        create_beside(cur, "promises", ScratchPromises.schema)  # the migrations' shape, beside the live one
        actions, requests = [], []
        for due, done, dropped in itertools.product(AROUND, AROUND, AROUND):
            if done and dropped:
                continue  # the domain never has both
            agreed = D - timedelta(days=10)
            row = (
                uuid4(),
                uuid4(),
                RECEIVED,
                uuid4(),
                "vivid-homes",
                uuid4(),
                uuid4(),
                due,
                agreed,
                None,
                done,
                dropped,
            )
            actions.append(row)
        for due, answered in itertools.product(AROUND[1:], AROUND):
            requests.append(
                (uuid4(), uuid4(), RECEIVED, uuid4(), "vivid-homes", D - timedelta(days=5), due, None, None, answered)
            )
        table = sql.Identifier(ScratchPromises.schema, "actions")
        cur.executemany(
            sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)").format(table), actions
        )
        table = sql.Identifier(ScratchPromises.schema, "information_requests")
        cur.executemany(
            sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)").format(table), requests
        )
    try:
        every = ScratchPromises.actions_page(pool, on=D, limit=1000)
        assert len(every) == len(actions)
        for state in ActionState:
            listed = {row["id"] for row in ScratchPromises.actions_page(pool, on=D, state=state, limit=1000)}
            assert listed == {row["id"] for row in every if action_state(action_of(row), D) is state}, state
        every = ScratchPromises.requests_page(pool, on=D, limit=1000)
        for state in InformationRequestState:
            listed = {row["id"] for row in ScratchPromises.requests_page(pool, on=D, state=state, limit=1000)}
            assert listed == {
                row["id"] for row in every if information_request_state(information_request_of(row), D) is state
            }
        # Paging by (due date, id), those without a due date last, visits each row once.
        seen, after = [], None
        while True:
            page = ScratchPromises.actions_page(pool, on=D, after=after, limit=5)
            if not page:
                break
            seen += [row["id"] for row in page]
            after = (page[-1]["due_date"] or date.max, page[-1]["id"])
        assert sorted(seen) == sorted(row[0] for row in actions) and len(seen) == len(set(seen))
    finally:
        with pool.connection() as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(ScratchPromises.schema)))


def _journey(casework) -> None:
    """A case review with every section 13 fact: actions done and dropped, a request answered, updates, a PCC review."""
    at = datetime(2026, 11, 2, 10, tzinfo=UTC)
    person = casework.handle(
        c.RegisterPerson(display_name="Read Model", contact=Contact()), actor=COORDINATOR, now=at
    ).id
    review = casework.handle(c.RequestCaseReview(route=Route.INDIVIDUAL, applicant_id=person, victim_id=person, received_date=date(2026, 11, 2), channel=Channel.ONLINE, dissatisfaction=Dissatisfaction.NOT_SATISFIED), actor=COORDINATOR, now=at).id  # fmt: skip
    decide = c.DecideThreshold(case_review_id=review, decision=Decision.MET, decided_on=date(2026, 11, 3))
    without_assessment(casework).handle(decide, actor=COORDINATOR, now=at.replace(day=3))
    request = uuid4()
    casework.handle(c.RequestInformation(review, request, "vivid-homes", date(2026, 11, 4), date(2026, 11, 11), "Any history?"), actor=COORDINATOR, now=at.replace(day=4))  # fmt: skip
    casework.handle(c.AnswerInformationRequest(review, request, date(2026, 11, 12), "Some"), actor=agency_actor("vivid-homes"), now=at.replace(day=12))  # fmt: skip
    casework.handle(c.GiveUpdate(review, date(2026, 11, 10), ContactChannel.PHONE), actor=COORDINATOR, now=at.replace(day=10))  # fmt: skip
    recommendations = [c.RecommendationInput("Patrol", "hampshire-constabulary", date(2026, 11, 20)), c.RecommendationInput("Mediate", "vivid-homes", None)]  # fmt: skip
    casework.handle(c.CompleteReview(review, date(2026, 11, 13), recommendations), actor=COORDINATOR, now=at.replace(day=13))  # fmt: skip
    casework.handle(c.NotifyOutcome(review, date(2026, 11, 16)), actor=COORDINATOR, now=at.replace(day=16))
    actions = list(casework.case_review(review).actions)
    casework.handle(c.MarkActionDone(review, actions[0], date(2026, 11, 19)), actor=agency_actor("hampshire-constabulary"), now=at.replace(day=19))  # fmt: skip
    casework.handle(c.DropAction(review, actions[1], date(2026, 11, 20), "moved"), actor=COORDINATOR, now=at.replace(day=20))  # fmt: skip
    casework.handle(c.RequestPccReview(review, uuid4(), date(2026, 11, 23), ["procedure_not_followed"]), actor=COORDINATOR, now=at.replace(day=23))  # fmt: skip
    return review


def test_the_read_model_holds_dates_and_ids_only_and_a_rebuild_equals_the_live_one(casework, services):
    review = _journey(casework)
    assert services.runner.wait_for(services.runner.head(), timeout=20)
    model = next(m for m in services.runner.read_models if m.schema == "promises")
    tables = ("actions", "information_requests", "updates_owed", "pcc_reviews")

    def rows() -> dict[str, list]:
        with services.pool.connection() as conn:
            return {
                table: [tuple(r.values()) for r in conn.execute(sql.SQL("SELECT * FROM {} ORDER BY 1").format(model.table(table)))]
                for table in tables
            }  # fmt: skip

    before = rows()
    mine = {table: [row for row in before[table] if review in row] for table in tables}
    assert [len(mine[table]) for table in tables] == [2, 1, 1, 1]
    for table in tables:  # no text: every value is an id, a date, a code, a flag or a list of them
        for row in mine[table]:
            for value in row:
                assert not isinstance(value, str) or value in (
                    "hampshire-constabulary", "vivid-homes", "upheld", "not_upheld",
                ), value  # fmt: skip
    updates = mine["updates_owed"][0]
    assert updates[3] == [date(2026, 11, 10)]  # update dates
    assert updates[6] is None  # escalated to the PCC: not closed
    assert rebuild(casework.store, services.pool, model, batch_size=13) > 0
    assert rows() == before
    texts = casework.resolve_texts([TextRef(r[5], r[6]) for r in mine["actions"]])
    assert sorted(texts.values()) == ["Mediate", "Patrol"]  # the text stays in the applicant's stream
