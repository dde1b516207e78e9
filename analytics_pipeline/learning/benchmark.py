"""`analytics-pipeline bench learning`: mastery + knowledge gaps + exam
readiness for a synthetic curriculum of ~300 topics, 2,000 learners and 1
million question attempts over 90 days, end to end against PostgreSQL: the
staging tables are written straight into a scratch database, and dbt builds the
learning fact views the steps read over them (exactly as in the warehouse)."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from psycopg2.extensions import connection

from analytics_pipeline.dbt.project import run_dbt
from analytics_pipeline.learning.computation import MasterySettings
from analytics_pipeline.learning.config import GapConfig, ReadinessConfig
from analytics_pipeline.learning.inputs import ALL_INPUTS, input_tables
from analytics_pipeline.learning.runs import (
    run_exam_readiness,
    run_knowledge_gaps,
    run_topic_mastery,
)
from analytics_pipeline.warehouse.frames import write_frame

SYSTEMS, SUBJECTS_PER_SYSTEM, SUBTOPICS_PER_SUBJECT = 10, 4, 6  # 290 topics
QUESTIONS_PER_SUBTOPIC = 30
TOPICS_PER_LEARNER = 60
WORKSPACES = 4

# The staging columns the steps and the dbt views over staging read; the
# generator leaves the nullable ones it has no use for empty.
_STAGING_DDL = """
create schema if not exists staging;
drop table if exists staging.stg_users, staging.stg_topics, staging.stg_materials,
    staging.stg_topic_relationships, staging.stg_question_attempts,
    staging.stg_material_interactions cascade;
create table staging.stg_users (user_id text, workspace_id text, is_deleted boolean);
create table staging.stg_topics (topic_id text, parent_topic_id text, name text, level text,
    board_exam_weight numeric);
create table staging.stg_materials (material_id text, topic_id text, title text);
create table staging.stg_topic_relationships (topic_id text, related_topic_id text,
    relationship_type text);
create table staging.stg_question_attempts (attempt_id text, user_id text, workspace_id text,
    session_id text, question_id text, topic_id text, is_correct boolean,
    time_to_answer_seconds numeric, hint_used boolean, answered_at timestamptz);
create table staging.stg_material_interactions (interaction_id text, user_id text,
    workspace_id text, session_id text, material_id text, topic_id text, interaction_type text,
    duration_seconds numeric, progress_pct numeric, occurred_at timestamptz);
