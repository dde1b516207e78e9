"""`analytics-pipeline dashboards sync|list|render` against a warehouse whose
published tables the transformer built with workspace row-level security: the
render reads as the reader role, and a workspace dashboard sees its rows only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.cli import main
from analytics_pipeline.settings import REPO_DIR
from tests.dashboards.test_generation import EXAMPLE, Widgets, _build, metric_sql

pytestmark = pytest.mark.integration

TABLES = ("analytics_metrics", "daily_metrics", "agent_performance", "top_agents")


@pytest.fixture
def built(empty_database: str) -> None:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        _build(conn)
        for table in TABLES:
            assert warehouse.isolate_workspaces(conn, f"analytics.{table}")
        conn.commit()


def test_sync_list_and_render(built: None, capsys: pytest.CaptureFixture[str]) -> None:
    examples = len(list((REPO_DIR / "dashboards").glob("*.yml")))
    assert main(["dashboards", "sync"]) == 0
    assert capsys.readouterr().out == f"inserted: {examples}, updated: 0, unchanged: 0\n"
    assert main(["dashboards", "sync"]) == 0
    assert capsys.readouterr().out == f"inserted: 0, updated: 0, unchanged: {examples}\n"

    assert main(["dashboards", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[1].split()[:4] == ["agent_platform_overview", "OWNER", "all", "7"]

    code = main(["dashboards", "render", EXAMPLE.id, "--as-of", "2026-03-31", "--format", "html"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0, out
    fmt, status, path = out[0].split()[:3]
    assert (fmt, status, out[-1]) == ("html", "completed", f"done: {EXAMPLE.id} as of 2026-03-31")
    parser = Widgets()
    with open(path, encoding="utf-8") as page:
        parser.feed(page.read())
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
        runs = metric_sql(conn, "sum", "total_runs", "2026-03-01", "2026-03-30")
    assert Decimal(parser.widgets["total_runs"]["data-value"]) == runs

    assert main(["dashboards", "render", "nobody"]) == 2
    assert "no active dashboard 'nobody'" in capsys.readouterr().err


def test_a_bad_file_stops_the_sync_naming_the_field(
    analytics_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = (REPO_DIR / "dashboards" / f"{EXAMPLE.id}.yml").read_text(encoding="utf-8")
    (tmp_path / f"{EXAMPLE.id}.yml").write_text(
        text.replace(
            "layout: {row: 1, column: 10, width: 3}", "layout: {row: 1, column: 10, width: 4}"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("ANALYTICS_DASHBOARDS_DIR", str(tmp_path))
    assert main(["dashboards", "sync"]) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path / EXAMPLE.id}.yml: widgets[3].layout.width: column 10 + width 4 "
        "ends at column 13, outside the 12-column grid\n"
    )
