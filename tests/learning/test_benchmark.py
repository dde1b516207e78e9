"""`analytics-pipeline bench learning` at a small size: dbt builds the learning
fact views over the synthetic staging tables (which hold every column the views
select), and the three steps read them and write their tables."""

from __future__ import annotations

import os

from analytics_pipeline import warehouse
from analytics_pipeline.commands.benchmarks import BENCH_DB, bench_learning
from analytics_pipeline.learning.benchmark import DBT_MODELS


def test_bench_learning_reads_the_views_dbt_builds(restored_env):
    figures = bench_learning(learners=40, attempts=4_000, days=10)
    assert os.environ["ANALYTICS_WAREHOUSE_DB"] == BENCH_DB
    steps = figures["steps"]
    assert steps["topic_mastery"]["topic_mastery"] > 0
    assert steps["knowledge_gaps"]["knowledge_gaps"] > 0
    assert steps["exam_readiness"]["exam_readiness"] > 0
    with warehouse.connect(warehouse.Role.ADMIN) as conn, conn.cursor() as cur:
        cur.execute(
            "select c.relname, c.relkind from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'intermediate'"
        )
        relations = dict(cur.fetchall())
        assert {name: relations.get(name) for name in DBT_MODELS} == {
            "int_learning_attempts": "v",
            "int_learning_interactions": "v",
        }
        cur.execute("select count(*) from intermediate.int_learning_attempts")
        assert cur.fetchone() == (4_000,)
