"""Sources declared to hold one record per person (identity.one_per_person): a lone candidate
between two such lists is raised, candidates of one record lower each other, two records of one
such list are never one person, vetoes still refuse, and the raise is bounded and explained.
Invented people only."""

from __future__ import annotations

import math

import numpy as np
import pytest

from duecourse.app.identity import _model
from duecourse.identity import link, parse_rows
from duecourse.identity.linker import LinkResult, explain
from duecourse.identity.one_per_person import NULL_FLOOR, Declared
from duecourse.identity.records import Record
from identity_lists import LISTS, ROSTER, TRANSFERS


def records(roster: list[dict[str, str]] = ROSTER,
            transfers: list[dict[str, str]] = TRANSFERS) -> list[Record]:
    return parse_rows(roster, "roster") + parse_rows(transfers, "transfers")


def pair(result: LinkResult, a: str, b: str) -> int:
    ids = result.record_ids
    for i, (x, y) in enumerate(zip(result.left, result.right, strict=True)):
        if {ids[x], ids[y]} == {a, b}:
            return i
    raise AssertionError(f"{a}–{b} was not compared")


def test_a_lone_candidate_between_two_full_lists_is_raised_to_a_link() -> None:
    model = _model()
    plain = link(records(), model)
    i = pair(plain, "r-4", "t-4")
    assert model.thresholds.new_person <= plain.probability[i] < model.thresholds.auto_link
    assert plain.person_of[plain.record_ids.index("t-4")] == "t-4"  # awaits review

    declared = link(records(), model, one_per_person=LISTS)
    j = pair(declared, "r-4", "t-4")
    assert declared.probability[j] >= model.thresholds.auto_link
    person = dict(zip(declared.record_ids, declared.person_of, strict=True))
    assert person["r-4"] == person["t-4"]
    # q: the chance a record has no match, from the expected number of matches (3.95 of 4)
    q = 1 - float(plain.probability.sum()) / 4
    assert 0.005 < q < 0.02
    assert declared.competition is not None
    assert declared.competition[j] == pytest.approx(-math.log2(q))
    assert declared.match_weight[j] == pytest.approx(plain.match_weight[i] - math.log2(q))


def test_one_declared_list_is_not_enough() -> None:
    result = link(records(), _model(), one_per_person=frozenset({"roster"}))
    assert result.competition is None


def test_two_records_of_one_declared_source_are_never_one_person() -> None:
    twice = [*ROSTER, {**ROSTER[0], "record_id": "r-5"}]  # r-1 again, under another id
    plain = link(records(twice), _model())
    person = dict(zip(plain.record_ids, plain.person_of, strict=True))
    assert person["r-1"] == person["r-5"]
    declared = link(records(twice), _model(), one_per_person=LISTS)
    person = dict(zip(declared.record_ids, declared.person_of, strict=True))
    assert person["r-1"] != person["r-5"]  # nor chained through t-1:
    i, j = pair(declared, "r-1", "t-1"), pair(declared, "r-5", "t-1")
    # two equal candidates of t-1, each certain on its own: one of them, not both — even odds
    assert declared.probability[i] == pytest.approx(0.5, abs=1e-6)
    assert declared.probability[j] == pytest.approx(0.5, abs=1e-6)


def test_no_chain_through_another_source_joins_two_records_of_a_declared_one() -> None:
    # r-1 twice on the roster (under r-5), and once in an encounter source nobody declared:
    # each roster record links to the encounter, which would chain r-1 and r-5 together
    twice = [*ROSTER, {**ROSTER[0], "record_id": "r-5"}]
    seen = parse_rows([{**ROSTER[0], "record_id": "e-1"}], "encounters")
    result = link(records(twice) + seen, _model(), one_per_person=LISTS)
    person = dict(zip(result.record_ids, result.person_of, strict=True))
    assert person["r-1"] != person["r-5"]
    assert person["e-1"] in (person["r-1"], person["r-5"])  # one of them keeps the encounter
    assert result.refused_links >= 1  # the other link waits for a person
    undeclared = link(records(twice) + seen, _model())
    person = dict(zip(undeclared.record_ids, undeclared.person_of, strict=True))
    assert person["r-1"] == person["r-5"] == person["e-1"]


