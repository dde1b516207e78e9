"""The report definitions shipped in reports/*.yml: they parse with the
project's loader and cover the seeds' reports. (That they return rows is the
demo's job: the examples' columns were checked against the demo warehouse.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from analytics_pipeline.reports.definition import ReportDefinition, load_definition_files
from analytics_pipeline.reports.sources import REPORT_SOURCES
from analytics_pipeline.settings import get_settings


@pytest.fixture(scope="module")
def examples() -> list[ReportDefinition]:
    return load_definition_files(get_settings().report_definitions_dir)


def _formats(definition: ReportDefinition) -> tuple[str, ...]:
    return definition.schedule.formats if definition.schedule else ()


def _chart_pdf(chart_type: str | None = None) -> Callable[[ReportDefinition], bool]:
    def matches(definition: ReportDefinition) -> bool:
        config = definition.configuration
        return (
            "pdf" in _formats(definition)
            and config.chart_type is not None
            and chart_type in (None, config.chart_type)
        )

    return matches


def _frequency(name: str) -> Callable[[ReportDefinition], bool]:
    return lambda d: d.schedule is not None and d.schedule.frequency == name


def _counts_by(column: str) -> Callable[[ReportDefinition], bool]:
    def matches(definition: ReportDefinition) -> bool:
        config = definition.configuration
        return config.grouping == (column,) and any(
            a.function == "count" for a in config.aggregations
        )

    return matches


def _has_format(fmt: str) -> Callable[[ReportDefinition], bool]:
    return lambda d: fmt in _formats(d)


# The seeds' reports (issue 5, item 8): data source and what the example must be.
SEED_REPORTS = {
    "daily KPI overview": ("daily_metrics", [_chart_pdf("line")]),
    "agent performance weekly": ("agent_performance", [_has_format("xlsx"), _frequency("weekly")]),
    "cohort retention monthly": ("user_cohorts", [_chart_pdf(), _frequency("monthly")]),
    "workspace activity export": (
        "user_engagement_metrics",
        [_has_format("csv"), lambda d: d.report_type == "export"],
    ),
    "knowledge gaps by severity": ("knowledge_gaps", [_chart_pdf("bar"), _counts_by("severity")]),
    "exam readiness roster": ("exam_readiness", [_has_format("csv")]),
}


def test_examples_parse_with_unique_ids(examples) -> None:
    assert len(examples) >= len(SEED_REPORTS)
    ids = [d.id for d in examples]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("report", SEED_REPORTS)
def test_every_seed_report_has_an_example(examples, report: str) -> None:
    source, checks = SEED_REPORTS[report]
    matching = [
        d
        for d in examples
        if d.configuration.data_source == source and all(check(d) for check in checks)
    ]
    assert matching, f"no example for the {report} (from {source})"


def test_examples_are_active_and_scheduled_with_recipients(examples) -> None:
    for definition in examples:
        assert definition.is_active, definition.id
        assert definition.schedule is not None, definition.id
        assert definition.schedule.recipients, definition.id
        assert definition.configuration.date_range is not None, definition.id


def test_schedules_include_a_cron_expression(examples) -> None:
    assert any(d.schedule.cron for d in examples)


def test_examples_name_no_workspace_so_they_run_on_any_dataset(examples) -> None:
    # Without a workspace: the all-workspaces rows where the source has them,
    # else every workspace's rows, each row showing its workspace (by name in
    # PDF and XLSX) unless the report pools them by design.
    pooled = {"knowledge_gaps_by_severity", "hr_leader_report_generation"}
    for definition in examples:
        assert definition.workspace_id is None, definition.id
        source = REPORT_SOURCES[definition.configuration.data_source]
        tenanted = source.workspace_column is not None  # not so: the hospital-wide tables
        if tenanted and not source.has_all_workspaces_rows and definition.id not in pooled:
            assert source.workspace_column in definition.configuration.output_columns
