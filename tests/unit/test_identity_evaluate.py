"""The three readings of a linkage's accuracy (identity.evaluate), on persons small enough to
count by hand."""

from __future__ import annotations

import numpy as np
import pytest

from duecourse.identity.evaluate import person_metrics


def test_pairwise_and_cluster_readings_counted_by_hand() -> None:
    # true persons: {0, 1, 2} and {3, 4}; found: {0, 1}, {2}, {3, 4}
    m = person_metrics(np.array([0, 0, 1, 2, 2]), np.array([7, 7, 7, 9, 9]))
    # pairs found 0-1, 3-4 (both true) of the true 0-1, 0-2, 1-2, 3-4
    assert m["pairwise_precision"] == 1.0
    assert m["pairwise_recall"] == pytest.approx(2 / 4)
    # exactly right: {3, 4} only — of 3 persons found and 2 true persons
    assert m["cluster_precision"] == pytest.approx(1 / 3)
    assert m["cluster_recall"] == pytest.approx(1 / 2)


def test_a_wrong_merge_costs_every_pair_it_joins() -> None:
    # two true persons of two records each, found as one person
    m = person_metrics(np.array([0, 0, 0, 0]), np.array([1, 1, 2, 2]))
    assert m["pairwise_precision"] == pytest.approx(2 / 6)
    assert m["pairwise_recall"] == 1.0
    assert m["cluster_precision"] == 0.0 and m["cluster_recall"] == 0.0


def test_everyone_alone_and_right() -> None:
    m = person_metrics(np.array([3, 1, 2]), np.array([0, 1, 2]))
    assert m == {"pairwise_precision": 1.0, "pairwise_recall": 1.0, "pairwise_f1": 1.0,
                 "cluster_precision": 1.0, "cluster_recall": 1.0, "cluster_f1": 1.0}
