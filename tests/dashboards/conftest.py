"""Fixtures the dashboard tests share with the report tests."""

from tests.reports.test_delivery import start_server  # noqa: F401 (a local SMTP server)
