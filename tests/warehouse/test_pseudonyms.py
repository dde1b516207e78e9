"""Keyed pseudonyms computed in the warehouse: security.pseudonym equals an
independent HMAC-SHA256 (Python's hmac) with the installation's key; the key
is generated once and kept owner-only, or taken from ANALYTICS_PSEUDONYM_KEY;
dbt's role may call the function, the reader role may neither call it nor
read the key material."""

from __future__ import annotations

import hashlib
import hmac
import stat

import psycopg2
import psycopg2.errors
import pytest

from analytics_pipeline import warehouse
from analytics_pipeline.settings import get_settings
from analytics_pipeline.warehouse import Role
from analytics_pipeline.warehouse.pseudonyms import KEY_FILE, pseudonym_key
from analytics_pipeline.warehouse.roles import secrets_dir

VALUES = ["1", "42", "1000000", "", "ümlaut", "x" * 200]


def _pseudonyms(role: Role, values: list[str]) -> list[str]:
    with warehouse.connect(role) as conn, conn.cursor() as cur:
        cur.execute("select security.pseudonym(v) from unnest(%s::text[]) as v", (values,))
        return [row[0] for row in cur.fetchall()]


def test_the_function_is_hmac_sha256_with_the_installations_key(fresh_database):
    path = secrets_dir(get_settings().home) / KEY_FILE
    key = path.read_text().strip().encode()
    expected = [hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in VALUES]
    assert _pseudonyms(Role.TRANSFORMER, VALUES) == expected
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pseudonym_key(get_settings()) == key  # generated once, then kept


def test_a_configured_key_replaces_it(fresh_database, monkeypatch):
    monkeypatch.setenv("ANALYTICS_PSEUDONYM_KEY", "hospital-secret")
    warehouse.provision()
    try:
        expected = hmac.new(b"hospital-secret", b"42", hashlib.sha256).hexdigest()
        assert _pseudonyms(Role.TRANSFORMER, ["42"]) == [expected]
    finally:
        monkeypatch.delenv("ANALYTICS_PSEUDONYM_KEY")
        warehouse.provision()  # back to the installation's key


def test_the_reader_can_neither_compute_nor_read_the_key(fresh_database):
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        _pseudonyms(Role.READER, ["42"])
    for role in (Role.READER, Role.TRANSFORMER, Role.LOADER):
        with (
            pytest.raises(psycopg2.errors.InsufficientPrivilege),
            warehouse.connect(role) as conn,
            conn.cursor() as cur,
        ):
            cur.execute("select * from security.pseudonym_pads")
