"""Materialize assets from the command line, against the persistent Dagster
instance, so the runs show in the UI like any other."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from analytics_pipeline.dagster_instance import get_instance


class SelectionError(ValueError):
    """The asset selection matched nothing or could not be parsed."""


def _definitions() -> dg.Definitions:
    from analytics_pipeline.definitions import defs

    return defs


def resolve_selection(selection: str | None) -> set[dg.AssetKey]:
    """Asset keys matched by a Dagster selection string (e.g. `group:staging`,
    `key:raw/users+`); all assets when empty."""
    graph = _definitions().resolve_asset_graph()
    if not selection:
        return set(graph.get_all_asset_keys())
    try:
        keys = dg.AssetSelection.from_string(selection).resolve(graph)
    except Exception as exc:  # the parser raises several error types
        raise SelectionError(f"cannot parse selection {selection!r}: {exc}") from exc
    if not keys:
        raise SelectionError(f"selection {selection!r} matches no asset")
    return set(keys)


def materialize(
    selection: str | None = None,
    as_of: str | None = None,
    log_level: str = "INFO",
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run one materialization of the selected assets (all when None).

    `as_of` is the partition key (YYYY-MM-DD) for partitioned assets.
    """
    defs = _definitions()
    keys = resolve_selection(selection)
    graph = defs.resolve_asset_graph()
    partitioned = sorted(k.to_user_string() for k in keys if graph.get(k).is_partitioned)
    if partitioned and not as_of:
        raise SelectionError(
            "the selection holds daily-partitioned assets; give --as-of YYYY-MM-DD: "
            + ", ".join(partitioned[:5])
        )
    assets: Sequence = list(defs.assets or [])
    return dg.materialize(
        assets,
        instance=get_instance(),
        resources=defs.resources,
        selection=dg.AssetSelection.assets(*keys),
        partition_key=as_of if partitioned else None,
        raise_on_error=False,
        tags={"analytics/launched_by": "cli", **(tags or {})},
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )


def failure_summary(result: dg.ExecuteInProcessResult) -> str:
    """The failed steps of a run and their error messages."""
    lines = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            lines.append(f"{event.step_key}: {error.message.strip() if error else 'failed'}")
    return "\n".join(lines) or "run failed"
