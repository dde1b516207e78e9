"""The HR pack's sample: deterministic, the core's bytes untouched, every row
valid but the planted bad rows (each breaking one rule, quarantined with its
reason by a real ingest), and the shapes the HR metrics are computed from."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics_pipeline.ingest.contract import SOURCES, pack_sources
from analytics_pipeline.sample_data import MANIFEST, GenerationSummary, generate_sample

from .contract_checker import classify, read_text, records
from .quarantine_kinds import assert_ingest_quarantines_exactly_the_bad_rows

HR = pack_sources("hr")
MONGO = tuple(name for name in HR if SOURCES[name].mongo)
SMALL_HR = dict(workspaces=2, users=90, days=28, end_date=date(2026, 3, 15))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("hr_clean")
    return out, generate_sample(out, packs=("hr",), **SMALL_HR)


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("hr_bad")
    return out, generate_sample(out, packs=("hr",), bad_rows=0.03, seed=11, **SMALL_HR)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _frame(root: Path, source: str) -> pd.DataFrame:
    rows = []
    for path in sorted((root / source).iterdir()):
        sent = path.name.removeprefix(f"{source}_").split(".")[0]
        for _, record in records(path, SOURCES[source]):
            if isinstance(record, dict):
                rows.append({**record, "_sent": sent})
    return pd.DataFrame(rows)


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="ISO8601")


# --- determinism, the core untouched, layout -----------------------------------------


def test_same_arguments_same_bytes_and_the_core_is_untouched(tmp_path: Path, bad) -> None:
    out, _ = bad
    generate_sample(tmp_path / "again", packs=("hr",), bad_rows=0.03, seed=11, **SMALL_HR)
    assert _tree(tmp_path / "again") == _tree(out)
    generate_sample(tmp_path / "core", bad_rows=0.03, seed=11, **SMALL_HR)
    core = _tree(tmp_path / "core")
    with_hr = _tree(out)
    assert {k for k in with_hr if not k.startswith("hr_")} == set(core)
    assert all(with_hr[k] == v for k, v in core.items() if k != MANIFEST)
    assert json.loads(with_hr[MANIFEST])["parameters"]["packs"] == ["hr"]


def test_same_bytes_in_another_process(tmp_path: Path) -> None:
    """No dependence on hash randomization or anything else process-specific."""
    tiny = dict(workspaces=1, users=24, days=7, end_date=date(2026, 3, 15), bad_rows=0.05)
    generate_sample(tmp_path / "here", packs=("hr",), **tiny)
    code = (
        "import sys, datetime, pathlib; from analytics_pipeline.sample_data import generate_sample;"
        "generate_sample(pathlib.Path(sys.argv[1]), packs=('hr',), workspaces=1, users=24,"
        "days=7, end_date=datetime.date(2026, 3, 15), bad_rows=0.05)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4321"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    assert _tree(tmp_path / "here") == _tree(tmp_path / "there")


def test_layout_and_mongoexport_forms(clean) -> None:
    out, summary = clean
    assert set(pack_sources(None) + HR) == set(summary.files)
    for source in HR:
        assert summary.files[source], source
    names = [p.name for source in MONGO for p in summary.files[source]]
    assert all(n.endswith((".json", ".json.gz")) for n in names)
    texts = {source: read_text(summary.files[source][-1]) for source in MONGO}
    assert texts["hr_dashboard_interactions"].startswith("[\n")  # --jsonArray
    assert not texts["hr_activity_logs"].startswith("[")
    assert '"$date":{"$numberLong":' in texts["hr_activity_logs"]  # canonical
    assert '"$oid":' in texts["hr_activity_logs"] and '"$binary":' in texts["hr_activity_logs"]
    assert re.search(r'"\$date":"2026-', texts["hr_chat_sessions"])  # relaxed
    assert '"$uuid":' in texts["hr_chat_sessions"]
    assert summary.files["hr_chat_sessions"][0].name.endswith(".json.gz")


def test_volume_scales_with_the_arguments(clean, tmp_path: Path) -> None:
    _, summary = clean
    tiny = generate_sample(
        tmp_path / "tiny", packs=("hr",), workspaces=1, users=20, days=7, end_date=date(2026, 3, 15)
    )
    for source in HR:
        assert tiny.rows_written[source] <= summary.rows_written[source], source
    assert sum(tiny.rows_written[s] for s in HR) < 10_000


# --- contract conformance and bad rows ----------------------------------------------


def test_clean_sample_conforms_to_contract(clean) -> None:
    _, summary = clean
    for source in HR:
        lines = 0
        for path in summary.files[source]:
            for line, _, reasons in classify(source, path):
                lines += 1
                assert not reasons, f"{path.name}:{line} {reasons}"
        assert lines == summary.rows_written[source], source


def test_bad_rows_break_one_rule_each_and_are_counted(bad) -> None:
    out, summary = bad
    manifest = json.loads((out / MANIFEST).read_text())
    for source in HR:
        found: Counter[str] = Counter()
        for path in summary.files[source]:
            for line, _, reasons in classify(source, path):
                assert len(reasons) <= 1, f"{path.name}:{line} breaks {reasons}"
                found.update(reasons)
        assert dict(found) == manifest["bad_rows"][source], source
    kinds = summary.bad_rows
    for source in MONGO:
        assert {"extended_json", "non_finite", "not_object", "required_missing"} <= kinds[
            source
        ].keys()
    assert "invalid_json" in kinds["hr_activity_logs"]
    assert {"json_not_array", "json_array_element", "order"} <= kinds["hr_chat_sessions"].keys()
    assert "range_when" in kinds["hr_survey_responses"]
    assert "order" in kinds["hr_employees"] and "order" in kinds["hr_notification_deliveries"]
    assert {"csv_field_count", "csv_unparseable"} <= kinds["hr_departments"].keys()
    assert {"bound", "enum", "type_numeric"} <= kinds["hr_organizations"].keys()


def test_a_real_ingest_quarantines_exactly_the_bad_rows_with_their_reasons(fresh_database, bad):
    _, summary = bad
    assert_ingest_quarantines_exactly_the_bad_rows(HR, summary)


# --- shape ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_hr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default size (3 workspaces, 300 users, 60 days) of the pack."""
    out = tmp_path_factory.mktemp("hr_default")
    generate_sample(out, packs=("hr",))
    return out


