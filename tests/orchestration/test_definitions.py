"""The code location loads and its asset graph has the lineage raw -> staging
-> ..., the learning branch included."""

from __future__ import annotations

import datetime as dt
import re

import dagster as dg
import pytest
import yaml

from analytics_pipeline.dbt.keys import table_asset_key
from analytics_pipeline.ingest.contract import SOURCES, pack_sources
from analytics_pipeline.reports.definition import load_definition_files
from analytics_pipeline.settings import REPO_DIR


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from analytics_pipeline.definitions import defs

    return defs


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


def test_definitions_load_through_workspace_yaml(defs):
    workspace = yaml.safe_load((REPO_DIR / "workspace.yaml").read_text())
    (entry,) = workspace["load_from"]
    assert entry["python_module"]["module_name"] == "analytics_pipeline.definitions"
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("__ASSET_JOB") is not None


# The domain packs' staging models are not built yet: their raw assets stand alone.
CORE_SOURCES = pack_sources(None)


@pytest.mark.parametrize("source", sorted(CORE_SOURCES))
def test_raw_asset_feeds_its_staging_model(graph, source):
    raw = graph.get(dg.AssetKey(["raw", source]))
    assert raw.group_name == "raw"
    staging = graph.get(dg.AssetKey(["staging", f"stg_{source}"]))
    assert staging.group_name == "staging"
    assert dg.AssetKey(["raw", source]) in staging.parent_keys
    assert staging.automation_condition is not None  # staging follows new raw data


def test_dbt_tests_are_asset_checks(graph):
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("staging/stg_user_activity", "unique_stg_user_activity_event_id") in checks
    assert ("staging/stg_user_activity", "not_null_stg_user_activity_event_id") in checks
    for source in CORE_SOURCES:
        spec = SOURCES[source]
        key = f"staging/stg_{source}"
        assert any(asset == key for asset, _ in checks), f"no checks on {key}"
        if len(spec.key) == 1:
            assert (key, f"unique_stg_{source}_{spec.key[0]}") in checks


def test_sensor_and_assets_are_registered(defs):
    for name in ("landing_files_sensor", "report_schedule_sensor", "dashboard_schedule_sensor"):
        sensor = defs.resolve_sensor_def(name)
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_every_schedule_has_an_explicit_timezone(defs):
    schedules = list(defs.schedules or [])
    assert schedules, "no schedules"
    for schedule in schedules:
        assert schedule.execution_timezone == "UTC", schedule.name


def test_schedule_partition_keys_come_from_the_scheduled_time_not_the_clock():
    import datetime as dt

    from analytics_pipeline.orchestration.schedules import _day_key

    moment = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    assert _day_key(moment, days_back=1) == "2026-02-28"
    assert _day_key(moment, days_back=0) == "2026-03-01"
    # A scheduled time given in another zone still names the UTC day.
    eastern = dt.timezone(dt.timedelta(hours=-5))
    assert _day_key(dt.datetime(2026, 3, 1, 21, 30, tzinfo=eastern), days_back=0) == "2026-03-02"


def test_every_asset_key_begins_with_its_group_and_published_tables_say_where_they_are(graph):
    layers = {"raw", "staging", "intermediate", "aggregates", "marts", "learning", "snapshots"}
    packs = {"hr", "hospital", "qms"}  # a domain pack: all its layers in one group
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert key.path[0] == node.group_name and len(key.path) == 2, key
        if node.group_name in {"aggregates", "marts", "learning"}:
            # All published in schema analytics: the key names the layer, the
            # metadata the table.
            assert node.metadata["table"] == f"analytics.{key.path[1]}", key
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups == layers | packs | {"reports", "dashboards", "alerts", "maintenance"}