def competition(sources: list[str], declared: frozenset[str], left: np.ndarray,
                right: np.ndarray, weight: np.ndarray, veto: np.ndarray) -> np.ndarray | None:
    d = Declared.of(sources, declared)
    assert d is not None
    return d.competition(left, right, weight, veto)


def test_candidates_of_one_record_lower_each_other() -> None:
    # one transfer record, two roster records it may be: weights 10 and 8 bits
    sources = ["roster", "roster", "transfers"]
    left, right = np.array([0, 1]), np.array([2, 2])
    w = np.array([10.0, 8.0])
    gained = competition(sources, LISTS, left, right, w, np.zeros(2, np.uint8))
    assert gained is not None
    # q: 2 roster records, the expected matches the sum of both probabilities
    q = max(1 - (1 / (1 + 2.0 ** -10) + 1 / (1 + 2.0 ** -8)) / 2, NULL_FLOOR)
    assert gained[0] == pytest.approx(-math.log2(q + 2.0 ** 8), rel=1e-12)
    assert gained[1] == pytest.approx(-math.log2(q + 2.0 ** 10), rel=1e-12)


def test_huge_weights_neither_overflow_nor_cancel() -> None:
    sources = ["roster", "roster", "transfers"]
    left, right = np.array([0, 1]), np.array([2, 2])
    gained = competition(sources, LISTS, left, right, np.array([900.0, 900.0]),
                         np.zeros(2, np.uint8))
    assert gained == pytest.approx([-900.0, -900.0])
    alone = competition(sources, LISTS, left, right, np.array([900.0, -900.0]),
                        np.zeros(2, np.uint8))
    assert alone is not None
    # the other is no competitor; one expected match for two roster records: q = 1/2
    assert alone[0] == pytest.approx(1.0)


def test_lists_that_overlap_little_raise_little() -> None:
    # 10 roster records, 10 transfers, one probable match among them: q = 1 − 1/10
    sources = ["roster"] * 10 + ["transfers"] * 10
    gained = competition(sources, LISTS, np.array([0]), np.array([10]), np.array([20.0]),
                         np.zeros(1, np.uint8))
    assert gained is not None
    assert gained[0] == pytest.approx(-math.log2(1 - 1 / 10), rel=1e-5)
    assert gained[0] < 0.2


def test_a_vetoed_pair_is_not_linked_however_raised() -> None:
    other_birth = [*TRANSFERS[:3], {**TRANSFERS[3], "birth_date": "1952-01-01"}]
    result = link(records(transfers=other_birth), _model(), one_per_person=LISTS)
    i = pair(result, "r-4", "t-4")
    assert result.veto[i]
    person = dict(zip(result.record_ids, result.person_of, strict=True))
    assert person["r-4"] != person["t-4"]


def test_the_raise_is_the_last_bar_of_the_explanation() -> None:
    model = _model()
    result = link(records(), model, one_per_person=LISTS)
    i = pair(result, "r-4", "t-4")
    ids = result.record_ids
    recs = {r.record_id: r for r in records()}
    left, right = recs[ids[result.left[i]]], recs[ids[result.right[i]]]
    assert result.competition is not None
    exp = explain(left, right, model.for_population(len(recs)), float(result.competition[i]))
    last = exp.steps[-1]
    assert last.comparison == "one_record_per_person" and last.level == "raised"
    assert exp.match_weight == pytest.approx(result.match_weight[i])
    assert exp.decision == "auto_link"
    assert explain(left, right, model).steps[-1].comparison != "one_record_per_person"
