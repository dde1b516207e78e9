"""Small-cell suppression with complementary cells (docs/metrics.md, hospital
pack, "Small cells"): which published cells must be hidden so that no count
about fewer than k patients is shown or can be computed by subtraction.

Pure: cells are numbered, each with its weight n (the count itself, or the
number of rows a money sum adds up); relations are a total cell and the part
cells that add up to it. The rule:

- primary: a cell with 1 <= n <= k-1 is suppressed;
- complementary: a relation is safe when none of its cells is suppressed, or
  at least two are and, if its total is published, the suppressed parts'
  weights add up to k or more. Relations are visited in order; an unsafe one
  gets its published part of smallest nonzero weight suppressed (ties: the
  first listed), again until it is safe, or its total when no such part is
  left. A pass that suppressed anything is followed by another from the first
  relation, until a pass changes nothing.

Cells are only ever added, so this ends; the same input gives the same cells.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Relation:
    """`total` = the sum of `parts` (cell numbers; parts in their tie order)."""

    total: int
    parts: tuple[int, ...]


@dataclass
class CellRegistry:
    """The protected cells, numbered in the order they are first named: a cell
    is any hashable name (table, row key, column); the same name is one cell
    wherever it is published."""

    weights: list[int] = field(default_factory=list)
    names: list[Hashable] = field(default_factory=list)
    _numbers: dict[Hashable, int] = field(default_factory=dict)

    def add(self, name: Hashable, weight: int) -> int:
        """The cell's number (a name added twice must carry the same weight)."""
        number = self._numbers.get(name)
        if number is not None:
            if self.weights[number] != weight:
                raise ValueError(
                    f"cell {name!r} added with weight {weight}, had {self.weights[number]}"
                )
            return number
        if weight < 0:
            raise ValueError(f"cell {name!r} has a negative weight {weight}")
        number = len(self.weights)
        self.weights.append(int(weight))
        self.names.append(name)
        self._numbers[name] = number
        return number

    def number(self, name: Hashable) -> int | None:
        return self._numbers.get(name)

    def __len__(self) -> int:
        return len(self.weights)


def is_small(value: float | None, k: int) -> bool:
    """A count about 1..k-1 rows or patients (0 says nothing about anyone)."""
    return value is not None and 1 <= value <= k - 1


def _is_safe(relation: Relation, hidden: list[bool], weights: Sequence[int], k: int) -> bool:
    hidden_parts = [p for p in relation.parts if hidden[p]]
    count = len(hidden_parts) + hidden[relation.total]
    if count == 0:
        return True
    if count == 1:
        return False
    if hidden[relation.total]:
        return True
    return sum(weights[p] for p in hidden_parts) >= k


def _complement(relation: Relation, hidden: list[bool], weights: Sequence[int]) -> int | None:
    """The next cell to hide in an unsafe relation, None when none is left."""
    best = None
    for part in relation.parts:
        if (
            not hidden[part]
            and weights[part] > 0
            and (best is None or weights[part] < weights[best])
        ):
            best = part
    if best is not None:
        return best
    return None if hidden[relation.total] else relation.total


def suppress(weights: Sequence[int], relations: Sequence[Relation], k: int) -> list[bool]:
    """Which cells are suppressed (by cell number)."""
    if k < 1:
        raise ValueError(f"the minimum cell size must be at least 1, got {k}")
    hidden = [is_small(w, k) for w in weights]
    changed = True
    while changed:
        changed = False
        for relation in relations:
            while not _is_safe(relation, hidden, weights, k):
                cell = _complement(relation, hidden, weights)
                if cell is None:
                    # Nothing left to hide: every part is hidden or weighs 0
                    # (a total of zeros is zero, shown by the rule anyway).
                    break
                hidden[cell] = True
                changed = True
    return hidden