def test_the_hr_pack_is_its_own_group_across_its_layers(graph):
    def node(name):
        return graph.get(dg.AssetKey(["hr", name]))

    assert node("stg_hr_activity_logs").metadata["table"] == "staging.stg_hr_activity_logs"
    assert node("int_hr_organization_versions").metadata["table"] == (
        "intermediate.int_hr_organization_versions"
    )
    published = node("business_impact_metrics")
    assert published.metadata["table"] == "analytics.business_impact_metrics"
    assert published.freshness_policy is not None and published.partitions_def is not None
    parents = {k.to_user_string() for k in published.parent_keys}
    assert "hr/int_hr_organization_versions" in parents
    staged = node("stg_hr_activity_logs")
    assert "raw/hr_activity_logs" in {k.to_user_string() for k in staged.parent_keys}


def test_the_qms_pack_is_its_own_group_and_its_kpis_reach_analytics_metrics(graph):
    def node(name):
        return graph.get(dg.AssetKey(["qms", name]))

    def parents(name):
        return {k.to_user_string() for k in node(name).parent_keys}

    assert "raw/qms_quality_events" in parents("stg_qms_quality_events")
    assert "qms/qms_kpi_records" in parents("quality_kpis")
    assert "qms/stg_qms_quality_events" in parents("qms_kpi_records")
    assert "qms/int_qms_document_version_states" in parents("qms_kpi_records")
    published = node("training_compliance")
    assert published.metadata["table"] == "analytics.training_compliance"
    assert published.freshness_policy is not None and published.partitions_def is not None
    assert {"qms/quality_kpis", "qms/lab_quality"} <= parents("int_qms_kpis")
    metrics = graph.get(dg.AssetKey(["marts", "analytics_metrics"]))
    assert "qms/int_qms_kpis" in {k.to_user_string() for k in metrics.parent_keys}


def test_lineage_runs_raw_to_marts_with_snapshots_beside(graph):
    def parents(*path):
        return {k.to_user_string() for k in graph.get(dg.AssetKey(list(path))).parent_keys}

    assert "raw/user_activity" in parents("staging", "stg_user_activity")
    assert "staging/stg_user_activity" in parents("intermediate", "int_sessions")
    # daily_metrics joins the per-concept daily views, one of them over the sessions.
    assert "intermediate/int_sessions__daily" in parents("aggregates", "daily_metrics")
    assert "intermediate/int_sessions" in parents("intermediate", "int_sessions__daily")
    assert parents("snapshots", "data_snapshots_weekly") >= {
        "aggregates/daily_metrics",
        "intermediate/int_user_activity_days",
    }
    assert "staging/stg_users" in parents("snapshots", "users_snapshot")
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups >= {"raw", "staging", "intermediate", "aggregates", "marts", "snapshots"}


def test_published_tables_have_freshness_policies_and_daily_partitions(graph):
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name in ("aggregates", "marts"):
            assert node.freshness_policy is not None, key
            assert node.partitions_def is not None, key


def test_expected_schedules(defs):
    names = {s.name: s for s in defs.schedules}
    assert names["daily_analytics_schedule"].cron_schedule == "0 2 * * *"
    assert names["hourly_metrics_schedule"].cron_schedule == "10 * * * *"
    assert names["hospital_extract_schedule"].cron_schedule == "5 * * * *"
    assert names["retention_schedule"].cron_schedule == "0 4 * * *"
    assert {
        "dbt_snapshots_schedule",
        "data_snapshots_hourly_schedule",
        "data_snapshots_daily_schedule",
        "data_snapshots_weekly_schedule",
        "data_snapshots_monthly_schedule",
    } <= set(names)


def _parents(graph, key: str) -> set[str]:
    return {k.to_user_string() for k in graph.get(dg.AssetKey(key.split("/"))).parent_keys}


