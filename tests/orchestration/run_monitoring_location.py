"""A small code location for tests/orchestration/test_run_monitoring.py: a job
whose run sleeps until it is killed, and a quick one.

It is loaded by file path. In-process executors keep each run in one process,
its run worker.
"""

import time

import dagster as dg


@dg.asset
def sleeper() -> None:
    time.sleep(600)


@dg.asset
def quick() -> None:
    pass


defs = dg.Definitions(
    assets=[sleeper, quick],
    jobs=[
        dg.define_asset_job("sleeper_job", [sleeper], executor_def=dg.in_process_executor),
        dg.define_asset_job("quick_job", [quick], executor_def=dg.in_process_executor),
    ],
)
