"""Version rows of a QMS table and how they are sent: every table is mutable, so a
record's history is its versions (one per change, `updated_at` the moment of
the change). Changes planned after the period's end have not happened yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..delivery import EventRows, RowBatch
from ..layout import INITIAL
from ..period import DAY_MS, Period
from .clock import snapshot_label


@dataclass
class Versions:
    """(moment of the change in ms, row) of one source, in the order made."""

    end_ms: int
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def add(self, ms: int, row: dict[str, Any]) -> bool:
        """Keep the version if it happened before the period's end; whether it did."""
        if ms >= self.end_ms:
            return False
        self.rows.append((int(ms), row))
        return True

    def __len__(self) -> int:
        return len(self.rows)

    def snapshot_batch(self, period: Period) -> RowBatch:
        """Sent with the weekly table exports (the initial export before the period)."""
        batch = RowBatch()
        for ms, row in self.rows:
            batch.add(snapshot_label(period, ms), ms, row)
        return batch

    def split(self, period: Period) -> tuple[RowBatch, EventRows]:
        """Versions before the period in the initial export; the others sent on the
        day of the change (to be delivered late or twice by schedule_events)."""
        initial = RowBatch()
        payloads, moments = [], []
        for ms, row in self.rows:
            if ms < period.start_ms:
                initial.add(INITIAL, ms, row)
            else:
                payloads.append(row)
                moments.append(ms)
        stamps = np.array(moments, dtype=np.int64)
        return initial, EventRows(payloads, stamps // DAY_MS, stamps)