def test_subscriptions_change_over_time(default_hr: Path) -> None:
    orgs = _frame(default_hr, "hr_organizations")
    orgs["updated"] = _utc(orgs["updated_at"])
    newest = orgs.sort_values("updated").drop_duplicates("organization_id", keep="last")
    assert set(newest["subscription_status"]) == {"ACTIVE", "TRIAL", "EXPIRED", "CANCELLED"}
    history = orgs.sort_values("updated").groupby("organization_id")
    statuses = history["subscription_status"].agg(list)
    assert statuses.map(lambda s: s[:2] == ["TRIAL", "ACTIVE"]).any()  # a converted trial
    assert statuses.map(lambda s: s[-2:] == ["ACTIVE", "CANCELLED"]).any()
    assert (history["subscription_tier"].nunique() > 1).any()  # an upgrade or downgrade
    assert (history["current_period_end"].nunique() > 3).any()  # renewals
    trial = orgs[orgs["subscription_status"] == "TRIAL"]
    assert (trial["monthly_price"] == 0).all() and trial["trial_ends_at"].notna().all()
    assert (orgs.loc[orgs["subscription_status"] == "ACTIVE", "monthly_price"] > 0).all()


def test_workforce_hires_rejects_and_terminations(default_hr: Path) -> None:
    people = _frame(default_hr, "hr_employees")
    people["updated"] = _utc(people["updated_at"])
    paths = people.sort_values("updated").groupby("employee_id")["status"].agg(tuple)
    assert (paths == ("CANDIDATE", "ACTIVE")).any()
    assert (paths == ("CANDIDATE", "REJECTED")).any()
    assert (paths == ("CANDIDATE",)).any()
    assert paths.map(lambda p: p[-1] == "TERMINATED").any()
    direct = people[(people["status"] == "ACTIVE") & people["applied_at"].isna()]
    assert len(direct) > 0
    hired = people.dropna(subset=["hired_at", "applied_at"])
    assert (_utc(hired["hired_at"]) >= _utc(hired["applied_at"])).all()
    users = _frame(default_hr, "hr_users").drop_duplicates("user_id", keep="last")
    assert set(users["role"]) == {"OWNER", "LEADER", "MANAGER"}
    assert 90 <= len(users) <= 110  # users / 3


