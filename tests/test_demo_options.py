"""Where the demo's sample ends: the partitions are green up to today."""

from __future__ import annotations

import datetime as dt
import json

from analytics_pipeline.commands.demo import DemoOptions, sample_end_date
from analytics_pipeline.sample_data.generator import MANIFEST


def test_a_new_demo_sample_ends_yesterday(tmp_path):
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    assert sample_end_date(DemoOptions(), tmp_path) == yesterday


def test_a_rerun_keeps_the_samples_end_and_an_explicit_one_wins(tmp_path):
    (tmp_path / MANIFEST).write_text(json.dumps({"parameters": {"end_date": "2026-09-30"}}))
    assert sample_end_date(DemoOptions(), tmp_path) == dt.date(2026, 9, 30)
    chosen = dt.date(2026, 5, 1)
    assert sample_end_date(DemoOptions(end_date=chosen), tmp_path) == chosen


def test_the_demo_takes_every_pack_unless_told_otherwise():
    from analytics_pipeline.cli import build_parser
    from analytics_pipeline.commands.actions import _chosen_packs
    from analytics_pipeline.ingest.contract import PACKS

    parser = build_parser()
    assert _chosen_packs(parser.parse_args(["demo"]), PACKS) == PACKS == DemoOptions().packs
    assert "hospital" in PACKS
    assert _chosen_packs(parser.parse_args(["demo", "--pack", "none"]), PACKS) == ()
    chosen = _chosen_packs(parser.parse_args(["generate", "--out", "x", "--pack", "hr"]), PACKS)
    assert chosen == ("hr",)
