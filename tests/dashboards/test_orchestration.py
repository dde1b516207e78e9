"""Dashboards in Dagster against a real warehouse and real Dagster runs: the
schedule sensor (file sync, due runs with run keys, a dashboard rendered
already not requested again, one defined only in the table run as its
partition of dashboards/defined_in_table), the
example dashboard materialized through its asset by `materialize`'s stage
(files, executions and metadata agreeing, nothing rendered twice),
`dashboards verify` after a file was changed and another deleted, and
`dashboards serve` answering a real HTTP client."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import PIL.Image
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.cli import main as cli_main
from analytics_pipeline.commands.build import materialize_dashboards
from analytics_pipeline.dagster_instance import get_instance, prepare_dagster_home
from analytics_pipeline.dashboards.sensors import _asset_keys, evaluate_dashboard_schedules
from analytics_pipeline.dashboards.server import DashboardServer
from analytics_pipeline.settings import REPO_DIR
from tests.dashboards.test_cli import built  # noqa: F401 (fixture: the example's tables)
from tests.dashboards.test_generation import EXAMPLE, SCHEDULED

pytestmark = pytest.mark.integration

KEY = dg.AssetKey(["dashboards", EXAMPLE.id])
TAGS = {"analytics/launched_by": "test"}


@pytest.fixture
def dashboards_env(built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    """The example dashboard alone in a definitions folder, a Dagster home of the test's own."""
    directory = tmp_path / "dashboards"
    directory.mkdir()
    shutil.copy(REPO_DIR / "dashboards" / f"{EXAMPLE.id}.yml", directory)
    monkeypatch.setenv("ANALYTICS_DASHBOARDS_DIR", str(directory))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.delenv("ANALYTICS_SMTP_HOST", raising=False)
    prepare_dagster_home()
    return directory


def _tick(cursor: str | None, now: datetime) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=get_instance(), cursor=cursor)
    return evaluate_dashboard_schedules(context, now)


def _sql(statement: str, params: tuple = ()) -> list[tuple]:
    with warehouse.connect(warehouse.Role.TRANSFORMER) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall() if cur.description else []
        conn.commit()
    return rows


def _executions() -> list[tuple]:
    return _sql(
        "select format, status, file_path, file_size, sha256, attempts, executed_by "
        "from control.dashboard_executions order by scheduled_for, format"
    )


def _render() -> bool:
    return materialize_dashboards(SCHEDULED + timedelta(hours=1), TAGS, say=lambda _: None)


def test_sensor_syncs_the_files_and_requests_each_due_run_once(dashboards_env: Path):
    # The example runs daily at 07:00 UTC.
    first = _tick(None, datetime(2026, 3, 31, 7, 5, tzinfo=UTC))
    assert _sql("select id, role from control.dashboard_definitions") == [(EXAMPLE.id, "OWNER")]
    assert [r.run_key for r in first.run_requests] == [f"{EXAMPLE.id}|2026-03-31T07:00:00+00:00"]
    request = first.run_requests[0]
    assert request.asset_selection == [KEY]
    assert request.run_config == {
        "ops": {
            "dashboards__agent_platform_overview": {
                "config": {"scheduled_for": "2026-03-31T07:00:00+00:00"}
            }
        }
    }
    assert request.tags["analytics/launched_by"] == "dashboard_schedule_sensor"
    assert _tick(first.cursor, datetime(2026, 3, 31, 7, 6, tzinfo=UTC)).run_requests == []
    # Due on 04-01 (last_30_days: through 03-31), but no table has data of 03-31 yet.
    nextday = _tick(first.cursor, datetime(2026, 4, 1, 7, 1, tzinfo=UTC))
    assert nextday.run_requests == []
    _sql(
        "insert into analytics.daily_metrics (metric_date, workspace_id, dau, total_runs) "
        "values ('2026-03-31', null, 3, 2), ('2026-04-01', null, 4, 1)"
    )

    # Defined only in the table: due, it runs as its partition of the shared
    # asset, added with the request (once).
    _sql(
        "insert into control.dashboard_definitions (id, name, date_range, widgets, schedule, "
        "workspace_id) select 'table_only', 'Table only', date_range, widgets, schedule, null "
        "from control.dashboard_definitions where id = %s",
        (EXAMPLE.id,),
    )
    later = _tick(nextday.cursor, datetime(2026, 4, 2, 7, 1, tzinfo=UTC))
    assert [r.run_key for r in later.run_requests] == [
        f"{EXAMPLE.id}|2026-04-02T07:00:00+00:00",
        "table_only|2026-04-02T07:00:00+00:00",
    ]
    in_table = later.run_requests[1]
    assert in_table.asset_selection == [dg.AssetKey(["dashboards", "defined_in_table"])]
    assert in_table.partition_key == "table_only"
    assert in_table.run_config == {
        "ops": {
            "dashboards__defined_in_table": {
                "config": {"scheduled_for": "2026-04-02T07:00:00+00:00"}
            }
        }
    }
    (added,) = later.dynamic_partitions_requests
    assert (added.partitions_def_name, list(added.partition_keys)) == (
        "dashboards_defined_in_table",
        ["table_only"],
    )
    # Deployed, the sensor asks the loaded code location which assets there are.
    from analytics_pipeline.definitions import defs

    keys = _asset_keys(dg.build_sensor_context(definitions=defs))
    assert KEY in keys and dg.AssetKey(["dashboards", "table_only"]) not in keys


