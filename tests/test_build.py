"""How a selection splits into the build's stages (one Dagster run each)."""

from __future__ import annotations

from analytics_pipeline.commands.build import DAILY_RUN, _stages
from analytics_pipeline.commands.materialize import all_asset_keys, resolve_selection


def test_every_asset_is_in_exactly_one_stage():
    stages = _stages(all_asset_keys())
    assert all(stages.values()), stages
    assert sum(len(keys) for keys in stages.values()) == len(all_asset_keys())
    assert set().union(*stages.values()) == all_asset_keys()


def test_maintenance_is_its_own_stage_and_a_whole_build_leaves_it_out():
    from analytics_pipeline.commands.build import without_maintenance

    stages = _stages(resolve_selection("group:maintenance"))
    assert {k.to_user_string() for k in stages["maintenance"]} == {"maintenance/retention"}
    assert {k.to_user_string() for k in stages["erasure"]} == {"maintenance/erasure"}
    assert not stages["unpartitioned"]
    assert not _stages(without_maintenance(all_asset_keys()))["maintenance"]


def test_not_tag_daily_is_the_other_stages():
    stages = _stages(resolve_selection("not tag:daily"))
    assert not stages["daily"]
    assert stages["raw"] and stages["unpartitioned"] and stages["learning"] and stages["reports"]
    assert {key.to_user_string() for key in stages["dashboards"]} >= {
        "dashboards/dashboard_definitions",
        "dashboards/agent_platform_overview",
    }
    assert not any(key.path[0] == "dashboards" for key in stages["unpartitioned"])


def test_the_daily_run_is_the_daily_job_and_the_data_snapshots():
    stages = _stages(resolve_selection(DAILY_RUN))
    assert {name for name, keys in stages.items() if keys} == {
        "daily",
        "data_snapshots",
        "learning",
        "alerts",
    }


def test_reports_are_rendered_for_noon_after_the_data_but_never_for_a_time_to_come():
    import datetime as dt

    from analytics_pipeline.commands.build import report_moment

    now = dt.datetime(2026, 12, 1, 1, 47, tzinfo=dt.UTC)
    noon = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
    assert report_moment("2026-09-30", now=now) == noon  # data ended weeks ago
    assert report_moment("2026-11-30", now=now) == now  # data ended yesterday
