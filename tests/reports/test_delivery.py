"""E-mail delivery against a real SMTP server started by the test (aiosmtpd on
127.0.0.1, a port the OS picks), and its record on the execution."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from psycopg2.extensions import connection

from analytics_pipeline import warehouse
from analytics_pipeline.reports.control import ensure_control_schema, sync_definitions
from analytics_pipeline.reports.delivery import DeliveryResult, deliver, record_delivery
from analytics_pipeline.reports.executions import (
    ExecutionStateError,
    claim_execution,
    complete_execution,
    get_execution,
)
from analytics_pipeline.settings import SmtpSettings

SENDER = "reports@example.org"
SUBJECT = "KPI täglich — 2026-03-01"
BODY = "Your report for 2026-03-01 is attached.\n"


class Mailbox:
    """aiosmtpd handler keeping every accepted message; refuses the recipients
    in `refuse`, and all data when `reject_data` is set."""

    def __init__(self) -> None:
        self.messages: list[Envelope] = []
        self.refuse: set[str] = set()
        self.reject_data: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        if self.reject_data:
            return self.reject_data
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


class EphemeralController(Controller):
    """A Controller listening on port 0 that learns the port the OS gave it."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def start_server() -> Iterator[Callable[..., tuple[SmtpSettings, Mailbox]]]:
    controllers: list[Controller] = []

    def start(**smtp_options: Any) -> tuple[SmtpSettings, Mailbox]:
        mailbox = Mailbox()
        controller = EphemeralController(
            mailbox, hostname="127.0.0.1", port=0, server_hostname="smtp.test", **smtp_options
        )
        controller.start()
        controllers.append(controller)
        return SmtpSettings(
            host="127.0.0.1", port=controller.port, sender=SENDER, timeout=5
        ), mailbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    contents = {
        "kpi.csv": "metric_date,city,dau\r\n2026-03-01,Zürich,12\r\n".encode(),
        "kpi.xlsx": bytes(range(256)) * 8,
        "kpi.pdf": b"%PDF-1.7\n" + bytes(range(255, -1, -1)) + b"\n%%EOF\n",
        "kpi.json": b'{"metadata": {"rows": 1}, "rows": [{"dau": 12}]}\n',
        "kpi.bin": b"\x00\x01",
    }
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
    return [tmp_path / name for name in contents]


