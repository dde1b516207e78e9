"""The package's layers: no module imports a module of a layer above its own,
nor another top-level unit of its own layer (so no import cycle between
top-level packages). Read from the source, imports inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

from analytics_pipeline.settings import REPO_DIR

PACKAGE = REPO_DIR / "analytics_pipeline"

# Bottom to top. A top-level module or package of the analytics_pipeline
# package sits in exactly one layer.
LAYERS = (
    {"settings", "groups"},
    {"warehouse", "console"},
    {"ingest", "dagster_storage", "dagster_run_launcher", "partitions"},
    {"sample_data", "dagster_instance"},
    {"dbt"},
    {"published_tables"},
    {"learning", "hospital"},
    {"reports"},
    {"dashboards"},
    {"maintenance"},
    {"orchestration"},
    {"definitions"},
    {"commands"},
    {"cli"},
)


def _unit(module: str) -> str | None:
    """The top-level unit of `analytics_pipeline.x.y` (x), None for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "analytics_pipeline" else None


def _imports(path: Path) -> set[str]:
    """Modules of the package that `path` imports (`from analytics_pipeline import x` as x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "analytics_pipeline":
                found |= {f"analytics_pipeline.{alias.name}" for alias in node.names}
            elif node.module.startswith("analytics_pipeline."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("analytics_pipeline.")}
    return found


def test_every_top_level_unit_has_a_layer():
    units = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    units |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    layered = set().union(*LAYERS)
    assert units == layered, (sorted(units - layered), sorted(layered - units))


def test_no_module_imports_upward_or_across_its_layer():
    layer_of = {unit: n for n, layer in enumerate(LAYERS) for unit in layer}
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(REPO_DIR).with_suffix("").parts)
        unit = _unit(module)
        if unit is None:
            continue
        for imported in sorted(_imports(path)):
            other = _unit(imported)
            if other is None or other == unit:
                continue
            if layer_of[other] >= layer_of[unit]:
                problems.append(f"{module} imports {imported} ({other} is not below {unit})")
    assert problems == [], "\n".join(problems)
