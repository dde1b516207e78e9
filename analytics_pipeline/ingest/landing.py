"""The landing folders: `$ANALYTICS_HOME/landing/<source>/` receive files that
the landing sensor and the raw assets pick up."""

from __future__ import annotations

import time
from pathlib import Path

from analytics_pipeline.ingest.contract import SOURCES
from analytics_pipeline.ingest.readers import UnsupportedFileError, file_format
from analytics_pipeline.settings import get_settings

# A file younger than this may still be being written; the sensor waits for it.
SETTLE_SECONDS = 2.0


def landing_folder(source: str) -> Path:
    return get_settings().landing_dir / source


def ensure_landing_folders() -> Path:
    root = get_settings().landing_dir
    for source in SOURCES:
        (root / source).mkdir(parents=True, exist_ok=True)
    return root


def landed_files(source: str, settled_only: bool = False) -> list[Path]:
    """Files of a supported format in the source's landing folder, in name order.

    Hidden files and `.tmp` / `.part` files are ignored: writers should create
    a file under such a name and rename it when complete.
    """
    folder = landing_folder(source)
    if not folder.is_dir():
        return []
    now = time.time()
    files = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix in (".tmp", ".part") or not path.is_file():
            continue
        try:
            file_format(path)
        except UnsupportedFileError:
            continue
        if settled_only and now - path.stat().st_mtime < SETTLE_SECONDS:
            continue
        files.append(path)
    return files
