"""Which files a source accepts: the formats every source reads, and MongoDB
exports (`.json`) only for the sources that map a MongoDB collection."""

from __future__ import annotations

from pathlib import Path

from analytics_pipeline.ingest.contract import SOURCES, Source
from analytics_pipeline.ingest.readers import UnsupportedFileError, file_format


def check_accepts(source: Source, path: Path) -> None:
    """Raise UnsupportedFileError (one line) unless `source` can read `path`."""
    fmt, _ = file_format(path)
    if fmt == "mongoexport" and source.mongo is None:
        accepting = ", ".join(name for name, s in SOURCES.items() if s.mongo)
        raise UnsupportedFileError(
            f"{path.name}: {source.name} does not accept MongoDB exports (.json); "
            f"the sources that do: {accepting}"
        )
