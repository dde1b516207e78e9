"""Raw contract files -> one valid, deduplicated DataFrame per source.

An independent reading of shared/CONTRACT.md with plain json / csv / pyarrow: every
line is parsed, checked against the contract rules (a row that breaks one is
dropped, as the loader quarantines it), and the contract's dedupe keeps one row per
key: the newest `updated_at` for mutable sources, then the latest ingest (the later
file in the ingest order given by the caller), then the highest line number.
Timestamps come out as UTC pandas timestamps, `metadata` / `properties` as dicts.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

MAX_TEXT = 10_000
MIN_YEAR, MAX_YEAR = 1970, 2100


# -- the contract, restated --------------------------------------------------------


@dataclass(frozen=True)
class Col:
    name: str
    type: str  # text, int, numeric, bool, ts, json
    required: bool = False
    enum: tuple[str, ...] | None = None
    lo: float | None = None
    hi: float | None = None


@dataclass(frozen=True)
class Spec:
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    version: str | None = None  # mutable sources: the newest version wins
    order: tuple[tuple[str, str], ...] = ()  # (later, earlier): later >= earlier

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _cols(*specs: tuple) -> tuple[Col, ...]:
    return tuple(Col(*s) for s in specs)


ACTIVITY_EVENT_TYPES = (
    "page_view", "agent_run", "login", "logout", "workspace_switch", "feature_use", "error",
    "api_call", "export", "report_view",
)  # fmt: skip
STUDY_EVENT_TYPES = (
    "session_start", "session_end", "session_pause", "session_resume", "material_open",
    "question_view", "ai_coach_ask", "search", "xp_earned",
)  # fmt: skip
# Keys of user_activity.metadata read downstream: checked when present and not null.
METADATA_KEYS = {
    "feature": "text",
    "duration_ms": "number>=0",
    "success": "bool",
    "error_type": "text",
    "report_id": "text",
}

SPECS: dict[str, Spec] = {
    "workspaces": Spec(
        _cols(
            ("workspace_id", "text", True),
            ("name", "text", True),
            ("subscription_tier", "text", False, ("free", "pro", "enterprise")),
            ("subscription_status", "text", True, ("ACTIVE", "TRIAL", "EXPIRED", "CANCELLED")),
            ("created_at", "ts", True),
            ("updated_at", "ts", True),
        ),
        key=("workspace_id",),
        version="updated_at",
    ),
    "users": Spec(
        _cols(
            ("user_id", "text", True),
            ("workspace_id", "text", True),
            ("role", "text", True, ("OWNER", "LEADER", "MANAGER", "MEMBER", "STUDENT")),
            ("created_at", "ts", True),
            ("updated_at", "ts", True),
            ("deleted_at", "ts"),
        ),
        key=("user_id",),
        version="updated_at",
    ),
    "user_activity": Spec(
        _cols(
            ("event_id", "text", True),
            ("user_id", "text", True),
            ("workspace_id", "text", True),
            ("session_id", "text"),
            ("event_type", "text", True, ACTIVITY_EVENT_TYPES),
            ("event_name", "text"),
            ("page_path", "text"),
            ("ip_address", "text"),
            ("user_agent", "text"),
            ("referrer", "text"),
            ("metadata", "json"),
            ("occurred_at", "ts", True),
        ),
        key=("event_id",),
    ),
    "agents": Spec(
        _cols(
            ("agent_id", "text", True),
            ("workspace_id", "text", True),
            ("name", "text", True),
            ("created_at", "ts", True),
            ("updated_at", "ts", True),
        ),
        key=("agent_id",),
        version="updated_at",
    ),
    "agent_runs": Spec(
        _cols(
            ("run_id", "text", True),
            ("agent_id", "text", True),
            ("workspace_id", "text", True),
            ("user_id", "text", True),
            ("status", "text", True, ("running", "completed", "failed", "cancelled")),
            ("started_at", "ts", True),
            ("ended_at", "ts"),
            ("runtime_seconds", "numeric", False, None, 0),
            ("credits_consumed", "numeric", False, None, 0),
            ("model", "text"),
            ("tokens_used", "int", False, None, 0),
            ("error_type", "text"),
            ("user_rating", "int", False, None, 1, 5),
            ("updated_at", "ts", True),
        ),
        key=("run_id",),
        version="updated_at",
        order=(("ended_at", "started_at"),),
    ),
    "topics": Spec(
        _cols(
            ("topic_id", "text", True),
            ("parent_topic_id", "text"),
            ("name", "text", True),
            ("level", "text", True, ("system", "subject", "subtopic")),
            ("board_exam_weight", "numeric", False, None, 0, 1),
            ("updated_at", "ts", True),
        ),
        key=("topic_id",),
        version="updated_at",
    ),
    "topic_relationships": Spec(
        _cols(
            ("topic_id", "text", True),
            ("related_topic_id", "text", True),
            ("relationship_type", "text", True, ("prerequisite", "related")),
        ),
        key=("topic_id", "related_topic_id", "relationship_type"),
    ),
    "study_events": Spec(
        _cols(
            ("event_id", "text", True),
            ("user_id", "text", True),
            ("workspace_id", "text", True),
            ("session_id", "text", True),
            ("event_type", "text", True, STUDY_EVENT_TYPES),
            ("properties", "json"),
            ("occurred_at", "ts", True),
        ),
        key=("event_id",),
    ),
    "question_attempts": Spec(
        _cols(
            ("attempt_id", "text", True),
            ("user_id", "text", True),
            ("workspace_id", "text", True),
            ("session_id", "text"),
            ("question_id", "text", True),
            ("topic_id", "text", True),
            ("selected_answer", "text"),
            ("correct_answer", "text"),
            ("is_correct", "bool", True),
            ("time_to_answer_seconds", "numeric", False, None, 0, 3600),
            ("confidence_level", "int", False, None, 1, 5),
            ("hint_used", "bool"),
            ("answered_at", "ts", True),
        ),
        key=("attempt_id",),
    ),
    "material_interactions": Spec(
        _cols(
            ("interaction_id", "text", True),
            ("user_id", "text", True),
            ("workspace_id", "text", True),
            ("session_id", "text"),
            ("material_id", "text", True),
            ("topic_id", "text", True),
            ("interaction_type", "text", True, ("open", "read", "complete", "highlight", "note")),
            ("duration_seconds", "numeric", False, None, 0, 86400),
            ("progress_pct", "numeric", False, None, 0, 100),
            ("occurred_at", "ts", True),
        ),
        key=("interaction_id",),
    ),
    "materials": Spec(
        _cols(
            ("material_id", "text", True),
            ("topic_id", "text", True),
            ("title", "text", True),
            ("material_type", "text", True, ("reading", "video", "flashcards", "case")),
            ("updated_at", "ts", True),
        ),
        key=("material_id",),
        version="updated_at",
    ),
}


# -- reading files ------------------------------------------------------------------


class BadRow(Exception):
    """A row that breaks a contract rule (the loader quarantines it)."""


@dataclass
class Loaded:
    """A source's valid rows after dedupe, plus what was dropped on the way."""

    frame: pd.DataFrame
    rows_read: int = 0
    valid_rows: int = 0  # before dedupe
    rejected: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, reason)
    skipped_files: list[str] = field(default_factory=list)  # same content already read


