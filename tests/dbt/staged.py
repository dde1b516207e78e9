"""The sources staged as one model each with the contract's columns. The
hospital pack's staging drops the columns that never leave raw and adds the
patient's pseudonym, age band and sex, and the deletion flag, instead
(contract_hospital.NOT_STAGED, STAGED_EXTRA)."""

from analytics_pipeline.ingest.contract import SOURCES
from analytics_pipeline.ingest.contract_hospital import NOT_STAGED, STAGED_EXTRA

STAGED = dict(SOURCES)


def staged_columns(name: str) -> list[str]:
    """The contract's columns of source `name` that its staging model keeps."""
    dropped = NOT_STAGED.get(name, ())
    return [column for column in SOURCES[name].column_names if column not in dropped]


def staged_extra(name: str) -> tuple[str, ...]:
    """The columns a hospital staging model adds to the contract's."""
    return STAGED_EXTRA.get(name, ())
