"""The partner API (API.md): FastAPI over the event store and the read models."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request

from api import audit, consistency, idempotency, observability, openapi, problems, writes
from api.answers import HealthOut
from api.openapi import problems as problem_answers
from api.problems import Problem
from api.routes import (
    actions,
    case_review_journey,
    case_reviews,
    complaints,
    consents,
    deadlines,
    events,
    information_requests,
    letters,
    pcc_reviews,
    people,
    policies,
    potential_triggers,
    reports,
    subscriptions,
)
from api.routes import audit as audit_routes
from service.bootstrap import Services, open_services
from service.projection_worker import ProjectionWorker
from service.settings import Settings
from service.webhooks import AlarmCheck, Alarms, Deliveries

# How `serve` runs uvicorn. The benchmarks serve our app and the bare baseline with these too.
# "auto" takes uvloop and httptools (dependencies, where they install) and falls back to asyncio and h11.
UVICORN_OPTIONS = {"loop": "auto", "http": "auto"}


def app_from_environment(database_url: str | None = None) -> FastAPI:
    """The app as `community-trigger serve` runs it, configured by the environment alone (DATABASE_URL and
    COMMUNITY_TRIGGER_*): what each process of `serve --workers N` imports, and the benchmarks' server."""
    settings = Settings.from_environment()
    url = database_url or settings.database_url
    if not url:
        raise RuntimeError("DATABASE_URL is not set: `community-trigger serve` sets it for the processes it starts")
    return create_app(
        url,
        pool_size=settings.pool_size,
        read_wait_seconds=settings.read_wait_seconds,
        projections=settings.projections,
        health_max_lag_seconds=settings.health_max_lag_seconds,
        webhooks=True,  # with inline projections, the server sends the deliveries too; else its child or worker does
    )


def create_app(
    database_url: str,
    *,
    pool_size: int = 5,
    read_wait_seconds: float = 5.0,
    projections: str = "inline",
    check_audit: bool = False,
    webhooks: bool = False,
    health_max_lag_seconds: float = 30.0,
) -> FastAPI:
    """`check_audit`: routes that name the person ids of their answers (api/audit.py AuditedJSON) are
    checked against a walk of each answer, and fail on a difference (the test suite turns it on).

    `projections`: "inline" (a thread here moves the read models), "process" (a child process this app
    starts and stops does, api/projection_worker.py) or "worker" (someone else runs `projections run`).
    Outside "inline" this process follows the positions the other one reaches (`ProjectionRunner.watch`).

    `webhooks`: with "inline" projections, this process also sends the subscriptions' deliveries and runs the
    periodic check of deadlines (service/webhooks.py); otherwise the process that runs the projections does."""
    if projections not in ("inline", "process", "worker"):
        raise ValueError(f"projections is inline, process or worker, not {projections!r}")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        inline = projections == "inline"
        app.state.services = open_services(database_url, pool_size, read_wait_seconds, run_projections=inline)
        idempotency.purge_expired(app.state.services.pool)
        app.state.audit_writer = audit.AuditWriter(app.state.services.pool)
        observability.count_appends(app.state.services.store, app.state.metrics)
        worker: ProjectionWorker | None = None
        if projections == "process":
            # Start current, as inline does (or, while another process's runner applies, wait a little for it).
            app.state.services.runner.catch_up(wait_seconds=read_wait_seconds)
        if not inline:
            app.state.services.runner.watch()
        if projections == "process":
            worker = ProjectionWorker(database_url)
            worker.start()
        app.state.projection_worker = worker
        senders = []
        if webhooks and inline:
            svc = app.state.services
            senders = [Deliveries(database_url).start(), AlarmCheck(Alarms(svc.store, svc.pool, svc.policies)).start()]
        # What start-up made (modules, routes, schemas, pools) lives as long as the process: keep it
        # out of the collector's full passes, which otherwise stop every request for tens of
        # milliseconds each time they walk it (seen as the p99 under load).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            for sender in senders:
                sender.stop()
            app.state.audit_writer.close()
            if worker is not None:
                worker.stop()
            app.state.services.close()

    app = FastAPI(
        title="Community Trigger",
        version="1",
        description="Case tracking for ASB Case Reviews (the Community Trigger). See API.md for the contract.",
        lifespan=lifespan,
    )
    problems.install(app)
    audit.install(app, check_declared=check_audit)  # innermost of the three layers: it sees each read's JSON
    idempotency.install(app)
    consistency.install(app)  # outside the Idempotency-Key layer: a replayed write answers a token too
    app.add_middleware(problems.DatabaseUnavailableGuard)  # outside the layers that use the database
    writes.install(app)  # outside the Idempotency-Key layer: a replayed answer gets its ETag and Location too
    observability.install(app)  # outermost: it times, counts and logs every request, refusals included
    openapi.document(app)  # after the layers that add to the OpenAPI themselves (Idempotency-Key)
    app.include_router(audit_routes.router)
    for routes in (people, complaints, consents, case_reviews, deadlines, events, policies, reports):
        app.include_router(routes.router)
    for routes in (
        case_review_journey,
        actions,
        information_requests,
        letters,
        pcc_reviews,
        potential_triggers,
        subscriptions,
    ):
        app.include_router(routes.router)

    @app.get(
        "/healthz", tags=["health"], summary="Is the service ready (no key needed)", response_model=HealthOut,
        responses=problem_answers(503),
    )  # fmt: skip
    def healthz(request: Request) -> Any:
        """Ready (200) when the database answers, `degraded` when the read models fall behind or nothing moves them;
        503 only when the database does not answer (a load balancer keeps a degraded server: all share the lag)."""
        svc: Services = request.app.state.services
        try:
            with svc.pool.connection() as conn:
                conn.execute("SELECT 1")
            lag = svc.runner.lag()
            running = svc.runner.holding or svc.runner.holder_present()
        except Exception as error:  # the database is down: not ready, but answer
            return problems.problem_response(
                Problem(503, "Database unavailable", f"the database does not answer: {error.__class__.__name__}")
            )
        found = []
        if lag["seconds"] > health_max_lag_seconds:
            found.append(
                f"the read models are {lag['seconds']:.0f} s ({lag['events']} events) behind the event store, more "
                f"than {health_max_lag_seconds:g} s"
            )
        if not running:
            found.append(
                "no projection runner is running: the read models do not move (see COMMUNITY_TRIGGER_PROJECTIONS)"
            )
        return {
            "status": "degraded" if found else "ok",
            "database": "ok",
            "projections": {
                "lag_events": lag["events"], "lag_seconds": lag["seconds"], "position": lag["position"],
                "runner": "running" if running else "none",
            },
            "problems": found,
        }  # fmt: skip

    return app
