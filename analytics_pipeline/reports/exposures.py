"""dbt exposures generated from report definitions: every report shows in the
dbt docs and their lineage graph downstream of the table it reads.

`exposures_yaml` is a pure function of the definitions. `write_exposures` puts
its text at `EXPOSURES_FILE` in the dbt project (under models/, which dbt
parses) and leaves the file untouched when the text is the same, because the
manifest is re-parsed whenever a project file's modification time moves. The
committed file is generated from reports/*.yml (a test keeps it current);
`analytics-pipeline docs` regenerates it from the definitions the warehouse
holds before it builds the docs.

An exposure depends on `ref('<model>')`, or on `source('learning', '<table>')`
for the tables Python assets build (`ReportSource.dbt_source`). dagster-dbt
makes assets of models, seeds and snapshots only: exposures add no Dagster
asset and no asset key.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from analytics_pipeline.reports.definition import DateRange, ReportDefinition
from analytics_pipeline.reports.schedule import describe_schedule
from analytics_pipeline.reports.sources import REPORT_SOURCES, ReportSource, every_tenant
from analytics_pipeline.settings import get_settings

EXPOSURES_FILE = Path("models") / "reports" / "_report_exposures.yml"
# Owner when a definition names no creator (dbt requires an owner name or e-mail).
DEFAULT_OWNER = "analytics-pipeline"
# Report type -> dbt exposure type (dashboard, notebook, analysis, ml, application).
EXPOSURE_TYPES = {
    "dashboard": "dashboard",
    "chart": "dashboard",
    "table": "analysis",
    "export": "application",  # files consumed by other systems
}
_HEADER = """\
# Generated from the report definitions by analytics_pipeline.reports.exposures:
# do not edit. `python -m analytics_pipeline.reports.exposures` writes it from
# reports/*.yml; `analytics-pipeline docs` from control.report_definitions.
"""


def dbt_dependency(source: ReportSource) -> str:
    """How dbt names the source's table: `ref('daily_metrics')` or
    `source('learning', 'knowledge_gaps')`."""
    if source.dbt_source is not None:
        return f"source('{source.dbt_source}', '{source.table}')"
    return f"ref('{source.table}')"


def exposure(definition: ReportDefinition) -> dict[str, Any]:
    """One dbt exposure (a YAML-ready mapping) for a report definition."""
    config = definition.configuration
    schedule = definition.schedule
    created_by = definition.created_by or DEFAULT_OWNER
    return {
        "name": definition.id,  # a slug, so a valid dbt identifier
        "label": jinja_literal(definition.name),
        "type": EXPOSURE_TYPES[definition.report_type],
        "maturity": _maturity(definition),
        "owner": {("email" if "@" in created_by else "name"): jinja_literal(created_by)},
        "description": jinja_literal(_description(definition)),
        "depends_on": [dbt_dependency(REPORT_SOURCES[config.data_source])],
        "config": {
            "tags": ["report"],
            "meta": {
                "report_type": definition.report_type,
                "data_source": config.data_source,
                "workspace_id": (
                    jinja_literal(definition.workspace_id) if definition.workspace_id else None
                ),
                "formats": list(schedule.formats) if schedule else [],
                "schedule": describe_schedule(schedule) if schedule else None,
                "date_range": date_range_text(config.date_range),
                "chart_type": config.chart_type,
                "is_active": definition.is_active,
            },
        },
    }


def _maturity(definition: ReportDefinition) -> str:
    if not definition.is_active:
        return "low"
    scheduled = definition.schedule is not None and definition.schedule.frequency != "manual"
    return "high" if scheduled else "medium"


def date_range_text(date_range: DateRange | None) -> str | None:
    if date_range is None:
        return None
    if date_range.relative is not None:
        return date_range.relative
    return f"{date_range.start.isoformat()} to {date_range.end.isoformat()}"


def _description(definition: ReportDefinition) -> str:
    """Markdown: the definition's description, then what the report reads and when it runs."""
    config = definition.configuration
    schedule = definition.schedule
    tenant = REPORT_SOURCES[config.data_source].tenant_label
    workspace = (
        f"{tenant.lower()} `{definition.workspace_id}`"
        if definition.workspace_id
        else every_tenant(tenant)
    )
    reads = f"`{config.data_source}`, {workspace}"
    facts = [f"Report `{definition.id}` ({definition.report_type}) on {reads}"]
    if schedule is None:
        facts.append("Runs by hand only")
    else:
        recipients = len(schedule.recipients)
        facts.append(f"Schedule: {describe_schedule(schedule)}")
        facts.append(
            f"Formats: {', '.join(schedule.formats)}; "
            f"{recipients} recipient{'' if recipients == 1 else 's'}"
        )
    if config.date_range is not None:
        facts.append(f"Date range: {date_range_text(config.date_range)}")
    if not definition.is_active:
        facts.append("Inactive: not run")
    summary = definition.description.strip() or definition.name
    return "\n".join([summary, "", *(f"- {fact}" for fact in facts)])


def jinja_literal(text: str) -> str:
    """`text` as dbt renders it back: dbt runs every YAML value through Jinja, and a
    definition's own text (edited in the table, say) must stay text, never code."""
    return text.replace("{", "{{ '{' }}")


class _Dumper(yaml.SafeDumper):
    """Multi-line text as `|` blocks, so the generated file reads like a hand-written one."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def exposures_yaml(definitions: Iterable[ReportDefinition]) -> str:
    """The exposures file for `definitions`, sorted by id."""
    return exposures_document(
        [exposure(d) for d in sorted(definitions, key=lambda d: d.id)], _HEADER
    )


def exposures_document(exposures: list[dict[str, Any]], header: str) -> str:
    """A dbt properties file of `exposures` (multi-line text as `|` blocks) under `header`."""
    document = {"version": 2, "exposures": exposures}
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def exposures_path(project_dir: Path | None = None) -> Path:
    """Where the exposures file goes in the dbt project."""
    return (project_dir or get_settings().dbt_project_dir) / EXPOSURES_FILE


def write_exposures(
    definitions: Iterable[ReportDefinition], project_dir: Path | None = None
) -> bool:
    """Write the exposures file (atomically); False when it already had this text."""
    return write_if_changed(exposures_path(project_dir), exposures_yaml(definitions))


def write_if_changed(path: Path, text: str) -> bool:
    """Write `text` to `path` atomically; False (file untouched, so dbt sees no
    change) when it already holds this text. Serves the dashboards' exposures too."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return True


if __name__ == "__main__":
    # `python -m analytics_pipeline.reports.exposures`: regenerate the committed file.
    from analytics_pipeline.reports.definition import load_definition_files

    changed = write_exposures(load_definition_files(get_settings().report_definitions_dir))
    print(f"{exposures_path()}: {'written' if changed else 'up to date'}")
