"""Webhook delivery against a real local HTTP server: retried on 5xx and 429
with a growing pause, final on another 4xx, a timeout per attempt; a channel
whose URL variable is unset is skipped; the overall status of a notification."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from analytics_pipeline.alerts.definition import Channel, parse_alert_rule
from analytics_pipeline.alerts.notify import (
    Alert,
    ChannelOutcome,
    overall_status,
    post_json,
    send_channel,
    slack_payload,
    webhook_payload,
)


class Scripted(BaseHTTPRequestHandler):
    """Answers each POST with the next status of `script` (then 200); /slow sleeps."""

    script: list[int] = []
    bodies: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        self.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        if self.path == "/slow":
            time.sleep(1.0)
        self.send_response(self.script.pop(0) if self.script else 200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Scripted.script, Scripted.bodies = [], []
    http = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{http.server_address[1]}"
    finally:
        http.shutdown()


def test_retries_on_5xx_and_429_with_growing_pauses(server: str) -> None:
    Scripted.script = [503, 429]
    pauses: list[float] = []
    assert post_json(f"{server}/x", {"a": 1}, backoff=0.5, sleep=pauses.append) == (3, None)
    assert pauses == [0.5, 1.0]
    assert Scripted.bodies == [{"a": 1}] * 3


def test_a_client_error_is_final_and_the_last_error_is_kept(server: str) -> None:
    Scripted.script = [404]
    assert post_json(f"{server}/x", {}, sleep=lambda s: None) == (1, "HTTP 404 Not Found")
    Scripted.script = [500, 500, 502]
    assert post_json(f"{server}/x", {}, sleep=lambda s: None) == (3, "HTTP 502 Bad Gateway")


def test_a_timeout_per_attempt(server: str) -> None:
    attempts, error = post_json(f"{server}/slow", {}, timeout=0.2, attempts=2, sleep=lambda s: None)
    assert attempts == 2 and "timed out" in error


def test_refused_connection() -> None:
    attempts, error = post_json("http://127.0.0.1:9/", {}, attempts=1)
    assert attempts == 1 and "refused" in error.lower()


RULE = parse_alert_rule(
    {
        "id": "r",
        "name": "Runs over 10",
        "workspace_id": "w1",
        "metric": {"data_source": "daily_metrics", "function": "sum", "column": "total_runs"},
        "condition": "greater_than",
        "threshold": 10,
        "severity": "critical",
    }
)
ALERT = Alert(
    "triggered",
    RULE,
    "2026-05-02",
    "2026-05-02",
    12,
    3,
    300,
    1,
    datetime(2026, 5, 3, 2, tzinfo=UTC),
    history_id=7,
)


def test_payloads() -> None:
    body = webhook_payload(ALERT)
    assert (body["event"], body["metric_value"], body["threshold"], body["history_id"]) == (
        "alert.triggered",
        "12",
        "10",
        7,
    )
    assert body["text"] == "[TRIGGERED critical] Runs over 10 (workspace w1)"
    slack = slack_payload(ALERT)
    assert slack["text"] == body["text"]
    details = slack["blocks"][1]["text"]["text"]
    assert "Value: 12 (1 rows)" in details and "alerts ack 7" in details


def test_an_unset_url_variable_skips_the_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_HOOK", raising=False)
    outcome = send_channel(Channel("slack", url_env="NO_SUCH_HOOK"), ALERT, None)
    assert outcome == ChannelOutcome(
        "slack", "$NO_SUCH_HOOK", "skipped", 0, "$NO_SUCH_HOOK is not set"
    )
    email = send_channel(Channel("email", recipients=("a@b.org",)), ALERT, None)
    assert (email.status, email.attempts) == ("skipped", 0)


def test_a_webhook_target_names_no_secret() -> None:
    channel = Channel("webhook", url="https://user:token@hooks.example.com/T000/B000/XXXX")
    assert channel.target == "https://hooks.example.com"


@pytest.mark.parametrize(
    ("statuses", "overall"),
    [
        ((), "none"),
        (("sent", "sent"), "sent"),
        (("sent", "skipped"), "sent"),
        (("sent", "failed"), "partial"),
        (("failed", "skipped"), "failed"),
        (("skipped",), "skipped"),
    ],
)
def test_overall_status(statuses, overall) -> None:
    outcomes = [ChannelOutcome("webhook", "x", status, 1) for status in statuses]
    assert overall_status(outcomes) == overall
