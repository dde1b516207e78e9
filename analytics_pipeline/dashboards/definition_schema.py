"""Write the dashboard definition JSON Schema that editors and other tools read.

    python -m analytics_pipeline.dashboards.definition_schema

regenerates docs/dashboard_definition.schema.json from the models in
`dashboards.definition`; a test fails while the committed file differs.
"""

from __future__ import annotations

import json
from pathlib import Path

from analytics_pipeline.dashboards.definition import dashboard_json_schema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "dashboard_definition.schema.json"


def schema_text() -> str:
    return json.dumps(dashboard_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