def _open_text(path: Path) -> io.StringIO:
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        data = gzip.decompress(data)
    return io.StringIO(data.decode("utf-8-sig"), newline="")  # a leading BOM is no data


def _kind(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    for suffix, kind in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv")):
        if name.endswith(suffix):
            return kind
    if path.name.lower().endswith(".parquet"):
        return "parquet"
    raise ValueError(f"{path}: not a contract file")


def read_rows(path: Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """(1-based line or row number, record, reason it is unreadable) for every row."""
    kind = _kind(path)
    if kind == "parquet":
        for n, record in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield n, record, None
        return
    with _open_text(path) as handle:
        if kind == "jsonl":
            for n, line in enumerate(handle, start=1):
                text = line.rstrip("\r\n")
                if not text.strip():
                    continue
                try:
                    value = json.loads(text)
                except ValueError:
                    yield n, None, "invalid json"
                    continue
                if isinstance(value, dict):
                    yield n, value, None
                else:
                    yield n, None, "json but not an object"
            return
        reader = csv.reader(handle, strict=True)
        header: list[str] | None = None
        consumed = 0
        while True:
            first = consumed + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error:
                consumed = reader.line_num
                yield first, None, "unparseable csv"
                continue
            consumed = reader.line_num
            if header is None:
                header = [h.strip() for h in fields]
                continue
            if not fields:
                continue  # blank line
            if len(fields) != len(header):
                yield first, None, "wrong csv field count"
                continue
            record = {h: (v if v != "" else None) for h, v in zip(header, fields, strict=True)}
            yield first, record, None


# -- checking values ------------------------------------------------------------------

_INT_RE = re.compile(r"\s*[+-]?\d+\s*")
_NUM_RE = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def parse_ts(value: Any) -> datetime:
    """An ISO 8601 text (no offset = UTC) or a datetime, as an aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise BadRow("timestamp does not parse") from None
    else:
        raise BadRow("timestamp is not text")
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise BadRow("timestamp outside 1970..2100")
    return moment


def _number(value: Any, integer: bool) -> float | int:
    if isinstance(value, bool):
        raise BadRow("boolean is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or (integer and not value.is_integer()):
            raise BadRow("not a valid number")
        return int(value) if integer else value
    if isinstance(value, str) and (_INT_RE if integer else _NUM_RE).fullmatch(value):
        return int(value) if integer else float(value)
    raise BadRow("does not parse as a number")


def _convert(col: Col, value: Any, json_as_text: bool) -> Any:
    """The typed value of one present, non-null field (raises BadRow)."""
    if col.type == "text":
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # numeric ids exported as JSON numbers
        if not isinstance(value, str):
            raise BadRow("not text")
        if len(value) > MAX_TEXT:
            raise BadRow("text too long")
        if "\x00" in value:
            raise BadRow("NUL in text")
        if col.enum is not None and value not in col.enum:
            raise BadRow("not in enum")
        return value
    if col.type in ("int", "numeric"):
        number = _number(value, col.type == "int")
        if (col.lo is not None and number < col.lo) or (col.hi is not None and number > col.hi):
            raise BadRow("out of bounds")
        return number
    if col.type == "bool":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower() if isinstance(value, str | int) else None
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise BadRow("not a boolean")
    if col.type == "ts":
        return parse_ts(value)
    if col.type == "json":
        if isinstance(value, str) and not json_as_text:
            raise BadRow("json lines hold the object, not json text")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise BadRow("json text does not parse") from None
        if not isinstance(value, dict):
            raise BadRow("json is not an object")
        if col.name == "metadata":
            _check_metadata(value)
        return value
    raise AssertionError(col.type)


def _check_metadata(meta: dict) -> None:
    for key, rule in METADATA_KEYS.items():
        value = meta.get(key)
        if value is None:
            continue
        if rule == "text" and not isinstance(value, str):
            raise BadRow(f"metadata.{key} is not text")
        if rule == "bool" and not isinstance(value, bool):
            raise BadRow(f"metadata.{key} is not a boolean")
        if rule == "number>=0" and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise BadRow(f"metadata.{key} is not a number >= 0")


def check_row(spec: Spec, record: Mapping[str, Any], json_as_text: bool) -> dict[str, Any]:
    """The typed row, or BadRow naming the first broken rule. `json_as_text`:
    json columns hold JSON text (CSV, Parquet), not the object (JSON lines)."""
    out: dict[str, Any] = {}
    for col in spec.columns:
        value = record.get(col.name)
        if isinstance(value, str) and col.type != "json" and not value.strip():
            value = None  # blank text is null
        if value is None:
            if col.required:
                raise BadRow(f"{col.name}: required value missing")
            out[col.name] = {} if col.type == "json" else None
            continue
        try:
            out[col.name] = _convert(col, value, json_as_text)
        except BadRow as exc:
            raise BadRow(f"{col.name}: {exc}") from None
    for later, earlier in spec.order:
        if out[later] is not None and out[earlier] is not None and out[later] < out[earlier]:
            raise BadRow(f"{later} before {earlier}")
    return out


# -- loading a source --------------------------------------------------------------------


def _typed(spec: Spec, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*spec.names, "_source_file", "_source_line", "_file_rank"])
    for col in spec.columns:
        values = frame[col.name]
        if col.type == "ts":
            frame[col.name] = pd.to_datetime(values, utc=True).astype("datetime64[us, UTC]")
        elif col.type == "numeric":
            frame[col.name] = pd.to_numeric(values).astype("float64")
        elif col.type == "int":
            frame[col.name] = values.astype("Int64")
        elif col.type == "bool":
            frame[col.name] = values.astype("boolean")
        else:
            frame[col.name] = values.astype(object)
    frame["_source_line"] = frame["_source_line"].astype("int64")
    frame["_file_rank"] = frame["_file_rank"].astype("int64")
    return frame


def dedupe(frame: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """One row per key: newest version (mutable sources), then the later file in the
    ingest order, then the higher line."""
    order = ([spec.version] if spec.version else []) + ["_file_rank", "_source_line"]
    ranked = frame.sort_values(order, ascending=False, kind="stable")
    kept = ranked.drop_duplicates(list(spec.key), keep="first")
    return kept.sort_values(list(spec.key), kind="stable").reset_index(drop=True)


def load_source(source: str, files: Sequence[Path | str]) -> Loaded:
    """Read `files` of `source` in ingest order (the caller's order: a later file was
    ingested later), drop invalid rows, dedupe."""
    spec = SPECS[source]
    loaded = Loaded(frame=pd.DataFrame())
    seen: set[str] = set()
    rows: list[dict] = []
    for rank, name in enumerate(files):
        path = Path(name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:  # re-ingesting the same content is a no-op
            loaded.skipped_files.append(str(path))
            continue
        seen.add(digest)
        for line, record, problem in read_rows(path):
            loaded.rows_read += 1
            if problem is None:
                try:
                    row = check_row(spec, record, _kind(path) != "jsonl")
                except BadRow as exc:
                    problem = str(exc)
            if problem is not None:
                loaded.rejected.append((str(path), line, problem))
                continue
            row["_source_file"] = str(path.resolve())
            row["_source_line"] = line
            row["_file_rank"] = rank
            rows.append(row)
    loaded.valid_rows = len(rows)
    loaded.frame = dedupe(_typed(spec, rows), spec)
    return loaded


def contract_files(root: Path, source: str) -> list[Path]:
    """A source's files under `root/<source>/` in name order (the landing folder order)."""
    folder = Path(root) / source
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            _kind(path)
        except ValueError:
            continue
        out.append(path)
    return out


def load_dataset(
    files: Mapping[str, Sequence[Path | str]] | Path | str,
    sources: Iterable[str] = ("workspaces", "users", "user_activity", "agents", "agent_runs"),
) -> dict[str, pd.DataFrame]:
    """Deduplicated frames of `sources`: from {source: [files in ingest order]} (e.g. a
    GenerationSummary's .files) or from a folder of `<source>/` subfolders."""
    result = {}
    for source in sources:
        paths = (
            files.get(source, [])
            if isinstance(files, Mapping)
            else contract_files(Path(files), source)
        )
        result[source] = load_source(source, paths).frame
    return result
