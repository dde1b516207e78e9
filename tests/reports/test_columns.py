"""Column labels and rates from the dbt docs of the published tables, and the
styles a definition's result columns get (pure: reads the dbt project YAML)."""

from __future__ import annotations

import os
from pathlib import Path

from analytics_pipeline.reports.columns import ColumnDoc, column_docs, column_styles, readable
from analytics_pipeline.reports.definition import parse_definition
from analytics_pipeline.reports.render import ColumnStyle
from analytics_pipeline.reports.sources import REPORT_SOURCES


def _definition(configuration: dict, workspace_id: str | None = None):
    return parse_definition(
        {
            "id": "styled",
            "name": "Styled",
            "report_type": "table",
            "workspace_id": workspace_id,
            "configuration": configuration,
        }
    )


def test_labels_and_rates_come_from_the_dbt_column_meta() -> None:
    daily = column_docs(REPORT_SOURCES["daily_metrics"])
    assert daily["dau"] == ColumnDoc("Daily active users", False)
    assert daily["success_rate"].percent and daily["error_rate"].percent
    assert not daily["events"].percent and daily["events"].label is None
    cohorts = column_docs(REPORT_SOURCES["user_cohorts"])
    assert all(cohorts[f"day_{n}_retention"].percent for n in (1, 7, 14, 30))
    # Tables the Python assets build are documented as a dbt source.
    readiness = column_docs(REPORT_SOURCES["exam_readiness"])
    assert readiness["coverage"].percent and readiness["percentile_in_workspace"].percent
    assert not readiness["examined_topics"].percent
    assert column_docs(REPORT_SOURCES["knowledge_gaps"])["mastery"].percent


def test_docs_are_read_again_when_a_yaml_file_changes(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    yml = models / "m.yml"
    yml.write_text("models:\n  - name: daily_metrics\n    columns:\n      - name: dau\n")
    assert column_docs(REPORT_SOURCES["daily_metrics"], tmp_path) == {"dau": ColumnDoc()}
    yml.write_text(
        "models:\n  - name: daily_metrics\n    columns:\n"
        "      - {name: dau, meta: {label: DAU, format: percent}}\n"
    )
    os.utime(yml, (1, 1))  # a different modification time, whatever the clock
    assert column_docs(REPORT_SOURCES["daily_metrics"], tmp_path) == {"dau": ColumnDoc("DAU", True)}


def test_styles_of_plain_columns() -> None:
    definition = _definition(
        {
            "data_source": "agent_performance",
            "columns": [
                "workspace_id",
                "agent_name",
                {"column": "total_runs", "label": "Runs"},
                "success_rate",
                "avg_runtime_seconds",
            ],
        }
    )
    source = REPORT_SOURCES["agent_performance"]
    names = {"ws_1": "Acme"}
    styles = column_styles(definition, source, column_docs(source), names)
    assert styles == [
        ColumnStyle("Workspace", names=names),
        ColumnStyle("Agent"),
        ColumnStyle("Runs"),  # the definition's label wins
        ColumnStyle("Success rate", percent=True),
        ColumnStyle("Avg runtime seconds"),
    ]


def test_styles_of_aggregates() -> None:
    definition = _definition(
        {
            "data_source": "knowledge_gaps",
            "grouping": ["severity"],
            "aggregations": [
                {"function": "count"},
                {"function": "count_distinct", "column": "user_id", "label": "Learners"},
                {"function": "avg", "column": "mastery"},
                {"function": "sum", "column": "mastery"},
            ],
        }
    )
    source = REPORT_SOURCES["knowledge_gaps"]
    styles = column_styles(definition, source, column_docs(source))
    assert styles == [
        ColumnStyle("Severity"),
        ColumnStyle("Rows"),
        ColumnStyle("Learners"),
        ColumnStyle("Average mastery", percent=True),  # the mean of a rate is a rate
        ColumnStyle("Total mastery"),  # a sum of rates is not
    ]
    assert readable("count_distinct_user_id") == "Count distinct user id"
