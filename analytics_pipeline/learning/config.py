"""Thresholds and weights of the learning metrics, with the METRICS.md defaults.

Each config is a frozen dataclass; `as_metadata()` gives a flat dict to record next
to the rows it produced (Dagster metadata, report footers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class _Recordable:
    def as_metadata(self) -> dict[str, Any]:
        """The configuration as a flat, JSON-serialisable dict."""
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class MasteryWeights(_Recordable):
    """Weights of the mastery terms. A null term (no attempts, or no catalog
    materials) drops out and its weight is spread over the other terms
    proportionally, so only ratios between weights matter."""

    first_attempt_accuracy: float = 0.30
    accuracy: float = 0.20
    retrieval_strength: float = 0.30
    materials_score: float = 0.20

    def __post_init__(self) -> None:
        if min(asdict(self).values()) < 0:
            raise ValueError(f"mastery weights must be >= 0: {self}")

    def terms(self) -> dict[str, float]:
        """Term column -> weight."""
        return asdict(self)


@dataclass(frozen=True)
class GapConfig(_Recordable):
    """When a (user, topic) is a knowledge gap, how severe it is and what to do."""

    min_attempts: int = 3
    mastery_below: float = 0.80
    prerequisite_mastery_below: float = 0.60
    critical_below: float = 0.40
    high_below: float = 0.55
    medium_below: float = 0.70
    escalate_at_dependent_gaps: int = 2
    default_exam_weight: float = 0.05
    practice_min_questions: int = 5
    practice_questions_per_wrong: int = 3
    practice_max_questions: int = 30
    practice_window_days: int = 30
    max_materials: int = 3

    def __post_init__(self) -> None:
        if not self.critical_below <= self.high_below <= self.medium_below:
            raise ValueError(f"severity cut-offs must be ascending: {self}")
        if self.practice_min_questions > self.practice_max_questions:
            raise ValueError(f"practice minimum above maximum: {self}")


@dataclass(frozen=True)
class ReadinessConfig(_Recordable):
    """Cut-offs of readiness_level (predicted score and coverage are fractions)."""

    ready_score: float = 0.75
    ready_coverage: float = 0.80
    on_track_score: float = 0.60
    at_risk_score: float = 0.45

    def __post_init__(self) -> None:
        if not self.at_risk_score <= self.on_track_score <= self.ready_score:
            raise ValueError(f"readiness cut-offs must be ascending: {self}")
