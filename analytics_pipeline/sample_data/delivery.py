"""When rows are sent: file labels, positions in files, late arrivals and re-sent duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .period import DAY_MS, Period, day_label
from .writers import Payload

LATE_SHARE = 0.025  # event rows sent 1-3 days after the day they occurred
DUPLICATE_SHARE = 0.01  # event rows sent a second time, same key and content


@dataclass
class RowBatch:
    """Rows of one source with the file each goes to and its position key in that file."""

    labels: list[str] = field(default_factory=list)
    order: list[int] = field(default_factory=list)
    payloads: list[Payload] = field(default_factory=list)

    def add(self, label: str, order: int, payload: Payload) -> None:
        self.labels.append(label)
        self.order.append(int(order))
        self.payloads.append(payload)

    def extend(self, other: RowBatch) -> None:
        self.labels.extend(other.labels)
        self.order.extend(other.order)
        self.payloads.extend(other.payloads)

    def __len__(self) -> int:
        return len(self.payloads)

    def by_file(self) -> dict[str, list[Payload]]:
        """Payloads grouped by label (sorted), each file ordered by position then arrival."""
        labels = np.asarray(self.labels, dtype=object)
        codes_sorted, codes = np.unique(labels.astype(str), return_inverse=True)
        seq = np.arange(len(self.payloads))
        perm = np.lexsort((seq, np.asarray(self.order, dtype=np.int64), codes))
        files: dict[str, list[Payload]] = {str(label): [] for label in codes_sorted}
        for i in perm.tolist():
            files[self.labels[i]].append(self.payloads[i])
        return files


@dataclass
class EventRows:
    """Rows of an event source before delivery: the day each is due and its position key."""

    payloads: list[Payload]
    send_day: np.ndarray
    order: np.ndarray

    @classmethod
    def on_event_day(cls, payloads: list[Payload], event_ms: np.ndarray) -> EventRows:
        event_ms = np.asarray(event_ms, dtype=np.int64)
        return cls(payloads, event_ms // DAY_MS, event_ms)


@dataclass
class DeliveryStats:
    late: int = 0
    duplicates: int = 0


def schedule_events(
    rng: np.random.Generator,
    events: EventRows,
    period: Period,
    late_share: float = LATE_SHARE,
    duplicate_share: float = DUPLICATE_SHARE,
) -> tuple[RowBatch, DeliveryStats]:
    """Daily files of an event source: each row goes to its send day's file; a share
    arrives 1-3 days late and a share is sent again (same or a later file)."""
    payloads = events.payloads
    n = len(payloads)
    send_day = np.asarray(events.send_day, dtype=np.int64).copy()
    order = np.asarray(events.order, dtype=np.int64).copy()
    stats = DeliveryStats()
    if n:
        lag = rng.integers(1, 4, n)
        late = (rng.random(n) < late_share) & (send_day + lag <= period.end_day)
        send_day[late] += lag[late]
        order[late] = send_day[late] * DAY_MS + rng.integers(0, DAY_MS, int(late.sum()))
        stats.late = int(late.sum())

        dup = np.flatnonzero(rng.random(n) < duplicate_share)
        delay = rng.choice(4, size=len(dup), p=[0.5, 0.3, 0.1, 0.1])
        dup_day = np.minimum(send_day[dup] + delay, period.end_day)
        same = dup_day == send_day[dup]
        dup_order = np.where(
            same,
            order[dup] + rng.integers(1_000, 3_600_000, len(dup)),
            dup_day * DAY_MS + rng.integers(0, DAY_MS, len(dup)),
        )
        stats.duplicates = len(dup)
        send_day = np.concatenate([send_day, dup_day])
        order = np.concatenate([order, dup_order])
        payloads = payloads + [payloads[i] for i in dup.tolist()]

    batch = RowBatch()
    label_of = {int(d): day_label(int(d)) for d in np.unique(send_day).tolist()}
    batch.labels = [label_of[d] for d in send_day.tolist()]
    batch.order = order.tolist()
    batch.payloads = list(payloads)
    return batch, stats
