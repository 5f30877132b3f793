"""Accuracy of a linkage against known truth (synthetic or labelled data only).

*Pairwise*: the auto-linked pairs against every pair of records of the same person.
*Cluster*: every pair of records placed in the same person against the same truth (so a wrong
merge of two large clusters counts every pair it joins).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from .linker import AUTO, REVIEW, LinkResult

__all__ = ["Accuracy", "accuracy"]

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Accuracy:
    true_pairs: int
    candidate_recall: float  # share of true pairs that blocking compared at all
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    cluster_precision: float
    cluster_recall: float
    cluster_f1: float
    auto_links: int
    false_links: int
    review_pairs: int
    review_true: int  # review pairs that are in truth one person
    review_items: int  # distinct pairs of persons awaiting review

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _pairs_within(labels: I64) -> int:
    counts = np.bincount(labels)
    return int((counts * (counts - 1) // 2).sum())


def accuracy(result: LinkResult, truth: I64) -> Accuracy:
    """Compare ``result`` with ``truth`` (the true person of each record, in input order)."""
    truth = np.asarray(truth, np.int64)
    true_pairs = _pairs_within(truth)
    same = truth[result.left] == truth[result.right]
    auto = result.decision == AUTO
    tp = int((auto & same).sum())
    n_auto = int(auto.sum())
    pp = tp / n_auto if n_auto else 1.0
    pr = tp / true_pairs if true_pairs else 1.0
    # Clusters.
    ids: dict[str, int] = {}
    cl = np.fromiter((ids.setdefault(p, len(ids)) for p in result.person_of), dtype=np.int64,
                     count=len(result.person_of))
    pred_pairs = _pairs_within(cl)
    joint = cl * (truth.max() + 1) + truth
    _, jcounts = np.unique(joint, return_counts=True)
    ctp = int((jcounts * (jcounts - 1) // 2).sum())
    cp = ctp / pred_pairs if pred_pairs else 1.0
    cr = ctp / true_pairs if true_pairs else 1.0
    review = result.decision == REVIEW
    return Accuracy(
        true_pairs=true_pairs,
        candidate_recall=float(same.sum() / true_pairs) if true_pairs else 1.0,
        pairwise_precision=pp, pairwise_recall=pr, pairwise_f1=_f1(pp, pr),
        cluster_precision=cp, cluster_recall=cr, cluster_f1=_f1(cp, cr),
        auto_links=n_auto, false_links=n_auto - tp,
        review_pairs=int(review.sum()), review_true=int((review & same).sum()),
        review_items=result.review_items(),
    )