def test_materialize_renders_through_the_asset_once_and_the_sensor_leaves_it(
    dashboards_env: Path,
):
    assert _render()
    executions = _executions()
    assert [e[:2] for e in executions] == [("html", "completed"), ("pdf", "completed")]
    html, pdf = Path(executions[0][2]), Path(executions[1][2])
    folder = html.parent
    assert folder.parts[-2:] == ("dashboards", EXAMPLE.id)
    assert (html.name, pdf.name) == (
        "agent_platform_overview_20260331T070000Z.html",
        "agent_platform_overview_20260331T070000Z.pdf",
    )
    for execution, path in zip(executions, (html, pdf), strict=True):
        assert execution[3] == path.stat().st_size
        assert execution[4] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert execution[5] == 1
        assert execution[6].startswith("test (dagster run ")

    event = get_instance().get_latest_materialization_event(KEY)
    metadata = event.asset_materialization.metadata
    assert metadata["dashboard_id"].value == EXAMPLE.id
    assert metadata["scheduled_for"].value == "2026-03-31T07:00:00+00:00"
    assert metadata["reference_date"].value == "2026-03-31"
    assert metadata["html_status"].value == "completed"
    assert metadata["html_path"].value == str(html)
    assert metadata["html_sha256"].value == executions[0][4]
    assert metadata["pdf_path"].value == str(pdf)
    assert metadata["pdf_sha256"].value == executions[1][4]
    assert metadata["pdf_size_bytes"].value == pdf.stat().st_size
    assert metadata["preview"].value == f"[Open the dashboard]({html.as_uri()}) (`{html}`)"
    # The thumbnail: the first chart (daily activity) as a small PNG beside the files.
    thumbnail = folder / "agent_platform_overview_20260331T070000Z.preview.png"
    assert metadata["preview_image"].value == str(thumbnail)
    with PIL.Image.open(thumbnail) as image:
        assert (image.format, image.size) == ("PNG", (288, 129))  # 4 x 1.8 in at 72 dpi
    assert metadata["delivery_status"].value == "skipped"
    definitions_event = get_instance().get_latest_materialization_event(
        dg.AssetKey(["dashboards", "dashboard_definitions"])
    )
    assert definitions_event.asset_materialization.metadata["inserted"].value == EXAMPLE.id

    # Again: nothing rendered twice; the sensor finds the due run rendered.
    assert _render()
    assert [e[5] for e in _executions()] == [1, 1]
    assert _tick(None, datetime(2026, 3, 31, 7, 5, tzinfo=UTC)).run_requests == []
    # A format missing: the run is requested.
    _sql("delete from control.dashboard_executions where format = 'pdf'")
    again = _tick(None, datetime(2026, 3, 31, 7, 5, tzinfo=UTC))
    assert [r.run_key for r in again.run_requests] == [f"{EXAMPLE.id}|2026-03-31T07:00:00+00:00"]


