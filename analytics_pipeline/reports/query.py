"""Safe report queries: one SELECT over one published source, built from a definition.

Nothing in a definition becomes SQL text. The table comes from the source
registry (`reports.sources`), column names must exist in the warehouse
catalog and are quoted with `psycopg2.sql.Identifier`, operators and aggregate
functions are mapped to SQL here from fixed lists, and every value (filters,
workspace, dates, limit) is a bound parameter. Every query is scoped to the
definition's workspace, or without one to all workspaces: the all-workspaces
rows of a source that has them, every workspace's rows of the others. It is
limited to at most
`MAX_ROW_LIMIT` rows; `open_report_cursor` runs it in a READ ONLY transaction
with a statement timeout and streams the rows through a server-side cursor.

Filters follow SQL semantics: a null never matches a comparison (`!=`,
`not_in` included); use is_null / is_not_null for nulls. Sorting puts nulls
last in both directions. Without sorting, rows are ordered by the result
columns (grouping columns when aggregating) so a report is repeatable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import psycopg2.extensions
from psycopg2 import sql

from analytics_pipeline.reports.date_ranges import DateSpan, resolve_date_range
from analytics_pipeline.reports.definition import (
    MAX_ROW_LIMIT,
    SORT_DIRECTIONS,
    DefinitionError,
    Filter,
    ReportDefinition,
)
from analytics_pipeline.reports.sources import REPORT_SOURCES, ReportSource
from analytics_pipeline.warehouse import set_workspace_scope

DEFAULT_STATEMENT_TIMEOUT_MS = 120_000
DEFAULT_FETCH_SIZE = 5_000

# Kinds of column, from information_schema.columns.data_type.
_KINDS = {
    "smallint": "number",
    "integer": "number",
    "bigint": "number",
    "numeric": "number",
    "real": "number",
    "double precision": "number",
    "text": "text",
    "character varying": "text",
    "character": "text",
    "date": "date",
    "timestamp with time zone": "timestamp",
    "timestamp without time zone": "timestamp",
    "boolean": "boolean",
    "jsonb": "jsonb",
}
_COMPARABLE = frozenset({"number", "text", "date", "timestamp"})
_EQUATABLE = _COMPARABLE | {"boolean"}
_SORTABLE = _EQUATABLE | {"jsonb"}

_OPERATOR_KINDS = {
    "=": _EQUATABLE,
    "!=": _EQUATABLE,
    ">": _COMPARABLE,
    ">=": _COMPARABLE,
    "<": _COMPARABLE,
    "<=": _COMPARABLE,
    "between": _COMPARABLE,
    "in": _EQUATABLE,
    "not_in": _EQUATABLE,
    "like": frozenset({"text"}),
    "is_null": None,  # any column
    "is_not_null": None,
}
# The only SQL an operator can produce; {} is the quoted column.
_OPERATOR_SQL = {
    "=": "{} = %s",
    "!=": "{} <> %s",
    ">": "{} > %s",
    ">=": "{} >= %s",
    "<": "{} < %s",
    "<=": "{} <= %s",
    "between": "{} between %s and %s",
    "in": "{} = any(%s)",
    "not_in": "{} <> all(%s)",
    "like": "{} like %s",
    "is_null": "{} is null",
    "is_not_null": "{} is not null",
}
_AGGREGATE_KINDS = {
    "sum": frozenset({"number"}),
    "avg": frozenset({"number"}),
    "min": _COMPARABLE,
    "max": _COMPARABLE,
    "count": None,
    "count_distinct": _SORTABLE,
}
_AGGREGATE_SQL = {
    "sum": "sum({})",
    "avg": "avg({})",
    "min": "min({})",
    "max": "max({})",
    "count": "count({})",
    "count_distinct": "count(distinct {})",
}


class SourceUnavailableError(DefinitionError):
    """The source is registered but missing (or unreadable) in the warehouse."""


def column_kind(data_type: str) -> str:
    """number, text, date, timestamp, boolean, jsonb or other."""
    return _KINDS.get(data_type, "other")


def fetch_source_columns(
    conn: psycopg2.extensions.connection, source: ReportSource
) -> dict[str, str]:
    """{column: data_type} of the source table, in table order, as the current role sees it.

    information_schema lists only the columns the role may read; empty when the
    table does not exist or is not readable.
    """
    with conn.cursor() as cur:
        cur.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = %s and table_name = %s order by ordinal_position",
            (source.schema, source.table),
        )
        return dict(cur.fetchall())


def report_source(definition: ReportDefinition) -> ReportSource:
    """The registered source of a definition (DefinitionError if it is not published)."""
    name = definition.configuration.data_source
    if name not in REPORT_SOURCES:
        raise DefinitionError.at(
            "configuration.data_source", f"{name!r} is not a published report source"
        )
    return REPORT_SOURCES[name]


def build_query(
    definition: ReportDefinition,
    columns_catalog: dict[str, str],
    date_range: DateSpan | None,
    *,
    max_rows: int = MAX_ROW_LIMIT,
) -> tuple[sql.Composed, list[Any]]:
    """The report's SELECT and its parameters.

    `columns_catalog` is `fetch_source_columns` of the source; `date_range` the
    resolved inclusive dates (None: no date restriction). The row limit is the
    configured limit capped at `max_rows` (itself capped at MAX_ROW_LIMIT).
    Raises DefinitionError naming the field for unknown columns, operators the
    column's type does not support and values of the wrong type.
    """
    if max_rows < 1:
        raise ValueError("max_rows must be positive")
    source = report_source(definition)
    config = definition.configuration
    if not columns_catalog:
        raise SourceUnavailableError.at(
            "configuration.data_source",
            f"{source.qualified_name} does not exist in the warehouse or is not readable",
        )
    catalog = _Catalog(source, columns_catalog)
    for required in (source.workspace_column, *([source.date_column] if date_range else [])):
        if required is not None and required not in columns_catalog:
            raise SourceUnavailableError.at(
                "configuration.data_source",
                f"{source.qualified_name} has no column {required!r}",
            )
    params: list[Any] = []
    select, output_kinds = _select_list(definition, catalog)
    where = _where(definition, catalog, date_range, params)
    query = sql.SQL("select {} from {} where {}").format(
        sql.SQL(", ").join(select),
        sql.Identifier(source.schema, source.table),
        sql.SQL(" and ").join(where),
    )
    if config.grouping:
        query += sql.SQL(" group by {}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in config.grouping)
        )
    order = _order_by(definition, output_kinds)
    if order:
        query += sql.SQL(" order by {}").format(sql.SQL(", ").join(order))
    query += sql.SQL(" limit %s")
    params.append(min(config.limit or MAX_ROW_LIMIT, max_rows, MAX_ROW_LIMIT))
    return query, params


@dataclass(frozen=True)
class _Catalog:
    """The source's columns as the warehouse reports them."""

    source: ReportSource
    data_types: dict[str, str]

    def kind(self, column: str, field: str) -> str:
        """The column's kind; DefinitionError naming `field` when the source lacks it."""
        if column not in self.data_types:
            raise DefinitionError.at(
                field,
                f"unknown column {column!r} in {self.source.qualified_name} "
                f"(columns: {', '.join(self.data_types)})",
            )
        return column_kind(self.data_types[column])


