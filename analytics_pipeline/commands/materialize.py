"""Materialize assets from the command line, against the persistent Dagster
instance, so the runs show in the UI like any other."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg

from analytics_pipeline.dagster_instance import get_instance


class SelectionError(ValueError):
    """The asset selection matched nothing or could not be parsed."""


def _definitions() -> dg.Definitions:
    from analytics_pipeline.definitions import defs

    return defs


def all_asset_keys() -> set[dg.AssetKey]:
    return set(_definitions().resolve_asset_graph().get_all_asset_keys())


def resolve_selection(
    selection: str | None, say: Callable[[str], None] | None = None
) -> set[dg.AssetKey]:
    """Asset keys matched by a Dagster selection string (e.g. `group:staging`,
    `key:raw/users+`); all assets when empty. A selection that takes part of
    an asset computed together with others (one op, several tables) is
    expanded to all of them, and `say` is told so."""
    graph = _definitions().resolve_asset_graph()
    if not selection:
        return set(graph.get_all_asset_keys())
    try:
        keys = dg.AssetSelection.from_string(selection).resolve(graph)
    except Exception as exc:  # the parser raises several error types
        message = " ".join(str(exc).split())
        raise SelectionError(f"cannot parse selection {selection!r}: {message}") from None
    if not keys:
        raise SelectionError(f"selection {selection!r} matches no asset")
    return expand_to_whole_assets(set(keys), say)


def expand_to_whole_assets(
    keys: set[dg.AssetKey], say: Callable[[str], None] | None = None
) -> set[dg.AssetKey]:
    """`keys` plus the other keys of every selected asset that cannot run in part."""
    graph = _definitions().resolve_asset_graph()
    expanded = set(keys)
    for key in sorted(keys):
        assets_def = graph.assets_def_for_key(key)
        if assets_def.can_subset or assets_def.keys <= expanded:
            continue
        added = sorted(k.to_user_string() for k in assets_def.keys - expanded)
        expanded |= assets_def.keys
        if say:
            say(
                f"note: {key.to_user_string()} is computed together with {', '.join(added)}; "
                "selecting them too"
            )
    return expanded


def materialize(
    selection: str | None = None,
    as_of: str | None = None,
    log_level: str = "INFO",
    tags: dict[str, str] | None = None,
    first_day: str | None = None,
    run_config: dict | None = None,
    partition_key: str | None = None,
) -> dg.ExecuteInProcessResult:
    """Run one materialization of the selected assets (all when None).

    `as_of` is the daily partition (YYYY-MM-DD) of partitioned assets; with
    `first_day` too, the run covers the partitions first_day..as_of in one go
    (one dbt invocation, as a backfill would). `run_config` adds op config
    (e.g. {"ops": {"learning__topic_mastery": {"config": {...}}}}).
    `partition_key` names the partition of other partitioned assets (a report
    definition id for the report families).
    """
    defs = _definitions()
    keys = resolve_selection(selection)  # whole multi-assets: Dagster cannot run a part
    graph = defs.resolve_asset_graph()
    partitioned = sorted(k.to_user_string() for k in keys if graph.get(k).is_partitioned)
    # The partition of the run: a day (as_of) or another partition's key.
    last_partition = partition_key or as_of
    if partitioned and not last_partition:
        raise SelectionError(
            "the selection holds daily-partitioned assets; give --as-of YYYY-MM-DD: "
            + ", ".join(partitioned[:5])
        )
    if partitioned and len(partitioned) < len(keys):
        raise SelectionError(
            "a run covers either partitioned or unpartitioned assets; select them separately "
            "(e.g. 'tag:daily' and 'not tag:daily')"
        )
    run_tags = {"analytics/launched_by": "cli", **(tags or {})}
    single_partition = None
    if partitioned and first_day and first_day != last_partition:
        run_tags["dagster/asset_partition_range_start"] = first_day
        run_tags["dagster/asset_partition_range_end"] = last_partition
    elif partitioned:
        single_partition = last_partition
    # The asset checks go in too: the checks of the selected assets run after them.
    return dg.materialize(
        [*(defs.assets or []), *(defs.asset_checks or [])],
        instance=get_instance(),
        resources=defs.resources,
        selection=dg.AssetSelection.assets(*keys),
        partition_key=single_partition,
        raise_on_error=False,
        tags=run_tags,
        run_config={
            **(run_config or {}),
            "loggers": {"console": {"config": {"log_level": log_level}}},
        },
    )


def partitioned_keys() -> set[dg.AssetKey]:
    graph = _definitions().resolve_asset_graph()
    return {k for k in graph.get_all_asset_keys() if graph.get(k).is_partitioned}


def failure_summary(result: dg.ExecuteInProcessResult) -> str:
    """The failed steps of a run and their error messages."""
    lines = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            lines.append(f"{event.step_key}: {_root_cause(error) if error else 'failed'}")
    return "\n".join(lines) or "run failed"


def failure_details(result: dg.ExecuteInProcessResult) -> str:
    """Every failed step with its full error chain and stack traces (for the log)."""
    return "\n".join(
        f"{event.step_key} failed:\n{event.step_failure_data.error.to_string()}"
        for event in result.all_events
        if event.event_type_value == "STEP_FAILURE" and event.step_failure_data.error
    )


def _root_cause(error) -> str:
    """The first line of the innermost error: what went wrong, not where
    Dagster caught it (the full chain is in the run's log)."""
    while error.cause is not None:
        error = error.cause
    lines = [line.strip() for line in error.message.splitlines() if line.strip()]
    return lines[0] if lines else error.cls_name or "failed"