def test_learning_lineage_is_one_chain(graph):
    """staging -> learning facts (dbt views) -> learning stats (dbt) and
    topic_mastery (Python) -> knowledge_gaps, exam_readiness; topic_mastery ->
    topic_mastery_history (dbt snapshot) -> mastery_progression."""
    assert "staging/stg_question_attempts" in _parents(graph, "intermediate/int_learning_attempts")
    assert "staging/stg_material_interactions" in _parents(
        graph, "intermediate/int_learning_interactions"
    )
    facts = {"intermediate/int_learning_attempts", "intermediate/int_learning_interactions"}
    assert facts <= _parents(graph, "aggregates/daily_user_stats")  # through int_learning_facts
    mastery = _parents(graph, "learning/topic_mastery")
    assert facts <= mastery
    assert "learning/topic_mastery" in _parents(graph, "learning/knowledge_gaps")
    assert "learning/topic_mastery" in _parents(graph, "learning/exam_readiness")
    assert _parents(graph, "snapshots/topic_mastery_history") == {"learning/topic_mastery"}
    assert "snapshots/topic_mastery_history" in _parents(graph, "marts/mastery_progression")
    # The attempts and interactions of non-deleted users come from dbt, never
    # straight from staging events (nor stg_users for the deletion filter).
    staging_events = {f"staging/stg_{name}" for name, s in SOURCES.items() if s.event_time_column}
    assert "staging/stg_question_attempts" in staging_events
    for asset in ("topic_mastery", "knowledge_gaps", "exam_readiness"):
        parents = _parents(graph, f"learning/{asset}")
        assert not parents & (staging_events | {"staging/stg_users"}), asset


def test_learning_assets_depend_on_exactly_the_tables_they_read(graph):
    from analytics_pipeline.learning import runs
    from analytics_pipeline.learning.inputs import input_tables

    def reads(inputs, *extra: str) -> set[str]:
        return {f"{schema}/{name}" for schema, name in input_tables(inputs)} | set(extra)

    mastery = "learning/topic_mastery"
    assert _parents(graph, mastery) == reads(runs.MASTERY_INPUTS)
    assert _parents(graph, "learning/knowledge_gaps") == reads(runs.GAPS_INPUTS, mastery)
    assert _parents(graph, "learning/exam_readiness") == reads(runs.READINESS_INPUTS, mastery)
    assert _parents(graph, "learning/subject_percentiles") == reads(
        runs.SUBJECT_PERCENTILES_INPUTS, mastery
    )
    for key in reads(runs.GAPS_INPUTS):  # every table read is built by a dbt asset
        assert graph.get(dg.AssetKey(key.split("/"))).is_materializable, key


def test_report_families_sit_downstream_of_the_marts_their_definitions_read(graph):
    definitions = load_definition_files(REPO_DIR / "reports")
    expected: dict[str, set[str]] = {}
    for definition in definitions:
        source = table_asset_key("analytics", definition.configuration.data_source)
        source = source.to_user_string()
        expected.setdefault(definition.report_type, set()).add(source)
    assert expected == {
        "dashboard": {
            "aggregates/daily_metrics",
            "hr/business_impact_metrics",
            "hospital/appointment_analytics",
        },
        "table": {
            "aggregates/agent_performance",
            "learning/exam_readiness",
            "hr/hr_user_engagement_metrics",
            "marts/analytics_metrics",
            "hospital/hospital_dashboard_metrics",
            "hospital/lab_tests_analytics",
            "qms/quality_kpis",
            "qms/training_overdue",
            "qms/training_compliance",
        },
        "chart": {"marts/user_cohorts", "learning/knowledge_gaps", "hr/report_generation_stats"},
        "export": {"aggregates/user_engagement_metrics", "hospital/monthly_summary"},
    }
    for family, sources in expected.items():
        assert _parents(graph, f"reports/{family}") == sources | {"reports/report_definitions"}
        assert graph.get(dg.AssetKey(["reports", family])).partitions_def.name == (
            f"report_{family}"
        )


def test_each_dashboard_sits_downstream_of_exactly_the_tables_its_widgets_read(graph):
    from analytics_pipeline.dashboards.definition import load_dashboard_files

    shipped = load_dashboard_files(REPO_DIR / "dashboards")
    dashboards = {
        key.path[1]
        for key in graph.get_all_asset_keys()
        if graph.get(key).group_name == "dashboards"
    }
    assert dashboards == {"dashboard_definitions", "defined_in_table"} | {d.id for d in shipped}
    in_table = graph.get(dg.AssetKey(["dashboards", "defined_in_table"]))
    assert in_table.partitions_def.name == "dashboards_defined_in_table"
    assert _parents(graph, "dashboards/defined_in_table") == {"dashboards/dashboard_definitions"}
    for definition in shipped:
        tables = {
            table_asset_key("analytics", source).to_user_string()
            for source in definition.data_sources
        }
        assert _parents(graph, f"dashboards/{definition.id}") == tables | {
            "dashboards/dashboard_definitions"
        }
        assert graph.get(dg.AssetKey(["dashboards", definition.id])).partitions_def is None
    assert _parents(graph, "dashboards/agent_platform_overview") == {
        "aggregates/agent_performance",
        "aggregates/daily_metrics",
        "marts/analytics_metrics",
        "marts/top_agents",
        "dashboards/dashboard_definitions",
    }