def _verify(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli_main(["dashboards", "verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_dashboards_verify_says_ok_changed_and_missing(dashboards_env: Path, capsys):
    assert _verify(capsys) == (
        0,
        "no completed executions of any dashboard: nothing to verify\n",
        "",
    )
    assert _render()
    (html_row, pdf_row) = _executions()
    html, pdf = Path(html_row[2]), Path(pdf_row[2])
    when = "2026-03-31T07:00:00+00:00"
    code, out, _ = _verify(capsys, EXAMPLE.id)
    assert code == 0
    assert out.splitlines() == [
        f"OK       {EXAMPLE.id:32} html  {when}  {html}",
        f"OK       {EXAMPLE.id:32} pdf   {when}  {pdf}",
        f"2 files of dashboard '{EXAMPLE.id}': 2 OK, 0 CHANGED, 0 MISSING",
    ]
    html.write_bytes(html.read_bytes() + b"<!-- edited -->")
    new_sha = hashlib.sha256(html.read_bytes()).hexdigest()
    pdf.unlink()
    code, out, err = _verify(capsys)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        f"CHANGED  {EXAMPLE.id:32} html  {when}  {html}  "
        f"(size {html_row[3] + 15} bytes, recorded {html_row[3]}; "
        f"sha256 {new_sha[:12]}…, recorded {html_row[4][:12]}…)",
        f"MISSING  {EXAMPLE.id:32} pdf   {when}  {pdf}  (no such file)",
        "2 files of any dashboard: 0 OK, 1 CHANGED, 1 MISSING",
    ]
    assert _verify(capsys, "nobody") == (
        2,
        "",
        "error: no dashboard 'nobody' in control.dashboard_definitions\n",
    )


@pytest.fixture
def server() -> Iterator[DashboardServer]:
    with DashboardServer(0) as running:  # port 0: a free one
        thread = threading.Thread(target=running.serve_forever, daemon=True)
        thread.start()
        try:
            yield running
        finally:
            running.shutdown()
            thread.join(timeout=10)


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], b""


def test_serve_lists_the_dashboards_and_serves_their_latest_files_only(
    dashboards_env: Path, server: DashboardServer
):
    assert _render()
    (html_row, pdf_row) = _executions()
    html, pdf = Path(html_row[2]), Path(pdf_row[2])
    base = server.url.rstrip("/")
    html_link = f"/files/{EXAMPLE.id}/{html.name}"
    pdf_link = f"/files/{EXAMPLE.id}/{pdf.name}"

    status, content_type, body = _get(server.url)
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    page = body.decode("utf-8")
    assert (
        f'<tr id="{EXAMPLE.id}"><td>Agent platform overview</td><td>OWNER</td>'
        f"<td>all workspaces</td><td>2026-03-31 07:00 UTC</td>"
        f'<td><a href="{html_link}">HTML</a> <a href="{pdf_link}">PDF</a></td></tr>'
    ) in page

    assert _get(base + html_link) == (200, "text/html; charset=utf-8", html.read_bytes())
    assert _get(base + pdf_link) == (200, "application/pdf", pdf.read_bytes())

    stray = html.parent / "stray.html"
    stray.write_text("<p>not rendered</p>", encoding="utf-8")
    outside = dashboards_env / f"{EXAMPLE.id}.yml"
    for path in (
        f"/files/{EXAMPLE.id}/stray.html",  # in the folder, but no execution of it
        f"/files/{EXAMPLE.id}/",  # no listing
        "/files/",
        f"/files/{EXAMPLE.id}/..%2F..%2F..%2Fdashboards%2F{EXAMPLE.id}.yml",
        "/files/../../../../etc/passwd",
        "/etc/passwd",
    ):
        assert _get(base + path)[0] == 404, path
    # A recorded file outside $ANALYTICS_HOME/dashboards is not served either.
    _sql(
        "update control.dashboard_executions set file_path = %s where format = 'html'",
        (str(outside),),
    )
    assert _get(base + f"/files/{EXAMPLE.id}/{outside.name}")[0] == 404
    assert _get(base + html_link)[0] == 404  # no longer a recorded file
    assert _get(base + pdf_link)[0] == 200


def test_the_serve_command_answers_until_it_is_stopped(dashboards_env: Path):
    """`analytics-pipeline dashboards serve` as a user starts it: a process of its
    own that serves the index on 127.0.0.1 until it gets Ctrl-C (SIGINT)."""
    assert _render()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "analytics_pipeline.cli", "dashboards", "serve"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(REPO_DIR)},
        cwd=REPO_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = _get(f"http://127.0.0.1:{port}/")
                break
            except urllib.error.URLError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.5)
        assert status == 200 and f'<tr id="{EXAMPLE.id}">' in body.decode("utf-8")
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert f"serving the dashboards on http://127.0.0.1:{port}" in output
    assert "Traceback" not in output