def parse(envelope: Envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def test_smtp_settings_from_env() -> None:
    assert SmtpSettings.from_env({}) is None
    assert SmtpSettings.from_env({"ANALYTICS_SMTP_HOST": " "}) is None
    assert SmtpSettings.from_env({"ANALYTICS_SMTP_HOST": "mail"}) == SmtpSettings(
        host="mail", port=25, sender="analytics-pipeline@localhost", timeout=30.0
    )
    full = {
        "ANALYTICS_SMTP_HOST": "smtp.example.org",
        "ANALYTICS_SMTP_USER": "bot@example.org",
        "ANALYTICS_SMTP_PASSWORD": "s3cret",
        "ANALYTICS_SMTP_STARTTLS": "1",
        "ANALYTICS_SMTP_TIMEOUT": "7.5",
    }
    settings = SmtpSettings.from_env(full)
    assert settings == SmtpSettings(
        host="smtp.example.org",
        port=587,
        sender="bot@example.org",
        user="bot@example.org",
        password="s3cret",
        starttls=True,
        timeout=7.5,
    )
    assert "s3cret" not in repr(settings)
    explicit = SmtpSettings.from_env(
        {**full, "ANALYTICS_SMTP_PORT": "2525", "ANALYTICS_SMTP_FROM": "kpi@example.org"}
    )
    assert (explicit.port, explicit.sender) == (2525, "kpi@example.org")
    for name, value in [
        ("ANALYTICS_SMTP_PORT", "smtp"),
        ("ANALYTICS_SMTP_PORT", "70000"),
        ("ANALYTICS_SMTP_TIMEOUT", "0"),
        ("ANALYTICS_SMTP_STARTTLS", "maybe"),
    ]:
        with pytest.raises(ValueError, match=f"^{name}: '{value}'"):
            SmtpSettings.from_env({**full, name: value})


def test_sends_one_message_with_the_files_attached(start_server: Any, files: list[Path]) -> None:
    settings, mailbox = start_server()
    recipients = ["ana@example.org", "bo@example.com"]
    result = deliver(settings, recipients, SUBJECT, BODY, files)
    assert (result.status, result.error, result.recipients) == ("sent", None, tuple(recipients))
    assert result.delivered_at is not None

    [envelope] = mailbox.messages
    assert (envelope.mail_from, envelope.rcpt_tos) == (SENDER, recipients)
    message = parse(envelope)
    assert message["Subject"] == SUBJECT
    assert message["From"] == SENDER
    assert message["To"] == "ana@example.org, bo@example.com"
    assert message["Message-ID"] and message["Date"]
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == BODY
    attached = [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in message.iter_attachments()
    ]
    assert attached == [
        ("kpi.csv", "text/csv", files[0].read_bytes()),
        (
            "kpi.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            files[1].read_bytes(),
        ),
        ("kpi.pdf", "application/pdf", files[2].read_bytes()),
        ("kpi.json", "application/json", files[3].read_bytes()),
        ("kpi.bin", "application/octet-stream", b"\x00\x01"),
    ]


def test_logs_in_when_a_user_is_set(start_server: Any, files: list[Path]) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        ok = data.password == b"right"
        return AuthResult(success=ok, handled=False)  # not handled: the server says 535

    settings, mailbox = start_server(authenticator=authenticator, auth_require_tls=False)
    good = SmtpSettings(**{**settings.__dict__, "user": "bot", "password": "right"})
    assert deliver(good, ["ana@example.org"], SUBJECT, BODY, files[:1]).status == "sent"
    bad = SmtpSettings(**{**settings.__dict__, "user": "bot", "password": "wrong"})
    result = deliver(bad, ["ana@example.org"], SUBJECT, BODY, files[:1])
    assert result.status == "failed"
    assert result.error.startswith("SMTPAuthenticationError: 535")
    # smtplib tries each offered mechanism before giving up
    assert logins[0] == (b"bot", b"right")
    assert set(logins[1:]) == {(b"bot", b"wrong")}
    assert len(mailbox.messages) == 1


def test_refusals_and_unreachable_servers_fail_with_the_error(
    start_server: Any, files: list[Path]
) -> None:
    settings, mailbox = start_server()
    mailbox.refuse = {"ghost@example.org"}
    result = deliver(settings, ["ghost@example.org"], SUBJECT, BODY, files)
    assert (result.status, result.error) == (
        "failed",
        "SMTPRecipientsRefused: all recipients refused: "
        "ghost@example.org: 550 5.1.1 no such mailbox here",
    )
    # Some refused: the others got it, and the refusal is kept.
    result = deliver(settings, ["ghost@example.org", "ana@example.org"], SUBJECT, BODY, files)
    assert (result.status, result.error) == (
        "sent",
        "refused: ghost@example.org: 550 5.1.1 no such mailbox here",
    )
    assert mailbox.messages[0].rcpt_tos == ["ana@example.org"]

    mailbox.reject_data = "554 5.7.1 attachments not allowed"
    result = deliver(settings, ["ana@example.org"], SUBJECT, BODY, files)
    assert (result.status, result.error) == (
        "failed",
        "SMTPDataError: 554 5.7.1 attachments not allowed",
    )

    with socket.socket() as probe:  # a port nobody listens on any more
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    unreachable = SmtpSettings(host="127.0.0.1", port=closed_port, sender=SENDER, timeout=5)
    result = deliver(unreachable, ["ana@example.org"], SUBJECT, BODY, files)
    assert result.status == "failed"
    assert result.error.startswith("ConnectionRefusedError: ")

    result = deliver(settings, ["ana@example.org"], SUBJECT, BODY, [files[0].with_name("no.csv")])
    assert result.status == "failed"
    assert result.error.startswith("FileNotFoundError: ")
    assert len(mailbox.messages) == 1


def test_skipped_without_smtp_settings_or_recipients(files: list[Path]) -> None:
    assert deliver(None, ["ana@example.org"], SUBJECT, BODY, files) == DeliveryResult(
        "skipped",
        "no SMTP server configured (ANALYTICS_SMTP_HOST is unset)",
        ("ana@example.org",),
    )
    settings = SmtpSettings(host="127.0.0.1", port=1, sender=SENDER)
    assert deliver(settings, [], SUBJECT, BODY, files) == DeliveryResult(
        "skipped", "no recipients", ()
    )


@dataclass(frozen=True)
class Rendered:
    path: Path
    size: int
    sha256: str
    record_count: int
    generation_time_ms: float


@pytest.mark.integration
def test_delivery_is_recorded_on_the_execution(
    empty_database: str, start_server: Any, files: list[Path]
) -> None:
    conn: connection = psycopg2.connect(**warehouse.libpq_params(warehouse.admin_url()))
    try:
        ensure_control_schema(conn)
        record = {
            "id": "kpi",
            "name": "KPI",
            "report_type": "table",
            "configuration": {"data_source": "daily_metrics"},
        }
        sync_definitions(conn, [record], lambda r: None)
        scheduled = datetime(2026, 3, 2, 7, tzinfo=UTC)
        ids = {}
        for fmt, path in zip(("csv", "xlsx", "pdf", "json"), files, strict=False):
            claimed = claim_execution(conn, "kpi", scheduled, fmt)
            complete_execution(
                conn, claimed.id, Rendered(path, path.stat().st_size, "0" * 64, 1, 3)
            )
            ids[fmt] = claimed.id
        running = claim_execution(conn, "kpi", scheduled + timedelta(days=1), "csv")
        recipients = ["ana@example.org"]

        skipped = record_delivery(conn, ids["csv"], deliver(None, recipients, SUBJECT, BODY, files))
        assert (skipped.delivery_status, skipped.delivered_at, skipped.recipients) == (
            "skipped",
            None,
            ("ana@example.org",),
        )
        assert skipped.delivery_error == "no SMTP server configured (ANALYTICS_SMTP_HOST is unset)"

        settings, mailbox = start_server()
        sent = record_delivery(
            conn, ids["xlsx"], deliver(settings, recipients, SUBJECT, BODY, files)
        )
        assert (sent.delivery_status, sent.delivery_error) == ("sent", None)
        assert sent.delivered_at is not None and len(mailbox.messages) == 1

        mailbox.refuse = {"ana@example.org"}
        failed = record_delivery(
            conn, ids["pdf"], deliver(settings, recipients, SUBJECT, BODY, files)
        )
        assert failed.delivery_status == "failed"
        assert failed.delivery_error.startswith("SMTPRecipientsRefused: ")
        assert get_execution(conn, ids["json"]).delivery_status == "pending"
        assert get_execution(conn, ids["pdf"]) == failed

        with pytest.raises(ExecutionStateError, match="no completed execution"):
            record_delivery(conn, running.id, DeliveryResult("skipped", "x", ()))
        assert get_execution(conn, running.id).delivery_status is None
    finally:
        conn.close()
