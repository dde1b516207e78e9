"""Keyed pseudonyms (HMAC-SHA256) computed inside the warehouse, for the
identifiers that must not leave schema raw (a hospital's patient ids;
docs/metrics.md, "Hospital operations pack").

The key is ANALYTICS_PSEUDONYM_KEY, else one generated at random for this
installation on first use and kept in $ANALYTICS_HOME/secrets/ (0600): never
a default anyone could know. The provisioning stores the key's HMAC pads in
`security.pseudonym_pads`, which only the admin reads, and installs
`security.pseudonym(text)`: a security-definer function the transformer (dbt)
may call. So the key never appears in SQL text, compiled models or logs, and
the reader role can neither compute nor reverse a pseudonym.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import secrets

from psycopg2 import sql
from psycopg2.extensions import cursor

from analytics_pipeline.settings import Settings
from analytics_pipeline.warehouse.roles import secrets_dir, write_private

KEY_FILE = "pseudonym_key"
_BLOCK = 64  # SHA-256 block size in bytes (RFC 2104)


def pseudonym_key(settings: Settings) -> bytes:
    """The key: ANALYTICS_PSEUDONYM_KEY (its UTF-8 bytes), else this
    installation's own, generated once."""
    if settings.pseudonym_key:
        return settings.pseudonym_key.encode()
    folder = secrets_dir(settings.home)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / KEY_FILE
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent first starts agree on one key
        if not path.exists():
            write_private(path, secrets.token_hex(32) + "\n")
        return path.read_text().strip().encode()


def pseudonym(key: bytes, value: str) -> str:
    """What security.pseudonym(value) returns: hex HMAC-SHA256 of the value's UTF-8."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer HMAC pads of `key` (RFC 2104)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def install_pseudonyms(cur: cursor, key: bytes, schema: str, transformer: str) -> None:
    """The pads table (replaced: a new key takes effect) and the function, in
    `schema`; the function executable by the `transformer` role only."""
    inner, outer = _pads(key)
    names = {"schema": sql.Identifier(schema), "transformer": sql.Identifier(transformer)}
    for statement in (
        "create table if not exists {schema}.pseudonym_pads"
        " (inner_pad bytea not null, outer_pad bytea not null)",
        "revoke all on {schema}.pseudonym_pads from public",
        "delete from {schema}.pseudonym_pads",
    ):
        cur.execute(sql.SQL(statement).format(**names))
    cur.execute(
        sql.SQL("insert into {schema}.pseudonym_pads values (%s, %s)").format(**names),
        (inner, outer),
    )
    cur.execute(
        sql.SQL(
            "create or replace function {schema}.pseudonym(value text) returns text"
            " language sql stable strict security definer"
            " set search_path = pg_catalog, pg_temp as $$"
            " select encode(sha256(pads.outer_pad || sha256(pads.inner_pad"
            " || convert_to(value, 'UTF8'))), 'hex')"
            " from {schema}.pseudonym_pads as pads $$"
        ).format(**names)
    )
    cur.execute(
        sql.SQL("revoke all on function {schema}.pseudonym(text) from public").format(**names)
    )
    cur.execute(
        sql.SQL("grant execute on function {schema}.pseudonym(text) to {transformer}").format(
            **names
        )
    )


__all__ = ["install_pseudonyms", "pseudonym", "pseudonym_key"]
