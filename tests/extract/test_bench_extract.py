"""`analytics-pipeline bench extract` at a small size: the first extract takes
every row the generator wrote, the incremental one only what changed."""

from __future__ import annotations

from analytics_pipeline.commands.benchmarks import bench_extract


def test_bench_extract_takes_everything_then_the_changes(restored_env):
    figures = bench_extract(appointments=3_000, fraction=0.05)
    written = sum(figures["source_rows"].values())
    assert figures["first"]["rows"] == written
    assert figures["first"]["appointments"] == figures["source_rows"]["appointments"]
    # Exactly the changed rows: tests/extract/test_hospital_extract.py; here,
    # a day's changes of 5% of the rows are far fewer than the rows.
    assert sum(figures["changes"].values()) > 0
    assert 0 < figures["incremental"]["rows"] < written / 5
