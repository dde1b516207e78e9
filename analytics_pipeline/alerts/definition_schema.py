"""Write the alert rule JSON Schema that editors and other tools read.

    python -m analytics_pipeline.alerts.definition_schema

regenerates docs/alert_rule.schema.json from the models in
`alerts.definition`; a test fails while the committed file differs.
"""

from __future__ import annotations

import json

from analytics_pipeline.alerts.definition import alert_rule_json_schema
from analytics_pipeline.settings import REPO_DIR

SCHEMA_PATH = REPO_DIR / "docs" / "alert_rule.schema.json"


def main() -> None:
    text = json.dumps(alert_rule_json_schema(), indent=2, ensure_ascii=False) + "\n"
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