def _select_list(
    definition: ReportDefinition, catalog: _Catalog
) -> tuple[list[sql.Composable], dict[str, str]]:
    """The SELECT items and the kind of each result column."""
    config = definition.configuration
    select: list[sql.Composable] = []
    output_kinds: dict[str, str] = {}
    if not config.is_aggregated:
        if not config.columns:
            raise DefinitionError.at("configuration.columns", "must list at least one column")
        for i, column in enumerate(config.columns):
            output_kinds[column] = catalog.kind(column, f"configuration.columns[{i}]")
            select.append(sql.Identifier(column))
        return select, output_kinds
    for i, column in enumerate(config.grouping):
        output_kinds[column] = catalog.kind(column, f"configuration.grouping[{i}]")
        select.append(sql.Identifier(column))
    for i, aggregation in enumerate(config.aggregations):
        field = f"configuration.aggregations[{i}]"
        if aggregation.function not in _AGGREGATE_SQL:
            raise DefinitionError.at(
                f"{field}.function", f"{aggregation.function!r} is not an aggregate function"
            )
        if aggregation.column is None:
            if aggregation.function != "count":
                raise DefinitionError.at(f"{field}.column", f"required for {aggregation.function}")
            argument: sql.Composable = sql.SQL("*")
            result_kind = "number"
        else:
            kind = catalog.kind(aggregation.column, f"{field}.column")
            allowed = _AGGREGATE_KINDS[aggregation.function]
            if allowed is not None and kind not in allowed:
                raise DefinitionError.at(
                    f"{field}.function",
                    f"{aggregation.function} does not apply to {aggregation.column!r} "
                    f"({catalog.data_types[aggregation.column]})",
                )
            argument = sql.Identifier(aggregation.column)
            result_kind = kind if aggregation.function in ("min", "max") else "number"
        select.append(
            sql.SQL("{} as {}").format(
                sql.SQL(_AGGREGATE_SQL[aggregation.function]).format(argument),
                sql.Identifier(aggregation.alias),
            )
        )
        output_kinds[aggregation.alias] = result_kind
    return select, output_kinds


