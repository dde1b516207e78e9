"""The small-cell rule (docs/metrics.md, hospital pack, "Small cells") on
hand-made cells: primary and complementary suppression, one rule each."""

from __future__ import annotations

import pytest

from analytics_pipeline.hospital.small_cells import CellRegistry, Relation, is_small, suppress


def hidden_of(weights, relations, k=5):
    return [i for i, h in enumerate(suppress(weights, relations, k)) if h]


def test_a_count_of_1_to_k_minus_1_is_hidden_and_0_is_not():
    assert hidden_of([0, 1, 4, 5, 9], []) == [1, 2]
    assert [is_small(v, 5) for v in (None, 0, 1, 4, 5)] == [False, False, True, True, False]


def test_one_hidden_part_takes_the_smallest_nonzero_other_part_with_it():
    # total 0 = parts 1..4: the 3 is hidden; the 0 is no cover, 6 < 7 is.
    assert hidden_of([16, 3, 0, 7, 6], [Relation(0, (1, 2, 3, 4))]) == [1, 4]


def test_ties_take_the_first_part_listed():
    assert hidden_of([17, 2, 8, 7, 7], [Relation(0, (1, 2, 3, 4))]) == [1, 3]


def test_hidden_parts_must_weigh_k_together_when_the_total_is_shown():
    # 2 + 2 < 5 hides the next smallest part too: 2 + 2 + 4 >= 5.
    assert hidden_of([18, 2, 2, 4, 10], [Relation(0, (1, 2, 3, 4))]) == [1, 2, 3]


def test_a_hidden_total_with_one_hidden_part_is_safe():
    # The total (3) and one part are small; the other part is 0: safe.
    assert hidden_of([3, 3, 0], [Relation(0, (1, 2))]) == [0, 1]


def test_a_total_hidden_alone_takes_a_part_with_it():
    # A: 10 = B's total (6) + 4 hides the 4, then B's total; B: 6 = 6 + 0 would
    # give its hidden total away: its part goes too.
    relations = [Relation(0, (1, 2)), Relation(1, (3, 4))]
    assert hidden_of([10, 6, 4, 6, 0], relations) == [1, 2, 3]


def test_the_total_goes_when_no_part_is_left_to_hide():
    # 1 + 2 hidden weigh 3 < 5 and the only other part weighs 0: the total goes.
    assert hidden_of([3, 1, 2, 0], [Relation(0, (1, 2, 3))]) == [0, 1, 2]


def test_a_later_relation_reopens_an_earlier_one():
    # A: 13 = x + y (safe at first); B: 8 = x + z hides z (2) and then x (6),
    # which leaves x alone hidden in A: the next pass hides y.
    weights = [13, 6, 7, 8, 2]
    relations = [Relation(0, (1, 2)), Relation(3, (1, 4))]
    assert hidden_of(weights, relations) == [1, 2, 4]


def test_every_relation_is_safe_in_the_end():
    weights = [20, 1, 9, 10, 12, 1, 11, 32, 2, 10, 20]
    relations = [
        Relation(0, (1, 2, 3)),
        Relation(4, (5, 6)),
        Relation(7, (0, 4)),
        Relation(10, (8, 9, 3)),
    ]
    hidden = suppress(weights, relations, 5)
    for relation in relations:
        cells = [relation.total, *relation.parts]
        count = sum(hidden[c] for c in cells)
        parts_weight = sum(weights[p] for p in relation.parts if hidden[p])
        assert count == 0 or (count >= 2 and (hidden[relation.total] or parts_weight >= 5))


def test_the_same_name_is_one_cell():
    cells = CellRegistry()
    assert cells.add(("t", (1,), "c"), 3) == cells.add(("t", (1,), "c"), 3) == 0
    assert cells.add(("t", (2,), "c"), 3) == 1
    with pytest.raises(ValueError, match="weight"):
        cells.add(("t", (1,), "c"), 4)


def test_the_threshold_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        suppress([1], [], 0)
