"""What a generation run wrote: the manifest tests and the CLI read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class GenerationSummary:
    """Files and row counts per source. `rows_written` counts lines/rows including
    duplicates and bad rows; `bad_rows` holds {source: {kind: count}}."""

    files: dict[str, list[Path]] = field(default_factory=dict)
    rows_written: dict[str, int] = field(default_factory=dict)
    bad_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    duplicate_rows: dict[str, int] = field(default_factory=dict)
    late_rows: dict[str, int] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None

    def valid_rows(self, source: str) -> int:
        """Rows of `source` that conform to the contract (duplicates included)."""
        return self.rows_written.get(source, 0) - sum(self.bad_rows.get(source, {}).values())

    def _relative(self, path: Path) -> str:
        if self.out_dir is not None and path.is_relative_to(self.out_dir):
            return path.relative_to(self.out_dir).as_posix()
        return path.as_posix()

    def to_json(self) -> str:
        """The manifest: file paths relative to the output directory, sorted keys."""
        data = {
            "parameters": self.parameters,
            "files": {s: [self._relative(p) for p in ps] for s, ps in self.files.items()},
            "rows_written": self.rows_written,
            "valid_rows": {s: self.valid_rows(s) for s in self.rows_written},
            "bad_rows": self.bad_rows,
            "duplicate_rows": self.duplicate_rows,
            "late_rows": self.late_rows,
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
