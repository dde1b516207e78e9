"""The vocabulary of the raw source contract: columns, rules, sources and the
MongoDB mappings. The sources themselves are in `contract.py` (core) and the
domain packs' modules (`contract_hr.py`), all built from these types."""

from __future__ import annotations

from dataclasses import dataclass, field

TYPES = ("text", "int", "numeric", "bool", "ts", "date", "json")
JSON_KINDS = ("object", "array")
JSON_KEY_TYPES = ("text", "number", "bool", "ts")
MAX_TEXT_LENGTH = 10_000
# Timestamps outside [1970-01-01, 2101-01-01) are quarantined ("outside 1970..2100").
MIN_YEAR, MAX_YEAR = 1970, 2100
# Dates (a date of birth) reach further back than the events' timestamps.
MIN_DATE_YEAR = 1850

LINEAGE_COLUMNS = (
    ("_ingested_at", "timestamptz", "When the loader landed the row (one value per batch)."),
    ("_source_file", "text", "Path of the file the row came from."),
    (
        "_source_line",
        "bigint",
        "1-based line (JSON lines, CSV, MongoDB export lines) or row (Parquet) number in "
        "the file, or element number of a MongoDB --jsonArray export.",
    ),
    ("_batch_id", "text", "Ingest batch that landed the row (raw._ingest_batches)."),
)


@dataclass(frozen=True)
class JsonKey:
    """A key of a json column's object (or of each element of a json array
    column) that downstream models read: checked when present and not null;
    a `required` key must be present and not null."""

    name: str
    type: str  # "text", "number", "bool" or "ts" (ISO 8601 text)
    minimum: float | None = None
    enum: tuple[str, ...] | None = None
    required: bool = False

    def __post_init__(self) -> None:
        if self.type not in JSON_KEY_TYPES:
            raise ValueError(f"{self.name}: unknown json key type {self.type}")

    @property
    def rule(self) -> str:
        """The key's rule in words ("a number >= 0"), as quarantine reasons say it."""
        if self.enum:
            return "one of " + ", ".join(self.enum)
        text = {"ts": "an ISO 8601 timestamp"}.get(self.type, f"a {self.type}")
        return text + (f" >= {self.minimum:g}" if self.minimum is not None else "")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    description: str = ""
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    json_keys: tuple[JsonKey, ...] = ()
    # json columns: "object" (json_keys are the object's keys) or "array" of
    # objects (json_keys are every element's keys).
    json_kind: str = "object"

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"{self.name}: unknown type {self.type}")
        if self.json_kind not in JSON_KINDS:
            raise ValueError(f"{self.name}: unknown json kind {self.json_kind}")

    @property
    def sql_type(self) -> str:
        return {
            "text": "text",
            "int": "bigint",
            "numeric": "numeric",
            "bool": "boolean",
            "ts": "timestamptz",
            "date": "date",
            "json": "jsonb",
        }[self.type]


@dataclass(frozen=True)
class OrderRule:
    """`later` must not be before `earlier` when both are present."""

    later: str
    earlier: str


@dataclass(frozen=True)
class RangeWhen:
    """`column` must lie in minimum..maximum on the rows where `when_column`
    equals `when_value`: a bound that depends on another column (an NPS score
    is 0..10, a CSAT score 1..5)."""

    column: str
    when_column: str
    when_value: str
    minimum: float
    maximum: float

    @property
    def rule(self) -> str:
        return f"{self.minimum:g}..{self.maximum:g} when {self.when_column} = {self.when_value}"


@dataclass(frozen=True)
class MongoField:
    """A column read from a MongoDB document: `path` is the dotted path of the
    field. For a json array column, `element_paths` maps each element key of
    the contract to its dotted path inside the document's array elements."""

    column: str
    path: str
    element_paths: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MongoMapping:
    """How a MongoDB collection's documents (mongoexport files) become rows."""

    collection: str
    fields: tuple[MongoField, ...]


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    mutable: bool = False
    version_column: str | None = None
    event_time_column: str | None = None
    order_rules: tuple[OrderRule, ...] = field(default_factory=tuple)
    range_rules: tuple[RangeWhen, ...] = field(default_factory=tuple)
    # The domain pack the source belongs to (docs/contract.md); None: the core.
    pack: str | None = None
    # Sources that accept mongoexport `.json` files, and how they map.
    mongo: MongoMapping | None = None

    def __post_init__(self) -> None:
        names = set(self.column_names)
        referenced = [r.later for r in self.order_rules] + [r.earlier for r in self.order_rules]
        referenced += [r.column for r in self.range_rules] + [
            r.when_column for r in self.range_rules
        ]
        referenced += [f.column for f in self.mongo.fields] if self.mongo else []
        unknown = sorted(set(referenced) - names)
        if unknown:
            raise ValueError(f"{self.name}: rules or mapping name unknown columns {unknown}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name}")


def column(
    name: str,
    type_: str,
    required: bool = False,
    description: str = "",
    enum=None,
    minimum: float | None = None,
    maximum: float | None = None,
    json_keys=(),
    json_kind: str = "object",
) -> Column:
    """A Column, positional arguments in the order the contract tables read."""
    return Column(
        name,
        type_,
        required,
        description,
        tuple(enum) if enum else None,
        minimum,
        maximum,
        tuple(json_keys),
        json_kind,
    )
