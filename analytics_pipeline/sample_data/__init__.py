"""Deterministic sample data for every raw source of the contract (no Dagster here).

summary = generate_sample(Path("sample"), users=300, days=60, bad_rows=0.01)
write_user_activity_file(Path("bench.jsonl"), 1_000_000)
"""

from .bulk import write_user_activity_file
from .generator import FILE_PACKS, MANIFEST, generate_sample
from .summary import GenerationSummary

__all__ = [
    "FILE_PACKS",
    "MANIFEST",
    "GenerationSummary",
    "generate_sample",
    "write_user_activity_file",
]
