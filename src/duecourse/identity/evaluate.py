"""Accuracy of a linkage against known truth (synthetic or labelled data only).

Three readings, the first two as in Menestrina, Whang and Garcia-Molina, "Evaluation of entity
resolution approaches on real-world problems" (VLDB 2010):

- *pairwise*: every pair of records placed in one person against every pair of records of one
  true person (a wrong merge of two large persons counts every pair it joins) — what
  ``duecourse identity clusters`` writes and an officer sees;
- *cluster*: persons exactly right — the share of the persons found that are exactly a true
  person (precision) and of the true persons found exactly (recall); one record too many or too
  few makes a person wrong;
- *direct*: only the pairs whose own score crossed the auto-link threshold, against every true
  pair: two records of one person each linked to a third but never to each other count as a
  miss here, though they share a person.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from .linker import AUTO, REVIEW, LinkResult

__all__ = ["Accuracy", "accuracy", "person_metrics"]

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
    direct_precision: float
    direct_recall: float
    direct_f1: float
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


def person_metrics(labels: I64, truth: I64) -> dict[str, float]:
    """Pairwise and cluster precision, recall and F1 of the persons ``labels`` (one integer per
    record) against ``truth`` (the true person of each record)."""
    labels, truth = np.asarray(labels, np.int64), np.asarray(truth, np.int64)
    true_pairs, pred_pairs = _pairs_within(truth), _pairs_within(labels)
    _, joint, jcount = np.unique(labels * (int(truth.max(initial=0)) + 1) + truth,
                                 return_inverse=True, return_counts=True)
    tp = _pairs_within(joint.astype(np.int64))
    pp = tp / pred_pairs if pred_pairs else 1.0
    pr = tp / true_pairs if true_pairs else 1.0
    # A person found is exact when all its records are of one true person and all of them.
    found, true_size = np.bincount(labels), np.bincount(truth)
    first = np.unique(joint, return_index=True)[1]
    lab, tru = labels[first], truth[first]
    exact = int(((jcount == found[lab]) & (jcount == true_size[tru])).sum())
    n_found, n_true = int((found > 0).sum()), int((true_size > 0).sum())
    cp = exact / n_found if n_found else 1.0
    cr = exact / n_true if n_true else 1.0
    return {"pairwise_precision": pp, "pairwise_recall": pr, "pairwise_f1": _f1(pp, pr),
            "cluster_precision": cp, "cluster_recall": cr, "cluster_f1": _f1(cp, cr)}


def accuracy(result: LinkResult, truth: I64) -> Accuracy:
    """Compare ``result`` with ``truth`` (the true person of each record, in input order)."""
    truth = np.asarray(truth, np.int64)
    true_pairs = _pairs_within(truth)
    same = truth[result.left] == truth[result.right]
    auto = result.decision == AUTO
    tp = int((auto & same).sum())
    n_auto = int(auto.sum())
    dp = tp / n_auto if n_auto else 1.0
    dr = tp / true_pairs if true_pairs else 1.0
    ids: dict[str, int] = {}
    persons = np.fromiter((ids.setdefault(p, len(ids)) for p in result.person_of), dtype=np.int64,
                          count=len(result.person_of))
    review = result.decision == REVIEW
    return Accuracy(
        true_pairs=true_pairs,
        candidate_recall=float(same.sum() / true_pairs) if true_pairs else 1.0,
        **person_metrics(persons, truth),
        direct_precision=dp, direct_recall=dr, direct_f1=_f1(dp, dr),
        auto_links=n_auto, false_links=n_auto - tp,
        review_pairs=int(review.sum()), review_true=int((review & same).sum()),
        review_items=result.review_items(),
    )