def test_materialize_renders_a_dashboard_defined_only_in_the_table_without_dagster(
    dashboards_env: Path,
):
    _tick(None, datetime(2026, 3, 31, 6, tzinfo=UTC))  # syncs the example's file
    _sql(
        "insert into control.dashboard_definitions (id, name, date_range, widgets, schedule, "
        "workspace_id) select 'table_only', 'Table only', date_range, widgets, schedule, null "
        "from control.dashboard_definitions where id = %s",
        (EXAMPLE.id,),
    )
    said: list[str] = []
    assert materialize_dashboards(SCHEDULED + timedelta(hours=1), TAGS, say=said.append)
    rows = _sql(
        "select dashboard_id, format, status, executed_by, file_path "
        "from control.dashboard_executions order by 1, 2"
    )
    assert [row[:3] for row in rows] == [
        (EXAMPLE.id, "html", "completed"),
        (EXAMPLE.id, "pdf", "completed"),
        ("table_only", "html", "completed"),
        ("table_only", "pdf", "completed"),
    ]
    assert [row[3] for row in rows[2:]] == ["test", "test"]  # no Dagster run: no asset
    assert rows[0][3].startswith("test (dagster run ")
    assert said[1:] == [
        f"  {dashboard_id:32} {fmt:5}  {path}" for dashboard_id, fmt, _, _, path in rows
    ]


def test_a_dashboard_defined_only_in_the_table_renders_as_its_partition(dashboards_env: Path):
    """What the sensor requests for it (test above): a real Dagster run of the
    dashboard's partition of dashboards/defined_in_table."""
    from analytics_pipeline.dashboards.assets import (
        IN_TABLE_PARTITIONS,
        dashboards_defined_in_table,
    )

    _tick(None, datetime(2026, 3, 31, 6, tzinfo=UTC))  # syncs the example's file
    _sql(
        "insert into control.dashboard_definitions (id, name, date_range, widgets, schedule, "
        "workspace_id) select 'table_only', 'Table only', date_range, widgets, schedule, null "
        "from control.dashboard_definitions where id = %s",
        (EXAMPLE.id,),
    )
    instance = get_instance()
    instance.add_dynamic_partitions(IN_TABLE_PARTITIONS.name, ["table_only"])
    scheduled_for = SCHEDULED.isoformat()
    result = dg.materialize(
        [dashboards_defined_in_table],
        partition_key="table_only",
        instance=instance,
        run_config={
            "ops": {"dashboards__defined_in_table": {"config": {"scheduled_for": scheduled_for}}}
        },
        tags=TAGS,
    )
    assert result.success
    rows = _sql(
        "select dashboard_id, format, status, scheduled_for, executed_by "
        "from control.dashboard_executions order by 1, 2"
    )
    assert [row[:4] for row in rows] == [
        ("table_only", "html", "completed", SCHEDULED),
        ("table_only", "pdf", "completed", SCHEDULED),
    ]
    assert all(row[4].startswith("test (dagster run ") for row in rows)
    (event,) = result.asset_materializations_for_node("dashboards__defined_in_table")
    assert event.partition == "table_only"
    assert event.metadata["dashboard_id"].value == "table_only"