def _where(
    definition: ReportDefinition, catalog: _Catalog, date_range: DateSpan | None, params: list[Any]
) -> list[sql.Composable]:
    """Workspace scope, date range and filters (their values appended to `params`)."""
    source = catalog.source
    where: list[sql.Composable] = []
    if source.workspace_column is None:  # the whole hospital (checked: no workspace named)
        where.append(sql.SQL("true"))
    elif definition.workspace_id is None:
        if source.has_all_workspaces_rows:
            where.append(sql.SQL("{} is null").format(sql.Identifier(source.workspace_column)))
        else:  # every workspace's rows (the reader is scoped to all workspaces)
            where.append(sql.SQL("true"))
    else:
        where.append(sql.SQL("{} = %s").format(sql.Identifier(source.workspace_column)))
        params.append(definition.workspace_id)
    if date_range is not None:
        kind = column_kind(catalog.data_types[source.date_column])
        where.append(_date_condition(source.date_column, kind, date_range, params))
    for i, item in enumerate(definition.configuration.filters):
        field = f"configuration.filters[{i}]"
        kind = catalog.kind(item.column, f"{field}.column")
        where.append(_filter_condition(item, kind, catalog.data_types[item.column], field, params))
    return where


def _date_condition(column: str, kind: str, span: DateSpan, params: list[Any]) -> sql.Composable:
    start, end = span
    if kind == "date":
        params.extend([start, end])
        return sql.SQL("{} between %s and %s").format(sql.Identifier(column))
    if kind == "timestamp":
        # Whole UTC days: start 00:00 up to (not including) the day after end.
        params.extend(
            [
                datetime.combine(start, time(), UTC),
                datetime.combine(end + timedelta(days=1), time(), UTC),
            ]
        )
        return sql.SQL("{} >= %s and {} < %s").format(
            sql.Identifier(column), sql.Identifier(column)
        )
    raise SourceUnavailableError.at(
        "configuration.date_range", f"date column {column!r} is not a date or timestamp"
    )


def _filter_condition(
    item: Filter, kind: str, data_type: str, field: str, params: list[Any]
) -> sql.Composable:
    allowed = _OPERATOR_KINDS.get(item.operator, ())
    if item.operator not in _OPERATOR_SQL:
        raise DefinitionError.at(f"{field}.operator", f"{item.operator!r} is not an operator")
    if allowed is not None and kind not in allowed:
        raise DefinitionError.at(
            f"{field}.operator", f"{item.operator} does not apply to {item.column!r} ({data_type})"
        )
    value_field = f"{field}.value"
    if item.operator in ("is_null", "is_not_null"):
        pass
    elif item.operator == "between":
        if not isinstance(item.value, tuple) or len(item.value) != 2:
            raise DefinitionError.at(value_field, "between needs exactly 2 values [low, high]")
        low, high = (
            _coerce(v, kind, data_type, f"{value_field}[{i}]") for i, v in enumerate(item.value)
        )
        if kind != "text" and low > high:
            raise DefinitionError.at(value_field, f"low {low} is greater than high {high}")
        params.extend([low, high])
    elif item.operator in ("in", "not_in"):
        if not isinstance(item.value, tuple) or not item.value:
            raise DefinitionError.at(value_field, f"{item.operator} needs a non-empty list")
        params.append(
            [_coerce(v, kind, data_type, f"{value_field}[{i}]") for i, v in enumerate(item.value)]
        )
    else:
        params.append(_coerce(item.value, kind, data_type, value_field))
    return sql.SQL(_OPERATOR_SQL[item.operator]).format(sql.Identifier(item.column))


def _coerce(value: Any, kind: str, data_type: str, field: str) -> Any:
    """A filter value as the Python type of the column, or DefinitionError."""
    if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind == "text" and isinstance(value, str):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if kind == "timestamp" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:  # without an offset: UTC, like every time bucket of the published tables
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise DefinitionError.at(field, f"{value!r} does not fit column type {data_type}")


