"""The small-cell rule over the hospital pack's exact figures: which cells of
which rows each published table hides (docs/metrics.md, "Small cells").

`suppressed_columns(frames, k)` takes the exact models' rows (one DataFrame
per table, as `int_hospital_exact_<table>` holds them) and returns, per table,
the rows with anything hidden and the names of their hidden columns. The
relations are visited in a fixed order: the totals within each row (tables in
the docs' order, rows in grain order), then the all-departments (all-test-
types) rows, then the periods: monthly_summary's months over the daily
tables' days, the doctors' months over monthly_summary, the dashboard's
department rows over its all-departments rows and its 30-day values over the
daily tables' days."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator

import pandas as pd

from analytics_pipeline.hospital.published_tables import (
    DAILY_AND_MONTHLY,
    DASHBOARD,
    DASHBOARD_GRAIN,
    DASHBOARD_METRICS,
    DASHBOARD_PERIOD_DAYS,
    DASHBOARD_PERIODS,
    DOCTOR_PERFORMANCE,
    EXTRAS,
    GRAINS,
    HOSPITAL_KPIS,
    KPI_GRAIN,
    KPI_VALUES,
    KPIS,
    MONTH_END_STOCKS,
    MONTH_OF_DAYS,
    MONTH_OF_DOCTORS,
    MONTHLY_SUMMARY,
    PERIOD_TYPES,
    HospitalTable,
)
from analytics_pipeline.hospital.small_cells import CellRegistry, Relation, is_small, suppress

Key = tuple


def _plain(value) -> Hashable:
    """A grain value as a plain Python value (None for null, date for dates)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def _number(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _weight(value) -> int:
    number = _number(value)
    return 0 if number is None else int(number)


class _Rows:
    """A table's exact rows in grain order (nulls last), by key."""

    def __init__(self, frame: pd.DataFrame, grain: tuple[str, ...]) -> None:
        ordered = frame.sort_values(list(grain), na_position="last", kind="stable")
        self.records: list[dict] = ordered.to_dict("records")
        self.keys: list[Key] = [tuple(_plain(r[c]) for c in grain) for r in self.records]
        self.by_key: dict[Key, dict] = dict(zip(self.keys, self.records, strict=True))

    def __iter__(self) -> Iterator[tuple[Key, dict]]:
        return zip(self.keys, self.records, strict=True)


def _day_key(table: HospitalTable, day: dt.date, dimension=None) -> Key:
    """The key of a daily table's row of `day`: of the department (test type)
    `dimension`, or of the all-departments row (None); a hospital-wide table
    has one row a day."""
    return (dimension, day) if table.all_row_dimension else (day,)


def _rows_column(value_column: str) -> str:
    """current_value -> current_rows, previous_value -> previous_rows."""
    return value_column.replace("_value", "_rows")


class _Suppression:
    def __init__(self, frames: dict[str, pd.DataFrame], k: int) -> None:
        self.k = k
        self.rows = {t.name: _Rows(frames[t.name], t.grain) for t in DAILY_AND_MONTHLY}
        self.rows[DASHBOARD] = _Rows(frames[DASHBOARD], DASHBOARD_GRAIN)
        kpis = _Rows(frames[KPIS], KPI_GRAIN)
        order = sorted(range(len(kpis.keys)), key=lambda i: _kpi_order(kpis.keys[i]))
        kpis.keys = [kpis.keys[i] for i in order]
        kpis.records = [kpis.records[i] for i in order]
        self.rows[KPIS] = kpis
        self.cells = CellRegistry()
        self._same: dict[Hashable, Hashable] = {}  # a cell published twice -> its first name
        self._register_cells()

    # --- cells -------------------------------------------------------------
    def _register_cells(self) -> None:
        for table in DAILY_AND_MONTHLY:
            for key, row in self.rows[table.name]:
                for column in table.counts:
                    self._add(
                        (table.name, key, column), row[column], self._stock(table, row, column)
                    )
                for column, weight in table.money.items():
                    self._add(
                        (table.name, key, column), row[weight], self._stock(table, row, column)
                    )
        for key, row in self.rows[DASHBOARD]:
            metric = DASHBOARD_METRICS[row["metric_name"]]
            for column, offset in DASHBOARD_PERIODS.items():
                weight = row[column] if metric.kind == "count" else row[_rows_column(column)]
                if metric.kind not in ("count", "money"):
                    continue
                same = None
                if metric.stock is not None:
                    table, daily_column = metric.stock
                    day = key[0] - dt.timedelta(days=offset)
                    same = (table.name, _day_key(table, day, key[1]), daily_column)
                self._add((DASHBOARD, key, column), weight, same)
        self._register_kpis()

    def _register_kpis(self) -> None:
        """The count and sum KPIs' values: a day's is the daily table's cell, a
        month's all-departments one monthly_summary's, a previous_value the
        previous period's value (the same quantities)."""
        for key, row in self.rows[KPIS]:
            workspace, period_type, start, metric = key
            kpi = HOSPITAL_KPIS[metric]
            if kpi.kind not in ("count", "sum"):
                continue
            for column, prefix in KPI_VALUES.items():
                weight = row[column] if kpi.kind == "count" else row[f"{prefix}_rows"]
                if column == "previous_value":
                    same = (
                        KPIS,
                        (workspace, period_type, _previous(period_type, start), metric),
                        "value",
                    )
                elif period_type == "day" and kpi.day is not None:
                    table, daily_column = kpi.day
                    same = (
                        table.name,
                        _day_key(table, start, _department(workspace)),
                        daily_column,
                    )
                elif period_type == "month" and workspace is None and kpi.month is not None:
                    same = (MONTHLY_SUMMARY.name, (start,), kpi.month)
                else:
                    same = None
                self._add((KPIS, key, column), weight, same)

    def _stock(self, table: HospitalTable, row: dict, column: str) -> Hashable | None:
        """The daily cell a month's end-of-period stock is the same as."""
        if table is not MONTHLY_SUMMARY or column not in MONTH_END_STOCKS:
            return None
        daily, daily_column = MONTH_END_STOCKS[column]
        last = row["month_start"] + dt.timedelta(days=int(row["days_in_period"]) - 1)
        return (daily.name, _day_key(daily, _plain(last), None), daily_column)

    def _add(self, name: Hashable, weight, same: Hashable | None) -> None:
        """A protected cell, one with `same` when that cell is published."""
        same = self._same.get(same, same)
        if same is not None and self.cells.number(same) is not None:
            self._same[name] = same
            name = same
        self.cells.add(name, _weight(weight))

    def _cell(self, table: str, key: Key, column: str) -> int | None:
        name = (table, key, column)
        return self.cells.number(self._same.get(name, name))

    def _relation(self, total: int | None, parts: Iterable[int | None]) -> Relation | None:
        present = tuple(p for p in parts if p is not None)
        if total is None or not present:
            return None
        return Relation(total, present)

    # --- relations, in the order they are visited ---------------------------
    def relations(self) -> list[Relation]:
        found = [
            *self._row_totals(),
            *self._all_rows(),
            *self._months_of_days(),
            *self._months_of_doctors(),
            *self._dashboard_departments(),
            *self._dashboard_periods(),
            *self._kpi_relations(),
        ]
        return [r for r in found if r is not None]

    def _row_totals(self) -> Iterator[Relation | None]:
        for table in DAILY_AND_MONTHLY:
            for key, _ in self.rows[table.name]:
                for total, parts in table.row_totals:
                    yield self._relation(
                        self._cell(table.name, key, total),
                        (self._cell(table.name, key, p) for p in parts),
                    )

    def _all_rows(self) -> Iterator[Relation | None]:
        for table in DAILY_AND_MONTHLY:
            if not table.all_row_dimension:
                continue
            by_day: dict[dt.date, list[Key]] = defaultdict(list)
            for key, _ in self.rows[table.name]:
                if key[0] is not None:
                    by_day[key[1]].append(key)
            for day in sorted(by_day):
                parts = sorted(by_day[day], key=lambda k: k[0])
                for column in table.protected:
                    yield self._relation(
                        self._cell(table.name, (None, day), column),
                        (self._cell(table.name, p, column) for p in parts),
                    )

    def _daily_cells(
        self, table: HospitalTable, column: str, days: Iterable[dt.date], dimension=None
    ):
        for day in days:
            yield self._cell(table.name, _day_key(table, day, dimension), column)

    def _months_of_days(self) -> Iterator[Relation | None]:
        for (month,), _ in self.rows[MONTHLY_SUMMARY.name]:
            days = _month_days(month)
            for column, (table, daily_column) in MONTH_OF_DAYS.items():
                yield self._relation(
                    self._cell(MONTHLY_SUMMARY.name, (month,), column),
                    self._daily_cells(table, daily_column, days),
                )

    def _months_of_doctors(self) -> Iterator[Relation | None]:
        by_month: dict[dt.date, list[Key]] = defaultdict(list)
        for key, _ in self.rows[DOCTOR_PERFORMANCE.name]:
            by_month[key[1]].append(key)
        for month in sorted(by_month):
            doctors = sorted(by_month[month], key=lambda k: k[0])
            for column in MONTH_OF_DOCTORS:
                yield self._relation(
                    self._cell(MONTHLY_SUMMARY.name, (month,), column),
                    (self._cell(DOCTOR_PERFORMANCE.name, d, column) for d in doctors),
                )

    def _dashboard_departments(self) -> Iterator[Relation | None]:
        departments: dict[tuple, list[Key]] = defaultdict(list)
        for key, _ in self.rows[DASHBOARD]:
            as_of, department, metric = key
            if department is not None:
                departments[(as_of, metric)].append(key)
        for (as_of, metric), keys in sorted(
            departments.items(),
            key=lambda item: (item[0][0], list(DASHBOARD_METRICS).index(item[0][1])),
        ):
            parts = sorted(keys, key=lambda k: k[1])
            for column in DASHBOARD_PERIODS:
                yield self._relation(
                    self._cell(DASHBOARD, (as_of, None, metric), column),
                    (self._cell(DASHBOARD, p, column) for p in parts),
                )

    def _dashboard_periods(self) -> Iterator[Relation | None]:
        for key, _ in self.rows[DASHBOARD]:
            as_of, department, metric = key
            days_of = DASHBOARD_METRICS[metric].days
            if days_of is None:
                continue
            table, daily_column = days_of
            for column, offset in DASHBOARD_PERIODS.items():
                last = as_of - dt.timedelta(days=offset)
                days = [last - dt.timedelta(days=i) for i in reversed(range(DASHBOARD_PERIOD_DAYS))]
                yield self._relation(
                    self._cell(DASHBOARD, key, column),
                    self._daily_cells(table, daily_column, days, department),
                )

    def _kpi_relations(self) -> Iterator[Relation | None]:
        """Per KPI row, in order: an all-departments count or sum = its
        departments'; a week's or month's = its days' (distinct counts
        aside). On values only: a previous_value is the previous period's."""
        departments: dict[tuple, list[Key]] = defaultdict(list)
        for key, _ in self.rows[KPIS]:
            if key[0] is not None:
                departments[key[1:]].append(key)
        for key, row in self.rows[KPIS]:
            workspace, period_type, start, metric = key
            kpi = HOSPITAL_KPIS[metric]
            if kpi.kind not in ("count", "sum"):
                continue
            if workspace is None and departments.get(key[1:]):
                yield self._relation(
                    self._cell(KPIS, key, "value"),
                    (self._cell(KPIS, k, "value") for k in departments[key[1:]]),
                )
            if period_type != "day" and kpi.additive:
                end = _plain(row["period_end"])
                days = (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
                yield self._relation(
                    self._cell(KPIS, key, "value"),
                    (self._cell(KPIS, (workspace, "day", d, metric), "value") for d in days),
                )

    # --- the hidden columns of each row -------------------------------------
    def hidden_columns(self, hidden: list[bool]) -> dict[str, list[tuple[Key, list[str]]]]:
        def is_hidden(table: str, key: Key, column: str) -> bool:
            cell = self._cell(table, key, column)
            return cell is not None and hidden[cell]

        result: dict[str, list[tuple[Key, list[str]]]] = {}
        for table in DAILY_AND_MONTHLY:
            rows = []
            for key, row in self.rows[table.name]:
                names = set(c for c in table.protected if is_hidden(table.name, key, c))
                names |= self._hidden_derived(table, key, row, names)
                if names:
                    rows.append((key, names))
            result[table.name] = rows
        rows = []
        for key, row in self.rows[DASHBOARD]:
            names = {c for c in DASHBOARD_PERIODS if is_hidden(DASHBOARD, key, c)}
            names |= self._hidden_dashboard_derived(key, row, names, is_hidden)
            if names:
                rows.append((key, names))
        result[DASHBOARD] = rows
        rows = []
        for key, row in self.rows[KPIS]:
            names = {c for c in KPI_VALUES if is_hidden(KPIS, key, c)}
            names |= self._hidden_kpi_derived(key, row, is_hidden)
            if names:
                names.add("change_percentage")
                rows.append((key, names))
        result[KPIS] = rows
        return result

    def _small(self, *values) -> bool:
        return any(is_small(_number(v), self.k) for v in values)

    def _hidden_derived(
        self, table: HospitalTable, key: Key, row: dict, hidden: set[str]
    ) -> set[str]:
        names = set()
        for rate in table.rates:
            numerator = _number(row[rate.numerator]) or 0
            denominator = sum(_number(row[c]) or 0 for c in rate.denominator)
            from_hidden = rate.numerator in hidden or any(c in hidden for c in rate.denominator)
            if from_hidden or self._small(numerator, denominator, denominator - numerator):
                names.add(rate.column)
        for column, rows in table.statistics.items():
            if self._small(row[rows]):
                names.add(column)
        for column, total in table.per_day.items():
            if total in hidden:
                names.add(column)
        return names

    def _hidden_dashboard_derived(
        self, key: Key, row: dict, hidden: set[str], is_hidden
    ) -> set[str]:
        as_of, department, metric = key
        kind = DASHBOARD_METRICS[metric].kind
        names = set()
        for column, prefix in (("current_value", "current"), ("previous_value", "previous")):
            rows = _number(row[f"{prefix}_rows"]) or 0
            if kind == "rate":
                numerator = _number(row[f"{prefix}_numerator"]) or 0
                completed_hidden = is_hidden(
                    DASHBOARD, (as_of, department, "completed_appointments"), column
                )
                if completed_hidden or self._small(numerator, rows, rows - numerator):
                    names.add(column)
            elif kind == "statistic" and self._small(rows):
                names.add(column)
        if names | hidden:
            names.add("change_percentage")
        return names

    def _hidden_kpi_derived(self, key: Key, row: dict, is_hidden) -> set[str]:
        workspace, period_type, start, metric = key
        kpi = HOSPITAL_KPIS[metric]
        names = set()
        for column, prefix in KPI_VALUES.items():
            rows = _number(row[f"{prefix}_rows"]) or 0
            if kpi.kind == "ratio":
                numerator = _number(row[f"{prefix}_numerator"]) or 0
                from_hidden = any(
                    is_hidden(KPIS, (workspace, period_type, start, name), column)
                    for name in kpi.computed_from
                )
                if from_hidden or self._small(numerator, rows, rows - numerator):
                    names.add(column)
            elif kpi.kind == "percentile" and self._small(rows):
                names.add(column)
        return names


def _kpi_order(key: Key) -> tuple:
    """KPI rows in order: departments by id, then all departments; periods by
    type (day, week, month) and start; KPIs in the docs' order."""
    workspace, period_type, start, metric = key
    return (
        workspace is None,
        int(workspace) if workspace is not None else 0,
        PERIOD_TYPES.index(period_type),
        start,
        list(HOSPITAL_KPIS).index(metric),
    )


def _department(workspace: str | None) -> int | None:
    """A KPI row's department (its workspace_id is the id as text)."""
    return None if workspace is None else int(workspace)


def _previous(period_type: str, start: dt.date) -> dt.date:
    if period_type == "day":
        return start - dt.timedelta(days=1)
    if period_type == "week":
        return start - dt.timedelta(days=7)
    return (start - dt.timedelta(days=1)).replace(day=1)


def _month_days(month: dt.date) -> list[dt.date]:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return [month + dt.timedelta(days=i) for i in range((following - month).days)]


def published_columns(table: str, exact_columns: Iterable[str]) -> list[str]:
    """The exact model's columns that are published, in order."""
    return [c for c in exact_columns if c not in EXTRAS[table]]


def suppressed_columns(frames: dict[str, pd.DataFrame], k: int) -> dict[str, pd.DataFrame]:
    """Per table, its rows with hidden cells: the grain columns and
    `suppressed_columns` (the hidden columns' names in column order)."""
    run = _Suppression(frames, k)
    hidden = suppress(run.cells.weights, run.relations(), k)
    result = {}
    for table, rows in run.hidden_columns(hidden).items():
        grain = GRAINS[table]
        order = published_columns(table, frames[table].columns)
        result[table] = pd.DataFrame(
            [(*key, [c for c in order if c in names]) for key, names in rows],
            columns=[*grain, "suppressed_columns"],
            dtype=object,  # keys as given: ints and None, not floats and NaN
        )
    return result
