"""The published tables a report can read (and no other table).

A report definition names a source by its key here (`daily_metrics`), never a
schema or table of its own. Each source says which column scopes it to a
workspace, which date column a date range filters on, whether it has
all-workspaces rows (`workspace_id` null), which definitions without a
workspace read (without them, such definitions read every workspace's rows),
and how dbt knows the table (a model, or a dbt source for the
tables Python assets build; the report exposures in the dbt docs depend on
it). Whether the table and its columns really exist is checked against the
warehouse catalog at query time (`reports.query`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

REPORT_SCHEMA = "analytics"


_TENANT_LABELS = {
    "organization_id": "Organization",
    "department_id": "Department",
}
# What a table without a tenant column is about (ReportSource.whole_label).
_WHOLE_LABELS = ("Hospital", "Company")


def every_tenant(tenant_label: str) -> str:
    """A report over every tenant's rows, in words ("all workspaces", "the whole hospital")."""
    if tenant_label in _WHOLE_LABELS:
        return f"the whole {tenant_label.lower()}"
    return f"all {tenant_label.lower()}s"


@dataclass(frozen=True)
class ReportSource:
    """One published table a report may read."""

    name: str
    date_column: str
    has_all_workspaces_rows: bool = False
    # The tenant column; None for a table about the whole of one tenant (the
    # hospital pack's hospital-wide tables: a definition reading one names no
    # workspace).
    workspace_column: str | None = "workspace_id"
    schema: str = REPORT_SCHEMA
    table: str = ""
    # The dbt source declaring the table when a Python asset builds it (the
    # table is then a `source(dbt_source, table)` in dbt, else a model).
    dbt_source: str | None = None
    # What a table without a tenant column is about (one of _WHOLE_LABELS).
    whole_label: str = "Hospital"

    def __post_init__(self) -> None:
        if not self.table:
            object.__setattr__(self, "table", self.name)
        if self.whole_label not in _WHOLE_LABELS:
            raise ValueError(f"{self.name}: whole_label must be one of {_WHOLE_LABELS}")

    @property
    def tenant_label(self) -> str:
        """What readers call the tenant column's values (or the whole the table is about)."""
        if self.workspace_column is None:
            return self.whole_label
        return _TENANT_LABELS.get(self.workspace_column, "Workspace")

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.table}"


_SOURCES = (
    # Activity and agent aggregates (docs/tables.md).
    ReportSource("hourly_metrics", "metric_date", has_all_workspaces_rows=True),
    ReportSource("daily_metrics", "metric_date", has_all_workspaces_rows=True),
    ReportSource("agent_performance", "metric_date"),
    ReportSource("feature_utilization", "metric_date"),
    ReportSource("user_engagement_metrics", "metric_date"),
    ReportSource("active_users", "metric_date", has_all_workspaces_rows=True),
    # Activity and agent marts: one row set per as-of date or period.
    ReportSource("top_agents", "as_of_date"),
    ReportSource("workspace_summary", "as_of_date"),
    ReportSource("user_cohorts", "as_of_date", has_all_workspaces_rows=True),
    ReportSource("analytics_metrics", "period_start", has_all_workspaces_rows=True),
    # Learning tables (dbt models, then Python assets); per workspace only.
    ReportSource("daily_user_stats", "stat_date"),
    ReportSource("weekly_user_stats", "week_start"),
    ReportSource("topic_daily_stats", "stat_date"),
    ReportSource("user_learning_metrics", "as_of_date"),
    ReportSource("topic_mastery", "as_of_date", dbt_source="learning"),
    ReportSource("knowledge_gaps", "as_of_date", dbt_source="learning"),
    ReportSource("exam_readiness", "as_of_date", dbt_source="learning"),
    # The HR platform pack (docs/metrics.md, "HR platform pack"): the tenant
    # is the organization.
    *(
        ReportSource(name, "metric_date", has_all_rows, workspace_column="organization_id")
        for name, has_all_rows in (
            ("platform_adoption_metrics", True),
            ("hr_user_engagement_metrics", False),
            ("report_generation_stats", False),
            ("feature_utilization_metrics", False),
            ("notification_delivery_metrics", True),
            ("ai_chat_analytics", False),
            ("dashboard_performance", True),
            ("business_impact_metrics", True),
        )
    ),
    # The hospital operations pack (docs/metrics.md, "Hospital operations
    # pack"): the department is the tenant of the tables that have one, the
    # others are hospital-wide; small cells are already hidden in the tables.
    *(
        ReportSource(name, date_column, has_all_rows, workspace_column=tenant)
        for name, date_column, has_all_rows, tenant in (
            ("patient_analytics", "metric_date", False, None),
            ("appointment_analytics", "metric_date", True, "department_id"),
            ("doctor_performance", "month_start", False, "department_id"),
            ("medical_records_analytics", "metric_date", False, None),
            ("lab_tests_analytics", "metric_date", False, None),
            ("revenue_analytics", "metric_date", True, "department_id"),
            ("monthly_summary", "month_start", False, None),
            ("hospital_dashboard_metrics", "as_of_date", True, "department_id"),
        )
    ),
    # The quality management pack (docs/metrics.md, "Quality management
    # pack"): the department is the tenant; the per-test and per-module
    # tables are about the whole company.
    *(
        ReportSource(name, date_column, workspace_column=tenant, whole_label="Company")
        for name, date_column, tenant in (
            ("quality_kpis", "metric_date", "department_id"),
            ("training_compliance", "metric_date", "department_id"),
            ("training_overdue", "as_of_date", "department_id"),
            ("document_control", "metric_date", "department_id"),
            ("lab_quality", "metric_date", None),
            ("risk_register_summary", "metric_date", None),
            ("qms_kpi_records", "metric_date", "department_id"),
        )
    ),
)

REPORT_SOURCES: MappingProxyType[str, ReportSource] = MappingProxyType(
    {source.name: source for source in _SOURCES}
)
