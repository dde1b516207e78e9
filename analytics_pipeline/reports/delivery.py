"""E-mail delivery of report files over SMTP (settings from the environment,
see `analytics_pipeline.settings`), and its record on the execution.

Delivery never raises for SMTP or file trouble: the outcome is a
`DeliveryResult` (sent, skipped, failed with the error) for `record_delivery`
to store, so one report's mail problem does not stop the others.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Literal

from psycopg2.extensions import connection

from analytics_pipeline.reports.control import (
    REPORT_EXECUTION_TABLE,
    ExecutionTable,
    transaction,
)
from analytics_pipeline.reports.executions import (
    Execution,
    ExecutionStateError,
    error_text,
    execution_from_row,
)
from analytics_pipeline.settings import SmtpSettings

__all__ = [
    "MIME_TYPES",
    "DeliveryResult",
    "SmtpSettings",
    "compose_message",
    "deliver",
    "record_delivery",
]

MIME_TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".json": "application/json",
    ".html": "text/html",  # dashboards
}
_FALLBACK_MIME_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class DeliveryResult:
    """How a delivery went. `error` explains skipped and failed, and lists
    refused recipients when the server accepted the message for the others."""

    status: Literal["sent", "skipped", "failed"]
    error: str | None
    recipients: tuple[str, ...]
    delivered_at: datetime | None = None


def compose_message(
    sender: str,
    recipients: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Path],
) -> EmailMessage:
    """A text message with each file attached byte for byte (base64) under its
    own name and the MIME type of its extension."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    for path in attachments:
        maintype, subtype = MIME_TYPES.get(path.suffix.lower(), _FALLBACK_MIME_TYPE).split("/")
        message.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return message


def deliver(
    settings: SmtpSettings | None,
    recipients: Sequence[str],
    subject: str,
    body: str,
    attachments: Sequence[Path],
) -> DeliveryResult:
    """Send one message with the files attached to all recipients. Skipped
    without SMTP settings or recipients; failed, with the error, when a file
    cannot be read or the server is unreachable or refuses."""
    recipients = tuple(recipients)
    if settings is None:
        return DeliveryResult(
            "skipped", "no SMTP server configured (ANALYTICS_SMTP_HOST is unset)", recipients
        )
    if not recipients:
        return DeliveryResult("skipped", "no recipients", recipients)
    try:
        message = compose_message(settings.sender, recipients, subject, body, attachments)
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            refused = smtp.send_message(
                message, from_addr=settings.sender, to_addrs=list(recipients)
            )
    except OSError as exc:  # smtplib.SMTPException, socket and TLS errors are OSErrors
        return DeliveryResult("failed", _describe(exc), recipients)
    sent_at = datetime.now(UTC)
    if refused:
        return DeliveryResult("sent", f"refused: {_refusals(refused)}", recipients, sent_at)
    return DeliveryResult("sent", None, recipients, sent_at)


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address}: {code} {reply.decode('utf-8', 'replace')}"
        for address, (code, reply) in refused.items()
    )


def _describe(exc: OSError) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"SMTPRecipientsRefused: all recipients refused: {_refusals(exc.recipients)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
        return f"{type(exc).__name__}: {exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}"


def record_delivery(
    conn: connection,
    execution_id: int,
    result: DeliveryResult,
    *,
    table: ExecutionTable = REPORT_EXECUTION_TABLE,
) -> Execution:
    """Store a delivery outcome on a completed execution (status, time, error,
    recipients). Raises ExecutionStateError when it is not completed."""
    error = None if result.error is None else error_text(result.error)
    with transaction(conn) as cur:
        cur.execute(
            f"update {table.name} set delivery_status = %s, delivered_at = %s, "
            "delivery_error = %s, recipients = %s where id = %s and status = 'completed' "
            f"returning {table.columns}",
            (result.status, result.delivered_at, error, list(result.recipients), execution_id),
        )
        row = cur.fetchone()
    if row is None:
        raise ExecutionStateError(
            f"cannot record delivery of execution {execution_id}: no completed execution"
        )
    return execution_from_row(row)