# Keys dagster-dbt needs at run time whose values are Python objects; the UI
# hides them (its list of integration keys), so they never show as unserializable.
_HIDDEN_BY_THE_UI = {"dagster_dbt/manifest", "dagster_dbt/dagster_dbt_translator"}


def _dbt_nodes(graph):
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if "dagster_dbt/unique_id" in node.metadata:
            yield key, node


def test_dbt_asset_metadata_is_serializable(graph):
    from dagster._core.definitions.metadata import normalize_metadata

    nodes = list(_dbt_nodes(graph))
    assert nodes
    for key, node in nodes:
        assert "dagster_dbt/project" not in node.metadata, key
        shown = {k: v for k, v in node.metadata.items() if k not in _HIDDEN_BY_THE_UI}
        for name, value in normalize_metadata(shown, allow_invalid=True).items():
            assert "(unserializable)" not in str(getattr(value, "value", "")), (key, name)


def test_published_dbt_models_name_their_partition_column(graph):
    """Previews select the partition's rows by it."""
    for key, node in _dbt_nodes(graph):
        if node.group_name in ("aggregates", "marts"):
            assert node.metadata.get("partition_column"), key


_DOC_BLOCK = re.compile(r"\{%\s*docs\s+(\w+)\s*%\}(.*?)\{%\s*enddocs\s*%\}", re.S)
_DOC_REF = re.compile(r"^\{\{\s*doc\('(\w+)'\)\s*\}\}$")


def _documented_columns(path: str) -> dict[str, dict[str, str]]:
    """table -> column -> description, read from a dbt sources YAML (doc blocks resolved)."""
    docs = {
        name: text.strip()
        for md in (REPO_DIR / "dbt_project" / "models").rglob("*.md")
        for name, text in _DOC_BLOCK.findall(md.read_text())
    }
    (source,) = yaml.safe_load((REPO_DIR / path).read_text())["sources"]
    result = {}
    for table in source["tables"]:
        columns = {}
        for column in table["columns"]:
            ref = _DOC_REF.match(column["description"])
            columns[column["name"]] = docs[ref.group(1)] if ref else column["description"]
        result[table["name"]] = columns
    return result


_LEARNING_SOURCES = "dbt_project/models/marts/learning/_learning_assets__sources.yml"
_PYTHON_TABLES = {
    f"learning/{table}": (_LEARNING_SOURCES, table)
    for table in ("topic_mastery", "knowledge_gaps", "exam_readiness", "subject_percentiles")
}


@pytest.mark.parametrize("key", sorted(_PYTHON_TABLES))
def test_python_tables_have_column_schemas_in_the_dbt_docs_words(graph, key):
    path, table = _PYTHON_TABLES[key]
    documented = _documented_columns(path)[table]
    schema = graph.get(dg.AssetKey.from_user_string(key)).metadata["dagster/column_schema"]
    described = {c.name: c.description for c in schema.columns}
    assert described == documented


@pytest.mark.parametrize("key", sorted(_PYTHON_TABLES))
def test_python_tables_have_freshness_policies_and_warehouse_checks(graph, key):
    from analytics_pipeline.dbt.translator import PUBLISHED_FRESHNESS

    asset_key = dg.AssetKey.from_user_string(key)
    assert graph.get(asset_key).freshness_policy == PUBLISHED_FRESHNESS
    checks = {c.name for c in graph.asset_check_keys if c.asset_key == asset_key}
    assert {"primary_key_unique", "primary_key_not_null"} <= checks
    if "mastery" in key:
        assert "mastery_in_range" in checks


