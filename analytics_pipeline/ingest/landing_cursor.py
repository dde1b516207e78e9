"""The landing sensor's memory between ticks (its cursor, JSON): the sha256 of
each landed file by (path, size, mtime_ns), so a file is hashed again only when
it changes; the ignored paths already logged; the failed runs already logged.

Every part only holds things still present, so the cursor stays bounded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from analytics_pipeline.ingest.loader import file_sha256

VERSION = 2


@dataclass
class LandingCursor:
    hashes: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    """path -> (size, mtime_ns, sha256)"""
    logged: set[str] = field(default_factory=set)
    """Ignored paths (unknown folders, unsupported files) already logged."""
    reported: set[str] = field(default_factory=set)
    """Ids of failed runs already logged."""

    @classmethod
    def from_json(cls, text: str | None) -> LandingCursor:
        """The cursor, or an empty one (no cursor yet, or the old path-keyed one)."""
        data = json.loads(text) if text else {}
        if data.get("version") != VERSION:
            return cls()
        return cls(
            hashes={path: tuple(entry) for path, entry in data["hashes"].items()},
            logged=set(data["logged"]),
            reported=set(data["reported"]),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": VERSION,
                "hashes": {path: list(entry) for path, entry in sorted(self.hashes.items())},
                "logged": sorted(self.logged),
                "reported": sorted(self.reported),
            }
        )

    def cached_sha256(self, path: Path, stat: os.stat_result) -> str | None:
        """The file's sha256 if hashed before with the same size and mtime."""
        cached = self.hashes.get(str(path))
        if cached and cached[:2] == (stat.st_size, stat.st_mtime_ns):
            return cached[2]
        return None

    def hash_file(self, path: Path, stat: os.stat_result) -> str | None:
        """Hash the file and remember it; None if it changed while being hashed."""
        sha = file_sha256(path)
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            return None
        self.hashes[str(path)] = (stat.st_size, stat.st_mtime_ns, sha)
        return sha

    def forget_hashes_except(self, paths: set[str]) -> None:
        """Drop the cached hashes of files no longer in the landing folders."""
        self.hashes = {p: entry for p, entry in self.hashes.items() if p in paths}