"""
# What the steps read that dbt builds over staging (intermediate.int_learning_*).
DBT_MODELS = tuple(name for schema, name in input_tables(ALL_INPUTS) if schema != "staging")


def _curriculum(rng: np.random.Generator) -> tuple[pd.DataFrame, list[str]]:
    rows, subtopics = [], []
    weights = np.round(rng.dirichlet(np.ones(SYSTEMS - 1)), 2)
    weights[-1] = round(1 - weights[:-1].sum(), 2)
    for s in range(SYSTEMS):
        system = f"sys{s:02d}"
        rows.append(
            (system, None, f"System {s}", "system", weights[s] if s < SYSTEMS - 1 else None)
        )
        for j in range(SUBJECTS_PER_SYSTEM):
            subject = f"{system}.sub{j}"
            rows.append((subject, system, f"Subject {s}.{j}", "subject", None))
            for k in range(SUBTOPICS_PER_SUBJECT):
                topic = f"{subject}.t{k}"
                rows.append((topic, subject, f"Subtopic {s}.{j}.{k}", "subtopic", None))
                subtopics.append(topic)
    columns = ["topic_id", "parent_topic_id", "name", "level", "board_exam_weight"]
    return pd.DataFrame(rows, columns=columns), subtopics


def generate(conn: connection, learners: int, attempts: int, days: int, seed: int = 1) -> dict:
    """Write the synthetic staging tables; returns their row counts."""
    rng = np.random.default_rng(seed)
    topics, subtopics = _curriculum(rng)
    n_sub = len(subtopics)
    sub_ids = np.array(subtopics, dtype=object)
    # Each subtopic after the first of its subject needs the previous one first.
    relationships = pd.DataFrame(
        [
            (subtopics[i], subtopics[i - 1], "prerequisite")
            for i in range(n_sub)
            if i % SUBTOPICS_PER_SUBJECT
        ],
        columns=["topic_id", "related_topic_id", "relationship_type"],
    )
    materials = pd.DataFrame(
        {
            "material_id": [f"m{i:05d}" for i in range(n_sub * 3)],
            "topic_id": np.repeat(sub_ids, 3),
            "title": [f"Material {i}" for i in range(n_sub * 3)],
        }
    )
    user_ids = np.array([f"u{i:05d}" for i in range(learners)], dtype=object)
    user_ws = np.array([f"ws{i % WORKSPACES}" for i in range(learners)], dtype=object)
    users = pd.DataFrame({"user_id": user_ids, "workspace_id": user_ws, "is_deleted": False})

    # Attempts: each learner practises a subset of subtopics on random days.
    studied = np.argsort(rng.random((learners, n_sub)), axis=1)[:, :TOPICS_PER_LEARNER]
    skill = rng.normal(0, 1, learners)
    user = rng.integers(0, learners, attempts)
    topic = studied[user, rng.integers(0, TOPICS_PER_LEARNER, attempts)]
    start = pd.Timestamp("2026-01-01", tz="UTC").value // 1000  # microseconds
    micros = start + rng.integers(0, days * 86_400_000_000, attempts)
    day = (micros - start) // 86_400_000_000
    p_correct = 1 / (1 + np.exp(-(skill[user] + 0.01 * day - 0.2)))
    question = rng.integers(0, QUESTIONS_PER_SUBTOPIC, attempts)
    attempt_frame = pd.DataFrame(
        {
            "attempt_id": np.char.add("a", np.arange(attempts).astype(str)),
            "user_id": user_ids[user],
            "workspace_id": user_ws[user],
            "question_id": sub_ids[topic] + np.char.add(".q", question.astype(str)).astype(object),
            "topic_id": sub_ids[topic],
            "is_correct": rng.random(attempts) < p_correct,
            "answered_at": pd.to_datetime(micros, unit="us", utc=True),
        }
    )
    n_inter = attempts // 5
    i_user = rng.integers(0, learners, n_inter)
    i_topic = studied[i_user, rng.integers(0, TOPICS_PER_LEARNER, n_inter)]
    i_material = i_topic * 3 + rng.integers(0, 3, n_inter)
    interactions = pd.DataFrame(
        {
            "user_id": user_ids[i_user],
            "workspace_id": user_ws[i_user],
            "material_id": materials["material_id"].to_numpy()[i_material],
            "topic_id": sub_ids[i_topic],
            "interaction_type": rng.choice(
                ["open", "read", "complete", "highlight", "note"], n_inter
            ),
            "occurred_at": pd.to_datetime(
                start + rng.integers(0, days * 86_400_000_000, n_inter), unit="us", utc=True
            ),
        }
    )
    tables = {
        "stg_users": users,
        "stg_topics": topics,
        "stg_materials": materials,
        "stg_topic_relationships": relationships,
        "stg_question_attempts": attempt_frame,
        "stg_material_interactions": interactions,
    }
    with conn.cursor() as cur:
        cur.execute(_STAGING_DDL)
    counts = {name: write_frame(conn, f"staging.{name}", frame) for name, frame in tables.items()}
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("analyze")
    conn.commit()
    return counts


def build_dbt_models() -> None:
    """`dbt run` of DBT_MODELS on the current warehouse (the scratch database)."""
    with tempfile.TemporaryDirectory(prefix="bench-dbt-") as scratch:
        run_dbt(
            "run",
            "--select",
            *DBT_MODELS,
            target_path=Path(scratch) / "target",
            log_path=Path(scratch) / "logs",
        )


def run(conn: connection, as_of: dt.date) -> list[tuple[str, dict]]:
    """Time the three learning steps as the assets run them."""
    steps = []
    for name, step, settings in (
        ("topic_mastery", run_topic_mastery, MasterySettings()),
        ("knowledge_gaps", run_knowledge_gaps, GapConfig()),
        ("exam_readiness", run_exam_readiness, ReadinessConfig()),
    ):
        started = time.perf_counter()
        result = step(conn, as_of, settings)
        steps.append(
            (name, {"seconds": time.perf_counter() - started, **result.seconds, **result.rows})
        )
    return steps