def _order_by(definition: ReportDefinition, output_kinds: dict[str, str]) -> list[sql.Composable]:
    config = definition.configuration
    order: list[sql.Composable] = []
    for i, sort in enumerate(config.sorting):
        field = f"configuration.sorting[{i}].column"
        if sort.column not in output_kinds:
            raise DefinitionError.at(field, f"{sort.column!r} is not a result column")
        if output_kinds[sort.column] not in _SORTABLE:
            raise DefinitionError.at(field, f"{sort.column!r} cannot be sorted")
        if sort.direction not in SORT_DIRECTIONS:
            raise DefinitionError.at(
                f"configuration.sorting[{i}].direction", f"{sort.direction!r} is not asc or desc"
            )
        direction = sql.SQL("desc" if sort.direction == "desc" else "asc")
        order.append(sql.SQL("{} {} nulls last").format(sql.Identifier(sort.column), direction))
    if not order:
        defaults = config.grouping if config.is_aggregated else config.columns
        order = [sql.Identifier(c) for c in defaults if output_kinds[c] in _SORTABLE]
    return order


# The published table that carries workspace names (newest per workspace).
NAMES_SOURCE = REPORT_SOURCES["workspace_summary"]


def fetch_workspace_names(
    conn: psycopg2.extensions.connection,
    workspace_id: str | None,
    *,
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
) -> dict[str, str]:
    """{workspace_id: name} the report may show: its workspace's, or every
    workspace's for an all-workspaces report (newest name in
    `analytics.workspace_summary`, read under the same row-level security as
    the report). Empty when that table is missing or unreadable."""
    if conn.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        raise ValueError("the connection has a transaction in progress")
    autocommit = conn.autocommit
    conn.autocommit = False
    try:
        _begin_scoped_read(conn, workspace_id, statement_timeout_ms)
        catalog = fetch_source_columns(conn, NAMES_SOURCE)
        if not {"workspace_id", "workspace_name", NAMES_SOURCE.date_column} <= set(catalog):
            return {}
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "select distinct on (workspace_id) workspace_id, workspace_name from {}"
                    " where workspace_id is not null and workspace_name is not null"
                    " order by workspace_id, {} desc"
                ).format(
                    sql.Identifier(NAMES_SOURCE.schema, NAMES_SOURCE.table),
                    sql.Identifier(NAMES_SOURCE.date_column),
                )
            )
            return dict(cur.fetchall())
    finally:
        conn.rollback()
        conn.autocommit = autocommit


def _begin_scoped_read(
    conn: psycopg2.extensions.connection, workspace_id: str | None, statement_timeout_ms: int
) -> None:
    """Begin a READ ONLY transaction with a statement timeout, scoped to the
    workspace: the reader role's row-level security returns its rows only."""
    with conn.cursor() as cur:
        cur.execute("set transaction read only")
        cur.execute("set local statement_timeout = %s", (int(statement_timeout_ms),))
        set_workspace_scope(cur, workspace_id)


@contextmanager
def open_report_cursor(
    conn: psycopg2.extensions.connection,
    definition: ReportDefinition,
    reference_date: date,
    *,
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
    fetch_size: int = DEFAULT_FETCH_SIZE,
    max_rows: int = MAX_ROW_LIMIT,
) -> Iterator[tuple[list[str], Iterator[tuple[Any, ...]]]]:
    """Run the report and yield (column names, row iterator), streaming in batches.

    One READ ONLY transaction with `SET LOCAL statement_timeout` (each fetch is
    one statement), the catalog check, then a server-side cursor fetched
    `fetch_size` rows at a time, so memory stays constant. Consume the rows
    inside the `with` block. The connection must be idle (no open transaction);
    its autocommit setting is restored afterwards. A timeout raises
    psycopg2.errors.QueryCanceled.
    """
    if statement_timeout_ms <= 0 or fetch_size <= 0:
        raise ValueError("statement_timeout_ms and fetch_size must be positive")
    if conn.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        raise ValueError("the connection has a transaction in progress")
    source = report_source(definition)
    date_range = definition.configuration.date_range
    span = resolve_date_range(date_range, reference_date) if date_range else None
    autocommit = conn.autocommit
    conn.autocommit = False
    try:
        _begin_scoped_read(conn, definition.workspace_id, statement_timeout_ms)
        catalog = fetch_source_columns(conn, source)
        query, params = build_query(definition, catalog, span, max_rows=max_rows)
        cursor = conn.cursor(name=f"report_{uuid.uuid4().hex}")
        try:
            cursor.execute(query, params)
            first_batch = cursor.fetchmany(fetch_size)
            columns = [column.name for column in cursor.description]
            yield columns, _stream(cursor, first_batch, fetch_size)
        finally:
            if (
                not cursor.closed
                and conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
            ):
                cursor.close()
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.autocommit = autocommit


def _stream(
    cursor: psycopg2.extensions.cursor, first_batch: list[tuple[Any, ...]], fetch_size: int
) -> Iterator[tuple[Any, ...]]:
    batch = first_batch
    while batch:
        yield from batch
        if len(batch) < fetch_size:
            return
        batch = cursor.fetchmany(fetch_size)
