"""The linker: relatives are never auto-linked, faulty records of one person are; explanations add up."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from duecourse.domain.errors import InvalidInput
from duecourse.identity import Index, Record, default_model, explain, link
from duecourse.identity.model import Model

MODEL = default_model()


def rec(rid: str, given: str, family: str, born: date | None, **kw: str) -> Record:
    base = {"sex": "M", "nationality": "MX", "address": "1200 Oak Street", "city": "Houston",
            "postcode": "77002"}
    base.update(kw)
    return Record(rid, "encounter", family_name=family, given_name=given, birth_date=born, **base)


ANA = rec("a1", "Ana", "Pérez García", date(1990, 4, 2), sex="F", a_number="A012345678")


def decision(a: Record, b: Record, model: Model = MODEL) -> str:
    return explain(a, b, model).decision


@pytest.mark.parametrize("other", [
    replace(ANA, record_id="a2", given_name="Anna"),  # typo
    replace(ANA, record_id="a2", birth_date=date(1990, 2, 4)),  # day and month swapped
    replace(ANA, record_id="a2", given_name="PEREZ GARCIA", family_name="ana"),  # swapped order
    replace(ANA, record_id="a2", family_name="Pérez"),  # double surname in part
    replace(ANA, record_id="a2", address="", city="", postcode=""),  # no address
])
def test_faulty_records_of_one_person_link(other: Record) -> None:
    assert decision(ANA, other) == "auto_link"


def test_nickname_links() -> None:
    a = rec("w1", "William", "Smith", date(1980, 1, 5), nationality="US", a_number="A111111111")
    b = replace(a, record_id="w2", given_name="Bill")
    assert decision(a, b) == "auto_link"


@pytest.mark.parametrize(("a", "b", "level"), [
    ("Chris", "Christopher", "nickname"),  # a name with many canonical forms
    ("Ken", "Kenneth", "nickname"),
    ("William", "Robert", "different"),  # both may be "Bill", but neither is a form of the other
])
def test_nickname_is_one_name_a_form_of_the_other(a: str, b: str, level: str) -> None:
    x = rec("n1", a, "Walker", date(1988, 5, 10), nationality="US")
    y = replace(x, record_id="n2", given_name=b)
    assert explain(x, y, MODEL).steps[1].level == level


@pytest.mark.parametrize(("born", "level"), [
    (date(1986, 7, 30), "close"),  # two days off: 28 → 30 changes two digits
    (date(1986, 7, 31), "close"),  # three days
    (date(1986, 8, 28), "close"),  # one digit off
    (date(1986, 8, 3), "different"),
])
def test_birth_dates_a_few_days_apart_are_close(born: date, level: str) -> None:
    a = rec("d1", "Marisela", "Burgos", date(1986, 7, 28), sex="F")
    b = replace(a, record_id="d2", birth_date=born)
    assert explain(a, b, MODEL).steps[3].level == level


def test_a_shared_a_number_lifts_the_household_vetoes() -> None:
    # A mistyped given name at the family's address: with no identifier it waits for a person,
    # with the same A-number on both records it is one person's record.
    a = rec("q1", "Joaquin", "Matias Nieves", date(1975, 8, 21))
    b = replace(a, record_id="q2", given_name="Joaqmic")
    assert "sibling" in explain(a, b, MODEL).vetoes
    a2, b2 = replace(a, a_number="A164712852"), replace(b, a_number="A164712852")
    e = explain(a2, b2, MODEL)
    assert e.vetoes == () and e.decision == "auto_link"
    # Relatives' A-numbers differ (often by one digit): that is a veto of its own.
    assert "a_number" in explain(a2, replace(b, a_number="A164712853"), MODEL).vetoes


@pytest.mark.parametrize(("theirs", "level"), [
    ("X12345678", "exact"),
    ("X12345679", "close"),  # one digit off
    ("X12345687", "close"),  # two digits swapped
    ("X1234567", "close"),  # one dropped
    ("X98765432", "different"),
    ("", "missing"),
])
def test_document_number_levels(theirs: str, level: str) -> None:
    a = rec("p1", "Rosa", "Iturbide", date(1979, 11, 3), sex="F", document_number="X12345678")
    b = replace(a, record_id="p2", document_number=theirs)
    assert explain(a, b, MODEL).steps[-1].level == level


def test_only_the_same_document_number_lifts_the_household_vetoes() -> None:
    # Passports of a family applying together are consecutive: one digit apart says nothing
    # about whose record it is, the same number does.
    a = rec("q1", "Joaquin", "Matias Nieves", date(1975, 8, 21), document_number="K40012345")
    b = replace(a, record_id="q2", given_name="Joaqmic")
    assert explain(a, b, MODEL).vetoes == ()
    assert "sibling" in explain(a, replace(b, document_number="K40012346"), MODEL).vetoes
    # A different number is no veto (a renewed passport, a consular card): only less evidence.
    renewed = replace(a, record_id="q3", document_number="K77700011")
    assert explain(a, renewed, MODEL).vetoes == ()


def test_a_mistyped_document_number_still_blocks() -> None:
    from duecourse.identity.blocking import candidate_pairs
    from duecourse.identity.compare import Table

    # Nothing in common but the number, one character apart (and a relative's, far off).
    a = Record("d1", "court", family_name="Okafor", given_name="Chidi", document_number="A0012345")
    b = Record("d2", "encounter", family_name="Hughes", given_name="Tom", document_number="A0021345")
    c = Record("d3", "encounter", family_name="Lin", given_name="Mei", document_number="A0099999")
    left, right = candidate_pairs(Table.from_records([a, b, c]))
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == [(0, 1)]


def test_a_nameless_record_at_the_address_needs_the_same_birth_date_and_sex() -> None:
    a = rec("u1", "Vanesa", "Balderas", date(2002, 4, 14), sex="F")
    same = replace(a, record_id="u2", given_name="")
    assert "household_given_name_unknown" not in explain(a, same, MODEL).vetoes
    other_day = replace(same, birth_date=None)
    assert "household_given_name_unknown" in explain(a, other_day, MODEL).vetoes


def test_twins_are_never_auto_linked() -> None:
    a = rec("t1", "Carlos", "Ruiz Soto", date(2010, 6, 1))
    b = rec("t2", "Daniel", "Ruiz Soto", date(2010, 6, 1))
    e = explain(a, b, MODEL)
    assert e.decision != "auto_link"
    assert "sibling" in e.vetoes
    # Even without an address in common, the same surname and birth date with other given names.
    b2 = replace(b, address="", city="", postcode="")
    assert decision(a, b2) != "auto_link"


def test_siblings_and_namesake_son_at_one_address_are_never_auto_linked() -> None:
    father = rec("f1", "José", "López", date(1970, 3, 3))
    son = rec("s1", "José", "López", date(1995, 3, 3))
    sister = rec("s2", "Lucía", "López", date(1993, 7, 9), sex="F")
    assert "birth_date" in explain(father, son, MODEL).vetoes
    assert decision(father, son) != "auto_link"
    assert decision(son, sister) != "auto_link"


def test_different_a_numbers_veto() -> None:
    other = replace(ANA, record_id="a2", a_number="A012345679")
    e = explain(ANA, other, MODEL)
    assert "a_number" in e.vetoes and e.decision != "auto_link"


def test_review_band_between_thresholds() -> None:
    # Same name, no birth date, another city: not enough either way.
    a = rec("x1", "Juan", "Hernández", None, address="", postcode="", city="Dallas")
    b = rec("x2", "Juan", "Hernández", date(1985, 5, 5), address="", postcode="", city="Miami")
    e = explain(a, b, MODEL)
    assert MODEL.thresholds.new_person <= e.probability < MODEL.thresholds.auto_link
    assert e.decision == "review"


@pytest.mark.parametrize("other", [
    replace(ANA, record_id="a2", given_name="Anna", birth_date=date(1990, 2, 4), address=""),
    rec("x2", "Ana", "Pérez", None, address="", postcode="", city="Miami", sex="F"),
])
def test_waterfall_sums_to_the_log_odds(other: Record) -> None:
    e = explain(ANA, other, MODEL)
    assert e.steps[0].comparison == "prior"
    total = sum(s.match_weight for s in e.steps)
    assert total == pytest.approx(e.match_weight)
    # (Near probability 1 the log-odds of a float lose digits: compare within 1e-4 bits.)
    assert total == pytest.approx(math.log2(e.probability / (1 - e.probability)), abs=1e-4)
    assert e.steps[-1].cumulative_probability == pytest.approx(e.probability)
    assert {s.comparison for s in e.steps[1:]} == {
        "given_name", "family_name", "birth_date", "sex", "nationality", "a_number", "location",
        "document_number"}


def test_link_clusters_review_and_chaining() -> None:
    ana2 = replace(ANA, record_id="a2", given_name="ANA", source="court")
    ana3 = replace(ANA, record_id="a3", birth_date=date(1990, 2, 4), address="", source="transfer")
    twin1 = rec("t1", "Carlos", "Ruiz Soto", date(2010, 6, 1))
    twin1b = replace(twin1, record_id="t1b", source="court")
    twin2 = rec("t2", "Daniel", "Ruiz Soto", date(2010, 6, 1))
    twin2b = replace(twin2, record_id="t2b", source="court")
    # A record that fits either twin: no given name, same birth date and address.
    bridge = rec("t?", "", "Ruiz Soto", date(2010, 6, 1))
    loner = rec("z1", "Zoe", "Quintana", date(1950, 1, 1), sex="F", address="9 Elm Rd", postcode="10001")
    result = link([ANA, ana2, ana3, twin1, twin1b, twin2, twin2b, bridge, loner], MODEL)
    persons = result.clusters
    assert persons["a1"] == persons["a2"] == persons["a3"] == "a1"
    assert persons["t1"] == persons["t1b"] != persons["t2"] == persons["t2b"]
    assert persons["t?"] not in (persons["t1"], persons["t2"])  # it waits for a person
    assert persons["z1"] == "z1"
    assert any({p.left, p.right} & {"t?"} for p in result.review)
    assert all(p.probability >= MODEL.thresholds.auto_link for p in result.auto_links)


def test_lookup_finds_the_person_with_an_explanation() -> None:
    known = [ANA, replace(ANA, record_id="a2", source="court"),
             rec("b1", "Bruno", "Díaz", date(1985, 1, 1)), rec("c1", "Ana", "Pérez", date(1960, 9, 9))]
    index = Index(known, MODEL, {"a1": "P-1", "a2": "P-1", "b1": "P-2", "c1": "P-3"})
    new = replace(ANA, record_id="n1", given_name="ANNA", address="", a_number="")
    top = index.top(new, k=5)
    assert top[0].person_id == "P-1"
    assert top[0].decision == "auto_link"
    assert len({c.person_id for c in top}) == len(top)
    assert top[0].waterfall.steps[0].comparison == "prior"
    assert index.top(rec("q", "Zed", "Nobody", date(2001, 1, 1), address="", postcode="", city=""), 3) == []


def test_model_round_trips_through_json() -> None:
    again = Model.from_json(MODEL.to_json())
    assert again == MODEL
    assert MODEL.data_card["trained_on"]


def test_a_model_saved_before_document_numbers_still_loads_and_weighs_them_nothing() -> None:
    import json

    d = json.loads(MODEL.to_json())
    d["comparisons"] = [c for c in d["comparisons"] if c["name"] != "document_number"]
    old = Model.from_dict(d)
    assert all(p.weight == 0.0 for p in old.levels[-1])
    a = rec("o1", "Rosa", "Iturbide", date(1979, 11, 3), sex="F", document_number="X12345678")
    assert explain(a, replace(a, record_id="o2"), old).steps[-1].match_weight == 0.0
    d["comparisons"].append({"name": "shoe_size", "levels": []})
    with pytest.raises(InvalidInput, match="shoe_size"):
        Model.from_dict(d)


def test_a_field_no_training_record_carries_is_not_learned() -> None:
    from duecourse.identity import train
    from duecourse.sim.identity_records import generate_identity_records

    records = [replace(r, document_number="") for r in generate_identity_records(3000, seed=5).records()]
    model = train(records, seed=5, u_pairs=50_000, em_pairs=50_000)
    assert model.data_card["not_learned"] == ["document_number"]
    assert all(p.m is None and p.weight == 0.0 for p in model.levels[-1])


def test_the_prior_shrinks_for_more_records_than_the_model_was_trained_on() -> None:
    trained = int(MODEL.data_card["records"])
    assert MODEL.for_population(trained // 10) is MODEL  # fewer: the cautious prior is kept
    big = MODEL.for_population(5 * trained)
    assert big.prior == pytest.approx(MODEL.prior * (trained - 1) / (5 * trained - 1))
    assert big.for_population(5 * trained) == big  # set once, not again
    assert Model.from_json(big.to_json()) == big
    # Two records agreeing on everything but with no birth date: among more records, less sure.
    a = rec("b1", "Juan", "Hernández", None)
    b = replace(a, record_id="b2")
    assert explain(a, b, big).probability < explain(a, b, MODEL).probability


def test_pairs_compared_in_threads_give_the_levels_of_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from duecourse.identity import compare
    from duecourse.sim.identity_records import generate_identity_records

    records = generate_identity_records(3000, seed=8).records()
    rng = np.random.default_rng(8)
    left, right = rng.integers(0, 3000, 40_000), rng.integers(0, 3000, 40_000)
    monkeypatch.setattr(compare, "THREADS", 1)
    one = compare.compare_pairs(t1 := compare.Table.from_records(records), left, t1, right)
    monkeypatch.setattr(compare, "THREADS", 4)
    monkeypatch.setattr(compare, "CHUNK", 500)  # many chunks on a vocabulary not yet laid out
    many = compare.compare_pairs(t2 := compare.Table.from_records(records), left, t2, right)
    assert np.array_equal(one.levels, many.levels) and np.array_equal(one.dob_far, many.dob_far)