_PERIODS = ("hourly", "daily", "weekly", "monthly")
_DATA_SNAPSHOT_MODELS = "dbt_project/models/data_snapshots/_data_snapshots__models.yml"


def _model_columns(path: str) -> dict[str, dict[str, str]]:
    """model -> column -> description, read from a dbt models YAML (doc blocks resolved)."""
    docs = {
        name: text.strip()
        for md in (REPO_DIR / "dbt_project" / "models").rglob("*.md")
        for name, text in _DOC_BLOCK.findall(md.read_text())
    }
    result = {}
    for model in yaml.safe_load((REPO_DIR / path).read_text())["models"]:
        result[model["name"]] = {
            column["name"]: (
                docs[ref.group(1)]
                if (ref := _DOC_REF.match(column["description"]))
                else column["description"]
            )
            for column in model["columns"]
        }
    return result


@pytest.mark.parametrize("period", _PERIODS)
def test_data_snapshots_are_dbt_models_partitioned_by_their_period(graph, period):
    """Each period type is a dbt model: its period partitions, tag data_snapshots,
    the published freshness policy, the columns in the dbt docs' words, and
    dbt tests of its grain, not-null columns and snapshot_type as checks."""
    from analytics_pipeline.dbt.translator import PUBLISHED_FRESHNESS
    from analytics_pipeline.partitions import period_partitions

    key = dg.AssetKey(["snapshots", f"data_snapshots_{period}"])
    node = graph.get(key)
    assert node.group_name == "snapshots"
    assert "data_snapshots" in node.tags
    assert node.metadata["dagster_dbt/unique_id"] == (
        f"model.analytics_pipeline.data_snapshots_{period}"
    )
    assert node.metadata["table"] == f"analytics.data_snapshots_{period}"
    assert node.partitions_def == period_partitions(period)
    assert node.freshness_policy == PUBLISHED_FRESHNESS
    described = {c.name: c.description for c in node.metadata["dagster/column_schema"].columns}
    assert described == _model_columns(_DATA_SNAPSHOT_MODELS)[f"data_snapshots_{period}"]
    checks = {c.name for c in graph.asset_check_keys if c.asset_key == key}
    model = f"data_snapshots_{period}"
    assert {
        f"{model}_grain_unique",
        f"not_null_{model}_snapshot_date",
        f"not_null_{model}_snapshot_type",
        f"accepted_values_{model}_snapshot_type__{period}",
    } <= checks
    # The tables its SQL reads, as the Python snapshots read them.
    reads = {
        "hourly": {"aggregates/hourly_metrics"},
        "daily": {"aggregates/daily_metrics"},
    }.get(period, {"aggregates/daily_metrics", "intermediate/int_user_activity_days"})
    assert {k.to_user_string() for k in node.parent_keys} == reads


def test_data_snapshots_view_publishes_the_four_periods(graph):
    node = graph.get(dg.AssetKey(["snapshots", "data_snapshots"]))
    assert node.metadata["table"] == "analytics.data_snapshots"
    assert {k.to_user_string() for k in node.parent_keys} == {
        f"snapshots/data_snapshots_{period}" for period in _PERIODS
    }
    assert node.partitions_def is None


def test_the_hospital_extract_schedule_waits_for_a_configured_database(defs, monkeypatch):
    schedule = next(s for s in defs.schedules if s.name == "hospital_extract_schedule")
    monkeypatch.delenv("ANALYTICS_HOSPITAL_DATABASE_URL", raising=False)
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 9, 30, 10, 5))
    assert isinstance(schedule.evaluate_tick(context).skip_message, str)
    monkeypatch.setenv("ANALYTICS_HOSPITAL_DATABASE_URL", "postgresql://reader@/hospital")
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.run_key == "hospital-extract-2026-09-30T10"
    assert set(defs.resolve_job_def("hospital_extract_job").asset_layer.executable_asset_keys) == {
        dg.AssetKey(["raw", name]) for name in pack_sources("hospital")
    }
