"""The landing folders: `$ANALYTICS_HOME/landing/<source>/` receive files that
the landing sensor and the raw assets pick up."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from analytics_pipeline.ingest.accepted_files import check_accepts
from analytics_pipeline.ingest.contract import SOURCES
from analytics_pipeline.ingest.readers import UnsupportedFileError
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


@dataclass(frozen=True)
class Ignored:
    """Something in the landing area that is not ingested, and why."""

    path: Path
    reason: str


@dataclass
class LandingScan:
    """Settled files per source, and what was ignored (with a reason)."""

    files: dict[str, list[Path]] = field(default_factory=dict)
    ignored: list[Ignored] = field(default_factory=list)


def _in_progress(path: Path) -> bool:
    """Hidden, `.tmp` and `.part` names: the writer protocol's names for files
    still being written (renamed when complete), so they are skipped silently."""
    return path.name.startswith(".") or path.suffix in (".tmp", ".part")


def _unsupported(source: str, path: Path) -> str | None:
    """Why a file in a source folder cannot be ingested, or None."""
    if path.is_dir():
        return "a folder inside a source folder; only files directly in it are read"
    try:
        check_accepts(SOURCES[source], path)
    except UnsupportedFileError as exc:
        return str(exc)
    return None


def landed_files(source: str, settled_only: bool = False) -> list[Path]:
    """Files of a supported format in the source's landing folder, in name order.

    Hidden files and `.tmp` / `.part` files are ignored: writers should create
    a file under such a name and rename it when complete.
    """
    folder = landing_folder(source)
    if not folder.is_dir():
        return []
    now = time.time()
    return [
        path
        for path in sorted(folder.iterdir())
        if not _in_progress(path)
        and path.is_file()
        and _unsupported(source, path) is None
        and not (settled_only and now - path.stat().st_mtime < SETTLE_SECONDS)
    ]


def scan_landing(now: float) -> LandingScan:
    """Every source folder's settled files (as of `now`, epoch seconds) and the
    unknown folders, stray files and unsupported files next to them."""
    root = get_settings().landing_dir
    scan = LandingScan(files={source: [] for source in SOURCES})
    if not root.is_dir():
        return scan
    for entry in sorted(root.iterdir()):
        if _in_progress(entry):
            continue
        if entry.name not in SOURCES:
            kind = "folder" if entry.is_dir() else "file"
            reason = (
                f"not a source {kind}: files go into landing/<source>/ where <source> is one "
                f"of {', '.join(sorted(SOURCES))}"
            )
            scan.ignored.append(Ignored(entry, reason))
            continue
        if not entry.is_dir():
            scan.ignored.append(Ignored(entry, "a file where the source folder should be"))
            continue
        for path in sorted(entry.iterdir()):
            if _in_progress(path):
                continue
            reason = _unsupported(entry.name, path)
            if reason:
                scan.ignored.append(Ignored(path, reason))
                continue
            try:
                settled = now - path.stat().st_mtime >= SETTLE_SECONDS
            except FileNotFoundError:
                continue  # renamed or removed since the listing
            if settled:
                scan.files[entry.name].append(path)
    return scan
