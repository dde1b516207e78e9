"""The quality management pack's sample: deterministic, the core's bytes untouched,
every row valid but the planted bad rows (each breaking one rule, quarantined
with its reason by a real ingest), references consistent but for the deliberate
orphans, and every edge case docs/metrics.md ("Quality management pack") names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics_pipeline.ingest.contract import SOURCES, pack_sources
from analytics_pipeline.sample_data import MANIFEST, GenerationSummary, generate_sample

from .contract_checker import classify, records
from .quarantine_kinds import assert_ingest_quarantines_exactly_the_bad_rows

QMS = pack_sources("qms")
# The smallest sample the pack promises to keep tricky.
SMALL = dict(workspaces=1, users=30, days=35, seed=31)
END = pd.Timestamp(date(2026, 9, 30), tz="UTC")  # generate_sample's default end date
END_OF_PERIOD = END + pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("qms_clean")
    return out, generate_sample(out, packs=("qms",), **SMALL)


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("qms_bad")
    return out, generate_sample(out, packs=("qms",), bad_rows=0.03, **SMALL)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="ISO8601")


def _frame(root: Path, source: str) -> pd.DataFrame:
    """Every row of a source with the file it was sent in (`_sent`) and `updated`."""
    rows = []
    for path in sorted((root / source).iterdir()):
        sent = path.name.removeprefix(f"{source}_").split(".")[0]
        for _, record in records(path, SOURCES[source]):
            if isinstance(record, dict):
                rows.append({**record, "_sent": sent})
    frame = pd.DataFrame(rows)
    frame["updated"] = _utc(frame["updated_at"])
    return frame.sort_values(["updated", "_sent"], kind="stable").reset_index(drop=True)


def _newest(frame: pd.DataFrame) -> pd.DataFrame:
    key = frame.columns[0]
    return frame.drop_duplicates(key, keep="last").set_index(key)


@pytest.fixture(scope="module")
def tables(clean) -> dict[str, pd.DataFrame]:
    out, _ = clean
    return {source: _frame(out, source) for source in QMS}


# --- determinism, the core untouched, layout ------------------------------------------


def test_same_arguments_same_bytes_and_the_core_is_untouched(tmp_path: Path, bad) -> None:
    out, _ = bad
    generate_sample(tmp_path / "again", packs=("qms",), bad_rows=0.03, **SMALL)
    assert _tree(tmp_path / "again") == _tree(out)
    generate_sample(tmp_path / "core", bad_rows=0.03, **SMALL)
    core = _tree(tmp_path / "core")
    with_qms = _tree(out)
    assert {k for k in with_qms if not k.startswith("qms_")} == set(core)
    assert all(with_qms[k] == v for k, v in core.items() if k != MANIFEST)
    assert json.loads(with_qms[MANIFEST])["parameters"]["packs"] == ["qms"]


def test_same_bytes_in_another_process(tmp_path: Path) -> None:
    """No dependence on hash randomization or anything else process-specific."""
    tiny = dict(workspaces=1, users=12, days=5, bad_rows=0.05)
    generate_sample(tmp_path / "here", packs=("qms",), **tiny)
    code = (
        "import sys, pathlib; from analytics_pipeline.sample_data import generate_sample;"
        "generate_sample(pathlib.Path(sys.argv[1]), packs=('qms',), workspaces=1, users=12,"
        "days=5, bad_rows=0.05)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4321"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    assert _tree(tmp_path / "here") == _tree(tmp_path / "there")


def test_the_hr_pack_is_untouched_by_the_qms_pack(tmp_path: Path) -> None:
    tiny = dict(workspaces=1, users=20, days=7, end_date=date(2026, 3, 15))
    generate_sample(tmp_path / "hr", packs=("hr",), **tiny)
    generate_sample(tmp_path / "both", packs=("hr", "qms"), **tiny)
    hr, both = _tree(tmp_path / "hr"), _tree(tmp_path / "both")
    assert all(both[k] == v for k, v in hr.items() if k != MANIFEST)
    assert any(k.startswith("qms_") for k in both)


def test_every_source_written_and_volume_scales(clean, tmp_path: Path) -> None:
    _, summary = clean
    assert set(pack_sources(None) + QMS) == set(summary.files)
    for source in QMS:
        assert summary.files[source], source
        assert summary.rows_written[source] <= 2_500, source
    big = generate_sample(tmp_path / "big", packs=("qms",), workspaces=2, users=80, days=35)
    assert sum(big.rows_written[s] for s in QMS) > sum(summary.rows_written[s] for s in QMS)
    assert big.rows_written["qms_users"] > summary.rows_written["qms_users"]


# --- contract conformance and bad rows ------------------------------------------------


def test_clean_sample_conforms_to_contract(clean) -> None:
    _, summary = clean
    for source in QMS:
        lines = 0
        for path in summary.files[source]:
            for line, _, reasons in classify(source, path):
                lines += 1
                assert not reasons, f"{path.name}:{line} {reasons}"
        assert lines == summary.rows_written[source], source


def test_bad_rows_break_one_rule_each_and_are_counted(bad) -> None:
    out, summary = bad
    manifest = json.loads((out / MANIFEST).read_text())
    for source in QMS:
        found: Counter[str] = Counter()
        for path in summary.files[source]:
            for line, _, reasons in classify(source, path):
                assert len(reasons) <= 1, f"{path.name}:{line} breaks {reasons}"
                found.update(reasons)
        assert dict(found) == manifest["bad_rows"][source], source
    kinds = summary.bad_rows
    for source in ("qms_quality_events", "qms_document_versions", "qms_training_assignments"):
        assert "type_date" in kinds[source], source
    assert {"csv_field_count", "csv_unparseable"} <= kinds["qms_training_assignments"].keys()
    assert {"order", "enum", "type_ts"} <= kinds["qms_quality_events"].keys()
    assert {"bound", "type_int"} <= kinds["qms_risk_assessments"].keys()
    assert {"type_bool", "type_numeric"} <= kinds["qms_lab_results"].keys()


def test_a_real_ingest_quarantines_exactly_the_bad_rows_with_their_reasons(fresh_database, bad):
    _, summary = bad
    assert_ingest_quarantines_exactly_the_bad_rows(QMS, summary)


# --- references -----------------------------------------------------------------------


def test_references_are_consistent_but_for_the_deliberate_orphans(tables) -> None:
    departments = set(tables["qms_departments"]["department_id"])
    users = set(tables["qms_users"]["user_id"])
    documents = set(tables["qms_documents"]["document_id"])
    versions = set(tables["qms_document_versions"]["version_id"])
    events = tables["qms_quality_events"]
    assert set(tables["qms_users"]["department_id"]) <= departments
    assert set(events["department_id"]) <= departments
    assert set(events["owner_user_id"].dropna()) <= users
    assert set(events["related_event_id"].dropna()) <= set(events["event_id"])
    assert set(tables["qms_documents"]["department_id"]) <= departments
    assert set(tables["qms_documents"]["owner_user_id"].dropna()) <= users
    steps = tables["qms_document_review_steps"]
    assert set(steps["version_id"]) <= versions
    assert set(steps["assignee_user_id"].dropna()) <= users
    assert set(tables["qms_lab_samples"]["department_id"].dropna()) <= departments
    assert set(tables["qms_risk_assessments"]["department_id"].dropna()) <= departments
    # The orphans: a version whose document is not exported, an assignment of a user the
    # QMS does not know, results whose sample never arrives.
    all_versions = tables["qms_document_versions"]
    orphan_versions = all_versions[~all_versions["document_id"].isin(documents)]
    assert orphan_versions["version_id"].nunique() == 1
    assignments = tables["qms_training_assignments"]
    assert assignments[~assignments["user_id"].isin(users)]["assignment_id"].nunique() == 1
    assert set(assignments["document_version_id"].dropna()) <= versions
    results = tables["qms_lab_results"]
    samples = set(tables["qms_lab_samples"]["sample_id"])
    orphans = results[~results["sample_id"].isin(samples)]
    assert 1 <= orphans["result_id"].nunique() <= 0.05 * results["result_id"].nunique()


def test_records_exist_when_they_are_referenced(tables) -> None:
    """An assignment's user exists (not yet gone) when assigned; a step's version exists
    when the step is assigned; a document-required training follows the version's
    effective moment."""
    users = _newest(tables["qms_users"])
    assignments = _newest(tables["qms_training_assignments"])
    known = assignments[assignments["user_id"].isin(users.index)]
    assigned = _utc(known["assigned_at"])
    created = _utc(known["user_id"].map(users["created_at"]))
    deleted = _utc(known["user_id"].map(users["deleted_at"]))
    assert (assigned >= created).all()
    assert (deleted.isna() | (assigned < deleted)).all()
    history = tables["qms_document_versions"]
    first_seen = history.groupby("version_id")["updated"].min()
    steps = _newest(tables["qms_document_review_steps"])
    assert (_utc(steps["assigned_at"]) >= steps["version_id"].map(first_seen)).all()
    effective = history[history["status"] == "EFFECTIVE"].groupby("version_id")["updated"].min()
    required = known.dropna(subset=["document_version_id"])
    took_effect = required["document_version_id"].map(effective)
    assert took_effect.notna().all() and (_utc(required["assigned_at"]) >= took_effect).all()
    events = _newest(tables["qms_quality_events"])
    departments = _newest(tables["qms_departments"])
    dissolved = _utc(events["department_id"].map(departments["deleted_at"]))
    opened = _utc(events["opened_at"])
    assert (dissolved.isna() | (opened < dissolved)).all()


def test_departments_and_users_change(tables) -> None:
    departments = _newest(tables["qms_departments"])
    assert departments["deleted_at"].notna().sum() == 1  # one dissolved
    assert tables["qms_departments"]["department_id"].duplicated().any()  # renamed
    history = tables["qms_users"]
    users = _newest(history)
    assert users["deleted_at"].notna().any()  # people left
    assert history.groupby("user_id")["department_id"].nunique().max() == 2  # moved
    assert set(users["role"]) >= {"QA_MANAGER", "QA_SPECIALIST", "DOCUMENT_OWNER", "OPERATOR"}


# --- quality events -------------------------------------------------------------------


@pytest.fixture(scope="module")
def events(tables) -> pd.DataFrame:
    frame = _newest(tables["qms_quality_events"]).copy()
    frame["opened"] = _utc(frame["opened_at"])
    frame["closed"] = _utc(frame["closed_at"])
    frame["due"] = pd.to_datetime(frame["due_date"]).dt.tz_localize("UTC")
    return frame


def test_event_status_transitions_over_time(tables, events) -> None:
    paths = tables["qms_quality_events"].groupby("event_id")["status"].agg(tuple)
    assert (paths == ("OPEN", "INVESTIGATION", "PENDING_APPROVAL", "CLOSED")).any()
    assert paths.map(lambda p: p[-1] == "CANCELLED").any()
    assert paths.map(lambda p: p[-1] in ("OPEN", "INVESTIGATION", "PENDING_APPROVAL")).any()
    assert (paths.map(len) == 1).any()  # opened days before the end, nothing since
    cancelled = events[events["status"] == "CANCELLED"]
    assert cancelled["closed"].notna().all()
    open_now = events[~events["status"].isin(["CLOSED", "CANCELLED"])]
    assert open_now["closed"].isna().all() and len(open_now) > 0
    assert (events["closed"].dropna() >= events.loc[events["closed"].notna(), "opened"]).all()
    assert set(events["event_type"]) == set(SOURCES["qms_quality_events"].column("event_type").enum)
    # Root causes become known with the investigation.
    first = tables["qms_quality_events"].drop_duplicates("event_id")
    assert first.loc[first["event_type"] == "DEVIATION", "root_cause"].isna().all()
    # Severity reclassified on some: the newest version's counts.
    assert (tables["qms_quality_events"].groupby("event_id")["severity"].nunique() > 1).any()


def test_critical_events_close_fastest_and_weekends_are_quiet(events) -> None:
    closed = events[events["status"] == "CLOSED"]
    days = (closed["closed"] - closed["opened"]).dt.total_seconds() / 86_400
    by_severity = days.groupby(closed["severity"]).median()
    assert by_severity["CRITICAL"] < by_severity["MAJOR"] < by_severity["MINOR"]
    per_day = events["opened"].dt.floor("D").value_counts()
    all_days = pd.date_range(per_day.index.min(), END, freq="D")
    per_day = per_day.reindex(all_days, fill_value=0)
    weekend = per_day.index.day_of_week >= 5
    assert per_day[~weekend].mean() > 2 * per_day[weekend].mean()


def test_capas_late_on_time_and_overdue_at_the_end(events) -> None:
    capas = events[events["event_type"] == "CAPA"]
    assert capas["related_event_id"].notna().all() and capas["due"].notna().mean() > 0.8
    closed = capas[(capas["status"] == "CLOSED") & capas["due"].notna()]
    on_time = closed["closed"].dt.floor("D") <= closed["due"]
    assert on_time.any() and (~on_time).any()
    still_open = capas["closed"].isna()
    assert (still_open & (capas["due"] <= END)).any()  # overdue at the end
    assert (still_open & (capas["due"] > END)).any()  # open, not yet due


def _repeat_deviations(events: pd.DataFrame) -> pd.Series:
    """docs/metrics.md: another deviation of the department and cause in the 90 days before."""
    devs = events[(events["event_type"] == "DEVIATION") & events["root_cause"].notna()]
    repeat = {}
    for event_id, row in devs.iterrows():
        others = devs[
            (devs["department_id"] == row["department_id"])
            & (devs["root_cause"] == row["root_cause"])
            & (devs.index != event_id)
        ]
        window = (others["opened"] >= row["opened"] - pd.Timedelta(days=90)) & (
            (others["opened"] < row["opened"])
            | ((others["opened"] == row["opened"]) & (others.index < event_id))
        )
        repeat[event_id] = bool(window.any())
    return pd.Series(repeat)


def test_repeat_deviations_within_and_beyond_90_days(events) -> None:
    repeat = _repeat_deviations(events)
    assert repeat.any() and (~repeat).any()
    devs = events.loc[repeat.index]
    # The same cause again after more than 90 days: not a repeat.
    water = devs[devs["root_cause"] == "WATER_SYSTEM"].sort_values("opened")
    assert len(water) == 2 and (water["opened"].diff().dt.days.iloc[1] > 90)
    assert not repeat[water.index[1]]
    # Two at the same instant: the one with the larger event_id is the repeat.
    same = devs[devs["root_cause"] == "CLEANING_VALIDATION"].sort_index()
    assert len(same) == 2 and same["opened"].nunique() == 1
    assert repeat[same.index].tolist() == [False, True]


# --- documents and their workflow -----------------------------------------------------


@pytest.fixture(scope="module")
def versions(tables) -> pd.DataFrame:
    return _newest(tables["qms_document_versions"])


def test_document_versions_move_through_their_lifecycle(tables, versions) -> None:
    history = tables["qms_document_versions"]
    paths = history.groupby("version_id")["status"].agg(tuple)
    assert (paths == ("DRAFT", "IN_REVIEW", "APPROVED", "EFFECTIVE")).any()
    assert (paths == ("DRAFT", "IN_REVIEW", "APPROVED", "EFFECTIVE", "OBSOLETE")).any()
    assert (paths == ("EFFECTIVE",)).any()  # migrated at go-live
    assert paths.map(lambda p: p[:4] == ("DRAFT", "IN_REVIEW", "DRAFT", "IN_REVIEW")).any()
    # A revision in review while the previous version is still effective.
    by_document = versions.reset_index().groupby("document_id")
    current = by_document.apply(
        lambda g: tuple(g.sort_values("version_number")["status"]), include_groups=False
    )
    assert current.map(lambda s: s[-2:] == ("EFFECTIVE", "IN_REVIEW")).any()
    assert current.map(lambda s: len(s) >= 2 and s[-2:] == ("OBSOLETE", "EFFECTIVE")).any()
    # Periodic reviews: some already passed at the end, some not yet.
    effective = versions[versions["status"] == "EFFECTIVE"]
    due = pd.to_datetime(effective["periodic_review_due"])
    assert (due <= END.tz_localize(None)).any() and (due > END.tz_localize(None)).any()
    assert effective["effective_date"].notna().all()
    # Each status change is a new version row with a newer updated_at.
    assert not history.duplicated(["version_id", "updated_at"]).any()


def test_steps_agree_with_the_version_statuses(tables) -> None:
    history = tables["qms_document_versions"]
    steps = _newest(tables["qms_document_review_steps"]).copy()
    steps["assigned"] = _utc(steps["assigned_at"])
    steps["completed"] = _utc(steps["completed_at"])
    assert set(steps["step_type"]) == {"REVIEW", "APPROVAL"}
    assert steps["completed"].isna().any()  # steps still open at the end
    approval = steps[steps["step_type"] == "APPROVAL"]
    rejected = approval[approval["decision"] == "REJECTED"]
    approved_again = [
        (
            (approval["version_id"] == step["version_id"])
            & (approval["decision"] == "APPROVED")
            & (approval["assigned"] > step["completed"])
        ).any()
        for _, step in rejected.iterrows()
    ]
    assert any(approved_again)  # a new approval step, approved later
    approved = history[history["status"] == "APPROVED"].drop_duplicates("version_id")
    last_approval = (
        approval[approval["decision"] == "APPROVED"].groupby("version_id")["completed"].max()
    )
    for _, row in approved.iterrows():
        assert row["updated"] >= last_approval[row["version_id"]], row["version_id"]
    in_review = history[history["status"] == "IN_REVIEW"].groupby("version_id")["updated"].min()
    first_step = steps.groupby("version_id")["assigned"].min()
    assert (first_step >= in_review[first_step.index]).all()
    reviews_done = steps[steps["step_type"] == "REVIEW"].groupby("version_id")["completed"].max()
    first_approval = approval.groupby("version_id")["assigned"].min()
    both = first_approval.index.intersection(reviews_done.index)
    assert (first_approval[both] >= reviews_done[both]).all()


def test_documents_move_between_departments(tables) -> None:
    documents = tables["qms_documents"]
    assert (documents.groupby("document_id")["department_id"].nunique() > 1).any()
    assert documents["document_number"].str.match(r"^(SOP|WI|FRM|SPEC|POL)-\d{4}$").all()


# --- training -------------------------------------------------------------------------


def test_training_outcomes(tables) -> None:
    history = tables["qms_training_assignments"]
    assignments = _newest(history).copy()
    assignments["completed"] = _utc(assignments["completed_at"])
    assignments["due"] = pd.to_datetime(assignments["due_date"]).dt.tz_localize("UTC")
    assert set(assignments["status"]) == {"ASSIGNED", "IN_PROGRESS", "COMPLETED", "CANCELLED"}
    done = assignments[assignments["status"] == "COMPLETED"]
    on_time = done["completed"] < done["due"] + pd.Timedelta(days=1)
    assert on_time.mean() > 0.6 and (~on_time).any()
    # The boundaries: the last minute of the due date is on time, the next one late.
    to_the_minute = done["completed"] - done["due"]
    assert (to_the_minute == pd.Timedelta(days=1, seconds=-30)).any()
    assert (to_the_minute == pd.Timedelta(days=1, seconds=30)).any()
    still_open = assignments["status"].isin(["ASSIGNED", "IN_PROGRESS"])
    assert (still_open & (assignments["due"] <= END)).any()  # overdue at the end
    scores = done["score"].astype(float)
    assert scores.isna().any() and scores.dropna().between(0, 100).all()
    assert (scores == 100).any()
    assert assignments["document_version_id"].notna().mean() > 0.1
    assert (
        history.groupby("assignment_id")["status"]
        .agg(tuple)
        .map(lambda p: p == ("ASSIGNED", "IN_PROGRESS", "COMPLETED"))
        .any()
    )


# --- laboratory -----------------------------------------------------------------------


def test_lab_results_limits_flags_and_corrections(tables) -> None:
    history = tables["qms_lab_results"]
    results = _newest(history)
    value = results["result_value"].astype(float)
    lower = results["spec_lower"].astype(float)
    upper = results["spec_upper"].astype(float)
    assert lower.isna().any() and upper.isna().any()  # one-sided limits
    assert (lower.notna() & upper.notna()).any()
    assert value.isna().any()
    out = (value < lower) | (value > upper)
    assert out.any()
    assert ((value == upper) | (value == lower)).any()  # on a limit: in specification
    evaluable = value.notna() & results["oos_flag"].notna()
    assert (evaluable & (results["oos_flag"].astype(bool) != out)).any()  # a flag mismatch
    assert results["oos_flag"].isna().any()
    corrected = history.groupby("result_id")["result_value"].nunique()
    assert (corrected > 1).any()
    samples = _newest(tables["qms_lab_samples"])
    joined = results.join(samples[["received_at"]], on="sample_id", how="inner")
    turnaround = _utc(joined["resulted_at"]) - _utc(joined["received_at"])
    assert (turnaround > pd.Timedelta(0)).all() and turnaround.max() > pd.Timedelta(days=2)


# --- risks ----------------------------------------------------------------------------


def test_risks_reassessed_over_time(tables) -> None:
    history = tables["qms_risk_assessments"]
    rpn = history[["severity", "probability", "detectability"]].astype(int).prod(axis=1)
    newest = _newest(history.assign(rpn=rpn))
    assert (newest["rpn"] < 100).any() and (newest["rpn"] > 100).any()
    assert (rpn == 100).any()
    by_risk = history.assign(rpn=rpn).groupby("risk_id")
    assert (by_risk["rpn"].nunique() > 1).any()
    assert (by_risk["mitigation_status"].nunique() > 1).any()
    assert (by_risk["module"].nunique() > 1).any()
    statuses = set(newest["mitigation_status"])
    assert {"OPEN", "IN_PROGRESS"} <= statuses and statuses & {"MITIGATED", "ACCEPTED"}
    assert newest["department_id"].isna().any()  # organization-wide risks


# --- delivery -------------------------------------------------------------------------


def test_late_and_duplicate_rows(clean, tables) -> None:
    _, summary = clean
    timed = [s for s in QMS if SOURCES[s].event_time_column]
    assert sum(summary.late_rows[s] for s in timed) >= 10
    assert sum(summary.duplicate_rows[s] for s in timed) >= 3
    late = dup = 0
    for source in timed:
        frame = tables[source]
        key = SOURCES[source].key[0]
        daily = frame[frame["_sent"] != "initial"]
        sent = pd.to_datetime(daily["_sent"]).dt.tz_localize("UTC")
        late += int((sent > daily["updated"].dt.floor("D")).sum())
        dup += int(frame.duplicated([key, "updated_at"]).sum())
        assert (sent >= daily["updated"].dt.floor("D")).all(), source
    assert late >= 10 and dup >= 3
    # Snapshot tables: an initial export, then weekly updates.
    names = [p.name for p in summary.files["qms_document_versions"]]
    assert names[0].startswith("qms_document_versions_initial")
    assert len(names) >= 3
