"""A small web server for the rendered dashboards (`analytics-pipeline
dashboards serve`): on 127.0.0.1, an index page of every active dashboard
with its latest rendered files, and those files themselves.

It serves nothing else: no directory listing, and a file only when it is one
of the latest completed executions recorded in control.dashboard_executions
and lies under $ANALYTICS_HOME/dashboards (a path in the URL is never joined
onto the disk: it is looked up among the recorded files). Each request reads
the table afresh, so a new render shows without a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from psycopg2.extensions import connection

from analytics_pipeline import warehouse
from analytics_pipeline.dashboards.control import DASHBOARD_EXECUTIONS, read_dashboards
from analytics_pipeline.reports.executions import Execution, latest_completed
from analytics_pipeline.settings import get_settings

CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf"}
HOST = "127.0.0.1"


def file_url(execution: Execution) -> str:
    """Where the server serves an execution's file: /files/<dashboard id>/<file name>."""
    return f"/files/{quote(execution.report_id)}/{quote(execution.file_path.name)}"


def served_files(executions: list[Execution], root: Path) -> dict[str, Path]:
    """URL path -> file, for the executions' files that lie under `root`."""
    root = root.resolve()
    files = {}
    for execution in executions:
        path = execution.file_path
        if path is None or path.suffix not in CONTENT_TYPES:
            continue
        resolved = path.resolve()
        if resolved.is_relative_to(root) and resolved.is_file():
            files[file_url(execution)] = resolved
    return files


def index_page(conn: connection) -> str:
    """The index: each active dashboard, its latest render and links to its files."""
    definitions, _invalid = read_dashboards(conn)
    latest: dict[str, list[Execution]] = {}
    for execution in latest_completed(conn, table=DASHBOARD_EXECUTIONS):
        latest.setdefault(execution.report_id, []).append(execution)
    rows = []
    for definition in definitions:
        executions = latest.get(definition.id, [])
        if executions:
            when = executions[0].scheduled_for.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            links = " ".join(
                f'<a href="{escape(file_url(e))}">{e.format.upper()}</a>' for e in executions
            )
        else:
            when, links = "not rendered yet", ""
        rows.append(
            f'<tr id="{escape(definition.id)}"><td>{escape(definition.name)}</td>'
            f"<td>{escape(definition.role or '-')}</td>"
            f"<td>{escape(definition.workspace_id or 'all workspaces')}</td>"
            f"<td>{when}</td><td>{links}</td></tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="5">no dashboards</td></tr>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboards</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.3em 1em;text-align:left}}</style>
</head><body><h1>Dashboards</h1>
<table><thead><tr><th>Dashboard</th><th>Role</th><th>Workspace</th><th>Scheduled for</th>
<th>Files</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    server_version = "analytics-pipeline-dashboards"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = unquote(urlsplit(self.path).path)
        with warehouse.connect(warehouse.Role.TRANSFORMER) as conn:
            if path in ("/", "/index.html"):
                self._send(index_page(conn).encode("utf-8"), CONTENT_TYPES[".html"])
                return
            executions = latest_completed(conn, table=DASHBOARD_EXECUTIONS)
        files = served_files(executions, get_settings().home / "dashboards")
        # Compared as the quoted form `file_url` makes.
        found = files.get(urlsplit(self.path).path)
        if found is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self._send(found.read_bytes(), CONTENT_TYPES[found.suffix])

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        self.server.log(f"{self.address_string()} {format % args}")


class DashboardServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, log: Callable[[str], None] = lambda line: None) -> None:
        super().__init__((HOST, port), _Handler)
        self.log = log

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"