def test_report_lifecycle_and_accesses(default_hr: Path) -> None:
    reports = _frame(default_hr, "hr_report_generations")
    reports["updated"] = _utc(reports["updated_at"])
    statuses = reports.sort_values("updated").groupby("report_id")["status"].agg(tuple)
    assert (statuses == ("PENDING", "PROCESSING", "SUCCESS")).any()
    assert statuses.map(lambda s: s[-1] == "FAILED").any()
    assert statuses.map(lambda s: s[0] == "PROCESSING").any()  # PENDING never sent
    final = reports[reports["status"].isin(["SUCCESS", "FAILED"])].drop_duplicates("report_id")
    assert 0.02 < (final["status"] == "FAILED").mean() < 0.12
    seconds = final["processing_time_seconds"].astype(float)
    assert seconds.mean() > 1.3 * seconds.median()
    assert final["is_auto_generated"].any() and final["is_quarterly_update"].any()
    assert set(final["report_type"]) == set(
        SOURCES["hr_report_generations"].column("report_type").enum
    )
    accesses = _frame(default_hr, "hr_report_access_logs")
    succeeded = set(final.loc[final["status"] == "SUCCESS", "report_id"])
    assert accesses["report_id"].isin(succeeded).all()
    assert set(accesses["access_type"]) == {"VIEW", "DOWNLOAD", "SHARE", "PRINT"}
    done = final.set_index("report_id")["completed_at"]
    assert (_utc(accesses["accessed_at"]) >= _utc(accesses["report_id"].map(done))).all()


def test_chats_notifications_dashboards_activity_and_surveys(default_hr: Path) -> None:
    chats = _frame(default_hr, "hr_chat_sessions")
    lengths = chats.drop_duplicates("session_id", keep="last")["messages"].map(len)
    assert lengths.min() >= 1 and lengths.max() >= 6
    assert chats["satisfaction_rating"].notna().any() and chats["ended_at"].isna().any()

    deliveries = _frame(default_hr, "hr_notification_deliveries")
    assert set(deliveries["status"]) == set(
        SOURCES["hr_notification_deliveries"].column("status").enum
    )
    assert (deliveries["retry_count"].astype(int) > 0).any()
    assert set(deliveries["channel"]) == {"IN_APP", "EMAIL", "WEBSOCKET", "SMS"}

    widgets = _frame(default_hr, "hr_dashboard_interactions")
    assert set(widgets["dashboard_type"]) == {
        "OWNER_DASHBOARD", "LEADER_DASHBOARD", "MANAGER_DASHBOARD",
    }  # fmt: skip
    load = widgets["load_time_ms"].dropna().astype(float)
    assert load.mean() > 1.1 * load.median()
    by_type = (
        widgets.assign(load=widgets["load_time_ms"].astype(float))
        .groupby("dashboard_type")["load"]
        .median()
    )
    assert by_type["OWNER_DASHBOARD"] > by_type["MANAGER_DASHBOARD"]

    activity = _frame(default_hr, "hr_activity_logs").drop_duplicates("event_id")
    assert set(activity["event_type"]) == set(SOURCES["hr_activity_logs"].column("event_type").enum)
    assert set(activity["feature"].dropna()) == set(
        SOURCES["hr_activity_logs"].column("feature").enum
    )
    at = _utc(activity["occurred_at"])
    per_day = at.dt.floor("D").value_counts()
    weekend = per_day.index.day_of_week >= 5
    assert per_day[~weekend].mean() > 2 * per_day[weekend].mean()
    assert at.dt.hour.between(7, 17).mean() > 0.7

    surveys = _frame(default_hr, "hr_survey_responses")
    nps = surveys.loc[surveys["survey_type"] == "NPS", "score"].astype(int)
    csat = surveys.loc[surveys["survey_type"] == "CSAT", "score"].astype(int)
    assert nps.between(0, 10).all() and csat.between(1, 5).all() and len(csat) > 0
    assert nps.max() >= 9 and nps.min() <= 6


def test_late_and_duplicate_event_rows(default_hr: Path) -> None:
    for source, column in (
        ("hr_activity_logs", "occurred_at"),
        ("hr_dashboard_interactions", "occurred_at"),
        ("hr_report_access_logs", "accessed_at"),
    ):
        frame = _frame(default_hr, source).sort_values("_sent", kind="stable")
        key = SOURCES[source].key[0]
        first = frame.drop_duplicates(key)
        lag = (
            pd.to_datetime(first["_sent"]).dt.tz_localize("UTC") - _utc(first[column]).dt.floor("D")
        ).dt.days
        assert lag.min() >= 0 and 0.01 < (lag > 0).mean() < 0.05, source
        assert 0.004 < frame.duplicated(key).mean() < 0.03, source
