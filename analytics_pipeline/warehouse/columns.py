"""Columns and primary key read from a table definition (the column list of a
`create table`), so the definition is the one place they are written."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool


def _lines(definition: str) -> list[str]:
    return [s for line in definition.splitlines() if (s := line.strip().rstrip(","))]


def columns_of(definition: str) -> list[Column]:
    """The columns of a table definition ("name type [not null] [...]" per line)."""
    result = []
    for line in _lines(definition):
        if line.startswith(("primary key", "unique", "check", "constraint")):
            continue
        name, rest = line.split(None, 1)
        column_type = re.split(r"\s+(?:not null|primary key|check|default|references)", rest)[0]
        nullable = "not null" not in rest and "primary key" not in rest
        result.append(Column(name, column_type.strip(), nullable))
    return result


def primary_key_of(definition: str) -> tuple[str, ...]:
    """The primary key columns of a table definition (empty when it has none)."""
    match = re.search(r"primary key \(([^)]*)\)", definition)
    if match:
        return tuple(c.strip() for c in match.group(1).split(","))
    return tuple(line.split()[0] for line in _lines(definition) if line.endswith(" primary key"))
