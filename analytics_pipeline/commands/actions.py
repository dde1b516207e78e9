"""What each `analytics-pipeline` subcommand does, given its parsed arguments
(cli.py parses them). Each returns the exit code; user errors raise
LookupError, FileNotFoundError, ValueError or WarehouseError, which the CLI
says in one line."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

EXIT_FAILED = 1
EXIT_USAGE = 2


def warehouse_command(args) -> int:
    from analytics_pipeline import warehouse
    from analytics_pipeline.settings import get_settings
    from analytics_pipeline.warehouse.embedded import psql_path

    settings = get_settings()
    role = warehouse.Role(args.role)
    if args.action == "url":
        print(_role_url(role).render_as_string(hide_password=False))
    elif args.action in ("start", "stop", "status") and not settings.uses_embedded_server:
        print(
            "ANALYTICS_DATABASE_URL is set: the warehouse is an external server, "
            "not started or stopped here"
        )
    elif args.action == "start":
        started = warehouse.embedded_server().start()
        print(("started" if started else "already running") + f" (data in {settings.pgdata_dir})")
        print(warehouse.warehouse_url(warehouse.Role.ADMIN).render_as_string(hide_password=False))
    elif args.action == "stop":
        print("stopped" if warehouse.embedded_server().stop() else "not running")
    elif args.action == "status":
        running = warehouse.embedded_server().is_running()
        print(
            f"embedded server {'running' if running else 'stopped'} (data in {settings.pgdata_dir})"
        )
        return 0 if running else EXIT_FAILED
    else:  # psql
        params = warehouse.libpq_params(_role_url(role))
        # The password through the environment, not the command line (ps shows that).
        password = params.pop("password", None)
        if password:
            os.environ["PGPASSWORD"] = password
        conninfo = " ".join(f"{k}={v}" for k, v in params.items())
        os.execv(psql_path(), [psql_path(), conninfo])
    return 0


def _role_url(role):
    from analytics_pipeline import warehouse

    if role is warehouse.Role.DAGSTER:
        return warehouse.dagster_storage_url()
    return warehouse.warehouse_url(role)


# How the loader's one-line failure reasons ("Type: message") read to a person.
_FAILURE_WORDS = {
    "EOFError": "truncated file",
    "BadGzipFile": "not a valid gzip file",
    "PermissionError": "cannot read the file",
    "IsADirectoryError": "not a file",
    "UnicodeDecodeError": "not UTF-8 text",
}


def _failure_line(failure) -> str:
    kind, _, message = failure.reason.partition(": ")
    if kind == "FileNotFoundError":
        reason = "no such file"
    elif kind in _FAILURE_WORDS:
        reason = f"{_FAILURE_WORDS[kind]} ({message})"
    else:
        reason = (message or failure.reason).removeprefix(f"{Path(failure.file).name}: ")
    return f"error: {failure.file}: {reason}; not loaded"


def ingest_command(args) -> int:
    from analytics_pipeline.console import progress
    from analytics_pipeline.ingest import IngestError, ingest_files
    from analytics_pipeline.ingest.contract import get_source
    from analytics_pipeline.ingest.ledger import record_failures

    get_source(args.source)  # an unknown source is an error before anything else
    failures = []
    with progress() as say:
        pending = iter(args.files)

        def next_file() -> None:
            path = next(pending, None)
            say.status = f"loading {path}" if path else ""

        def report(result) -> None:
            if result.status == "skipped":
                say(f"{result.file}: skipped (already ingested in batch {result.batch_id})")
            elif result.status == "empty":
                say(f"{result.file}: empty, no rows (recorded in batch {result.batch_id})")
            else:
                say(
                    f"{result.file}: read {result.rows_read:,}, loaded {result.rows_loaded:,}, "
                    f"quarantined {result.rows_quarantined:,} ({result.seconds:.1f}s)"
                )
            next_file()

        def failed(failure) -> None:
            say.error(_failure_line(failure))
            failures.append(failure)
            next_file()

        next_file()
        try:
            results = ingest_files(args.source, args.files, progress=report, on_failure=failed)
        except IngestError as exc:  # the connection was lost: nothing more can load
            say.error(f"error: {exc}")
            return EXIT_FAILED
    record_failures(failures)
    loaded = [r for r in results if r.status == "loaded"]
    skipped = sum(r.status == "skipped" for r in results)
    empty = sum(r.status == "empty" for r in results)
    print(
        f"total: {len(args.files)} files ({skipped} skipped, {empty} empty, "
        f"{len(failures)} failed), "
        f"read {sum(r.rows_read for r in loaded):,}, "
        f"loaded {sum(r.rows_loaded for r in loaded):,}, "
        f"quarantined {sum(r.rows_quarantined for r in loaded):,}"
    )
    if failures:
        print(
            f"error: {len(failures)} of {len(args.files)} files not loaded "
            "(recorded in raw._ingest_failures)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return 0


def extract_command(args) -> int:
    import datetime as dt

    from analytics_pipeline.console import progress
    from analytics_pipeline.ingest.extract.hospital import extract_hospital

    with progress() as say:
        results = extract_hospital(
            args.url, overlap=dt.timedelta(minutes=args.overlap_minutes), say=say
        )
    new = sum(r.rows_new for r in results)
    seconds = sum(r.seconds for r in results)
    print(f"{args.pack}: {new:,} new rows from {len(results)} tables in {seconds:.1f}s")
    return 0


def _chosen_packs(args, every: tuple[str, ...]) -> tuple[str, ...]:
    """The domain packs of `--pack` (repeatable): `every` without one, none for 'none'."""
    return every if args.packs is None else tuple(p for p in args.packs if p != "none")


def generate_command(args) -> int:
    from analytics_pipeline.sample_data import FILE_PACKS, generate_sample

    options = {} if args.end_date is None else {"end_date": args.end_date}
    summary = generate_sample(
        args.out,
        workspaces=args.workspaces,
        users=args.users,
        days=args.days,
        seed=args.seed,
        bad_rows=args.bad_rows,
        packs=_chosen_packs(args, FILE_PACKS),
        progress=print,
        **options,
    )
    width = max(map(len, summary.files))
    for source, paths in sorted(summary.files.items()):
        bad = sum(summary.bad_rows.get(source, {}).values())
        print(
            f"{source:<{width}} {len(paths):>4} files {summary.rows_written[source]:>10,} rows"
            f" ({bad:,} invalid)"
        )
    print(f"written to {args.out}")
    return 0


def demo_command(args) -> int:
    from analytics_pipeline.commands.demo import DemoOptions, run_demo
    from analytics_pipeline.console import logged_output
    from analytics_pipeline.ingest.contract import PACKS

    options = DemoOptions(
        args.workspaces,
        args.users,
        args.days,
        args.seed,
        args.bad_rows,
        args.end_date,
        packs=_chosen_packs(args, PACKS),
    )
    with logged_output("demo") as say:
        if run_demo(options, say=say):
            return 0
    print(f"error: the demo failed (above; full log: {say.log_path})", file=sys.stderr)
    return EXIT_FAILED


def materialize_command(args) -> int:
    from analytics_pipeline.commands.build import DAILY_RUN, build, without_maintenance
    from analytics_pipeline.commands.materialize import resolve_selection
    from analytics_pipeline.console import logged_output
    from analytics_pipeline.dagster_instance import prepare_dagster_home

    started = time.perf_counter()
    if args.select is not None and not args.select.strip():
        raise ValueError("--select: empty selection")
    # --as-of alone: what the daily schedules build for that day.
    selection = DAILY_RUN if args.select is None and args.as_of is not None else args.select
    with logged_output("materialize") as say:
        keys = resolve_selection(selection, say=say)  # loads the code location: logged
        if selection is None:
            keys = without_maintenance(keys)
        prepare_dagster_home()
        outcome = build(
            keys,
            as_of=args.as_of.isoformat() if args.as_of else None,
            first_day=args.first_day.isoformat() if args.first_day else None,
            tags={"analytics/launched_by": "cli"},
            say=say,
            started=started,
        )
        elapsed = time.perf_counter() - started
        if outcome.success:
            say(f"[{elapsed:6.1f}s] done: {len(outcome.assets)} assets materialized")
            return 0
    print(f"error: materialize failed (above; full log: {say.log_path})", file=sys.stderr)
    return EXIT_FAILED


def ui_command(args) -> int:
    from analytics_pipeline import warehouse
    from analytics_pipeline.commands.processes import run_until_signalled
    from analytics_pipeline.dagster_instance import prepare_dagster_home
    from analytics_pipeline.settings import REPO_DIR

    warehouse.warehouse_url(warehouse.Role.ADMIN)
    prepare_dagster_home()
    dagster = Path(sys.executable).with_name("dagster")
    command = [
        str(dagster),
        "dev",
        "-w",
        str(REPO_DIR / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(args.port),
    ]
    return run_until_signalled(command, cwd=REPO_DIR)


def report_command(args) -> int:
    from analytics_pipeline.commands import reports as commands

    if args.action == "sync":
        ok, message = commands.sync_reports()
        print(message)
        return 0 if ok else EXIT_FAILED
    if args.action == "list":
        commands.list_reports()
        return 0
    if args.action == "verify":
        return 0 if commands.verify_reports(args.report_id) else EXIT_FAILED
    outcome = commands.run_report(args.report_id, args.formats, args.scheduled_for)
    for fmt, path, rows, size in outcome.files:
        print(f"{fmt:5} {path}  ({rows if rows is not None else '-'} rows, {size or '-'} bytes)")
    if not outcome.success:
        print(f"error: {outcome.message}", file=sys.stderr)
        return EXIT_FAILED
    print(f"done: {outcome.message}")
    return 0


def dashboards_command(args) -> int:
    from analytics_pipeline.commands import dashboards as commands

    if args.action == "sync":
        print(commands.sync_dashboard_files())
        return 0
    if args.action == "list":
        commands.list_dashboards()
        return 0
    if args.action == "verify":
        return 0 if commands.verify_dashboards(args.dashboard_id) else EXIT_FAILED
    if args.action == "serve":
        commands.serve_dashboards(args.port)
        return 0
    run = commands.render_dashboard_now(args.dashboard_id, args.as_of, args.formats)
    for outcome in run.outcomes:
        execution = outcome.execution
        where = execution.file_path if execution and execution.file_path else outcome.message
        size = execution.file_size if execution else None
        print(f"{outcome.format:5} {outcome.status:9} {where}  ({size or '-'} bytes)")
    if run.failed:
        return EXIT_FAILED
    print(f"done: {run.dashboard_id} as of {run.reference_date.isoformat()}")
    return 0


def alerts_command(args) -> int:
    from analytics_pipeline.commands import alerts as commands

    if args.action == "sync":
        print(commands.sync_rule_files())
    elif args.action == "list":
        commands.list_rules()
    elif args.action == "test":
        outcomes = commands.test_rule(args.rule_id, args.as_of, args.send)
        if any(outcome.status == "failed" for outcome in outcomes):
            return EXIT_FAILED
    elif args.action == "ack":
        print(commands.acknowledge_evaluation(args.history_id, args.note, args.by))
    else:
        commands.show_history(args.rule_id, args.limit)
    return 0


def erasure_command(args) -> int:
    from analytics_pipeline.commands import erasure as commands

    if args.action == "log":
        commands.print_log(args.limit)
    else:
        commands.erase_now(args.dry_run)
    return 0


def docs_command(args) -> int:
    from analytics_pipeline.commands.docs import generate_docs, serve_docs

    index = generate_docs()
    print(f"dbt docs built: {index}")
    print("open it in a browser, or run `analytics-pipeline docs --serve`")
    if args.serve:
        return serve_docs(args.port)
    return 0


def retention_command(args) -> int:
    from analytics_pipeline.commands.retention import retention_run, retention_show

    if args.action == "run":
        return retention_run(args.as_of, args.dry_run)
    return retention_show()


def bench_command(args) -> int:
    from analytics_pipeline.commands.benchmarks import (
        bench_extract,
        bench_ingest,
        bench_learning,
        bench_reports,
        bench_retention,
    )

    if args.what == "extract":
        bench_extract(args.appointments)
    elif args.what == "learning":
        bench_learning(args.learners, args.attempts, args.days)
    elif args.what == "reports":
        bench_reports(args.rows)
    elif args.what == "retention":
        bench_retention(args.rows)
    else:
        bench_ingest(args.rows)
    return 0


def lint_command(args) -> int:
    from analytics_pipeline.commands.lint import CHECKS, run_lint

    return run_lint(args.checks or CHECKS)
