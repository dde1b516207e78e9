"""The `analytics-pipeline` command: parses the arguments and hands them to the
subcommand (commands/actions.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from analytics_pipeline.commands.actions import EXIT_FAILED, EXIT_USAGE  # noqa: F401 (re-exported)


def _add_packs_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pack",
        dest="packs",
        action="append",
        metavar="PACK",
        default=None,
        help="domain pack to include (hr, hospital, qms), repeatable; default: every pack; "
        "'none': the core only",
    )


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from None


def _fraction(value: str) -> float:
    number = float(value)
    if not 0 <= number < 1:
        raise argparse.ArgumentTypeError("must be a fraction in [0, 1)")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="analytics-pipeline",
        description="Raw platform events to analytics tables on PostgreSQL (dbt + Dagster).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    wh = sub.add_parser("warehouse", help="the PostgreSQL warehouse")
    wh.add_argument("action", choices=["url", "start", "stop", "status", "psql"])
    wh.add_argument(
        "--role",
        choices=["admin", "loader", "transformer", "reader", "dagster"],
        default="admin",
        help="url, psql: connect as this role (default admin; analysts: reader)",
    )

    ing = sub.add_parser("ingest", help="load contract files into raw.<SOURCE>")
    ing.add_argument("source", metavar="SOURCE")
    ing.add_argument("files", metavar="FILE", nargs="+", type=Path)

    gen = sub.add_parser("generate", help="write a sample dataset of contract files")
    gen.add_argument("--workspaces", type=_positive, default=3)
    gen.add_argument("--users", type=_positive, default=300)
    gen.add_argument("--days", type=_positive, default=60)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--bad-rows", type=_fraction, default=0.0, metavar="FRACTION")
    gen.add_argument(
        "--end-date", type=_date, default=None, help="last day of the data (default 2026-09-30)"
    )
    _add_packs_argument(gen)

    demo = sub.add_parser("demo", help="start, generate, ingest, materialize everything")
    demo.add_argument("--workspaces", type=_positive, default=3)
    demo.add_argument("--users", type=_positive, default=300)
    demo.add_argument("--days", type=_positive, default=60)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--bad-rows", type=_fraction, default=0.01, metavar="FRACTION")
    demo.add_argument(
        "--end-date",
        type=_date,
        default=None,
        help="last day of the sample (default: the existing sample's, else yesterday UTC)",
    )
    _add_packs_argument(demo)

    mat = sub.add_parser("materialize", help="materialize assets")
    mat.add_argument(
        "--select",
        default=None,
        help="Dagster asset selection, e.g. 'group:staging' or 'key:raw/users+'",
    )
    mat.add_argument(
        "--as-of",
        type=_date,
        default=None,
        help="partition (YYYY-MM-DD) for daily-partitioned assets",
    )
    mat.add_argument(
        "--from",
        dest="first_day",
        type=_date,
        default=None,
        help="with --as-of: materialize the partitions FROM..AS_OF in one run",
    )

    extract = sub.add_parser(
        "extract", help="extract a domain pack's operational database into raw (incremental)"
    )
    extract.add_argument("pack", choices=["hospital"])
    extract.add_argument(
        "--url",
        required=True,
        help="the operational database (postgresql://...; a read-only role is enough)",
    )
    extract.add_argument(
        "--overlap-minutes",
        type=_positive,
        default=10,
        help="re-read this much before the cursor, for transactions that commit late, where"
        " the role cannot see the open transactions (no pg_read_all_stats)",
    )

    report = sub.add_parser("report", help="report definitions and runs")
    report_sub = report.add_subparsers(dest="action", required=True)
    report_sub.add_parser("sync", help="sync reports/*.yml into control.report_definitions")
    report_sub.add_parser("list", help="list the active report definitions")
    verify = report_sub.add_parser(
        "verify",
        help="re-hash the rendered files of completed executions: OK, CHANGED or MISSING each"
        " (exit 1 if any changed or is missing)",
    )
    verify.add_argument(
        "report_id", metavar="REPORT_ID", nargs="?", default=None, help="default: every report"
    )
    run = report_sub.add_parser(
        "run", help="render a report now (through Dagster), whatever its schedule (manual too)"
    )
    run.add_argument("report_id", metavar="REPORT_ID")
    run.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=["csv", "xlsx", "pdf", "json"],
        default=[],
        help="format to produce (repeatable; default: the definition's formats)",
    )
    run.add_argument(
        "--scheduled-for",
        default=None,
        metavar="ISO_TIME",
        help="the scheduled time the run stands for, with offset (default: now)",
    )

    dashboards = sub.add_parser("dashboards", help="dashboard definitions and renders")
    dashboards_sub = dashboards.add_subparsers(dest="action", required=True)
    dashboards_sub.add_parser(
        "sync", help="sync dashboards/*.yml into control.dashboard_definitions"
    )
    dashboards_sub.add_parser("list", help="list the active dashboard definitions")
    render = dashboards_sub.add_parser(
        "render", help="render a dashboard now to HTML and PDF and record the executions"
    )
    render.add_argument("dashboard_id", metavar="DASHBOARD_ID")
    render.add_argument(
        "--as-of",
        dest="as_of",
        type=_date,
        default=None,
        metavar="DATE",
        help="the dashboard's today, for its relative date ranges (default: the run's date)",
    )
    render.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=["html", "pdf"],
        default=[],
        help="format to produce (repeatable; default: the definition's formats)",
    )
    dashboards_verify = dashboards_sub.add_parser(
        "verify",
        help="re-hash the rendered files of completed executions: OK, CHANGED or MISSING each"
        " (exit 1 if any changed or is missing)",
    )
    dashboards_verify.add_argument(
        "dashboard_id",
        metavar="DASHBOARD_ID",
        nargs="?",
        default=None,
        help="default: every dashboard",
    )
    serve = dashboards_sub.add_parser(
        "serve",
        help="serve an index of the dashboards and their latest HTML and PDF files on 127.0.0.1",
    )
    serve.add_argument("--port", type=_positive, default=8050, help="port (default 8050)")

    alerts = sub.add_parser("alerts", help="alert rules, their evaluations and notifications")
    alerts_sub = alerts.add_subparsers(dest="action", required=True)
    alerts_sub.add_parser("sync", help="sync alerts/*.yml into control.alert_rules")
    alerts_sub.add_parser("list", help="list the active rules with their state")
    alert_test = alerts_sub.add_parser(
        "test",
        help="measure a rule and send a test notification through its channels (records nothing)",
    )
    alert_test.add_argument("rule_id", metavar="RULE")
    alert_test.add_argument(
        "--as-of",
        dest="as_of",
        type=_date,
        default=None,
        metavar="DATE",
        help="the last day of the window (default: yesterday, UTC)",
    )
    alert_test.add_argument(
        "--no-send", dest="send", action="store_false", help="only measure and judge"
    )
    ack = alerts_sub.add_parser("ack", help="acknowledge an evaluation (alert_history id)")
    ack.add_argument("history_id", metavar="ID", type=_positive)
    ack.add_argument("--note", default=None, help="why, what was done")
    ack.add_argument("--by", default=None, help="who (default: the login name)")
    history = alerts_sub.add_parser("history", help="the newest evaluations, newest first")
    history.add_argument("rule_id", metavar="RULE", nargs="?", default=None)
    history.add_argument("--limit", type=_positive, default=50)

    retention = sub.add_parser(
        "retention", help="retention of raw, published and quarantined rows (retention.yml)"
    )
    retention_sub = retention.add_subparsers(dest="action", required=True)
    retention_run = retention_sub.add_parser(
        "run", help="drop expired partitions, delete expired rows, null old quarantine payloads"
    )
    retention_run.add_argument(
        "--as-of",
        dest="as_of",
        type=_date,
        default=None,
        metavar="DATE",
        help="the day retention counts back from (default: the newest event's day)",
    )
    retention_run.add_argument(
        "--dry-run", action="store_true", help="count what would go, change nothing"
    )
    retention_sub.add_parser(
        "show", help="the retention settings and the raw event tables' partitions with rows"
    )

    ui = sub.add_parser("ui", help="start the Dagster UI and daemon (dagster dev)")
    ui.add_argument("--port", type=_positive, default=3000, help="webserver port (127.0.0.1)")

    docs = sub.add_parser("docs", help="build the dbt docs site (and optionally serve it)")
    docs.add_argument("--serve", action="store_true", help="serve it on 127.0.0.1")
    docs.add_argument("--port", type=_positive, default=8080)

    lint = sub.add_parser(
        "lint", help="check the dbt project: dbt-score (metadata), sqlfluff (models' SQL)"
    )
    lint.add_argument(
        "--only",
        dest="checks",
        action="append",
        choices=["score", "sql"],
        default=[],
        help="run only this check (repeatable; default: both; sql starts the warehouse)",
    )

    bench = sub.add_parser("bench", help="benchmarks")
    bench.add_argument("what", choices=["ingest", "learning", "reports", "extract", "retention"])
    bench.add_argument(
        "--rows",
        type=_positive,
        default=1_000_000,
        help="ingest: rows; reports: report rows; retention: raw table rows",
    )
    bench.add_argument(
        "--attempts", type=_positive, default=1_000_000, help="learning: question attempts"
    )
    bench.add_argument("--learners", type=_positive, default=2_000, help="learning: learners")
    bench.add_argument(
        "--appointments",
        type=_positive,
        default=1_000_000,
        help="extract: appointments in the operational database",
    )
    bench.add_argument("--days", type=_positive, default=90, help="learning: days")
    erasure = sub.add_parser(
        "erasure", help="erase the users who asked for deletion (right to be forgotten)"
    )
    erasure_sub = erasure.add_subparsers(dest="action", required=True)
    erase = erasure_sub.add_parser(
        "run", help="erase every deleted user now; prints the rows erased per table"
    )
    erase.add_argument(
        "--dry-run", action="store_true", help="say what would be erased, change nothing"
    )
    log = erasure_sub.add_parser("log", help="print control.erasure_log, newest first")
    log.add_argument("--limit", type=_positive, default=None, help="at most N users")

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from analytics_pipeline.warehouse import WarehouseError

    if args.command in _DAGSTER_COMMANDS:
        from analytics_pipeline.console import quiet_dagster_warnings

        quiet_dagster_warnings()
    try:
        from analytics_pipeline.commands import actions

        return getattr(actions, _COMMANDS[args.command])(args)
    except WarehouseError as exc:  # no server, unreachable or unusable URL
        print(f"error: warehouse: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_USAGE
    except (LookupError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE


# Commands that load the Dagster code location.
_DAGSTER_COMMANDS = {"demo", "materialize", "report", "docs", "bench"}
_COMMANDS = {
    name: f"{name}_command"
    for name in (
        "warehouse",
        "ingest",
        "extract",
        "generate",
        "demo",
        "materialize",
        "report",
        "dashboards",
        "alerts",
        "retention",
        "ui",
        "docs",
        "bench",
        "lint",
        "erasure",
    )
}

if __name__ == "__main__":
    sys.exit(main())
