"""`duecourse identity import / link / clusters / review / propose / confirm / reject / train`
(issue 4), on SQLite and PostgreSQL: a batch with bad rows names every one and writes nothing; a
good one is imported, linked and written out as the interfaces say. Invented people only."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from cli_support import IDENTITY_HEADER, READ_AS, initialised, run, write_records
from sqlalchemy import func, select

from duecourse.domain.commands import Actor
from duecourse.store.db import make_engine
from duecourse.store.tables import identity_pairs, identity_records, ledger

GOOD = [
    "c-1,GARCIA,maria,1990-04-02,F,MX,12 Elm Street,Newark,07102,A012345678",
    "c-2,Garcia,Maria,1990-04-02,F,MX,12 Elm St,Newark,07102,012345678",
    "c-3,Lopez,José,1970-05-05,M,MX,,Houston,,",
    "c-4,LOPEZ,jose,,M,MX,,,,",
    "c-5,Okafor,Chidi,1983-09-17,M,NG,4 Bay Road,Baltimore,21201,",
    "c-6,Reed,Samuel,1988-03-14,M,US,,,,",
]


def count(url: str, table: object) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]
    engine.dispose()
    return n


def test_a_batch_with_bad_rows_names_every_one_and_writes_nothing(db_url: str,
                                                                  tmp_path: Path) -> None:
    initialised(db_url)
    bad = write_records(tmp_path / "bad.csv", [
        GOOD[0],
        ",Garcia,Maria,1990-02-30,F,MX,,,,",  # no record id
        "c-3,Lopez,Jose,1970-05-05,Q,MEX,,,",  # a cell missing
        "c-1,Okafor,Chidi,,M,NG,,,,",  # record id used twice
        "c-5,Reed,Samuel,1988-03-14,M,US,,,,A12",  # not an A-number: flagged, not refused
    ])
    code, _, err = run("identity", "import", str(bad), "--source", "court", "--db", db_url)
    assert code != 0
    for row, field in ((3, "record_id"), (4, "(row)"), (5, "record_id")):
        assert f"row {row}" in err and f"field '{field}'" in err, (row, field, err)
    assert "row 2 " not in err and "row 6 " not in err
    assert "no record was taken" in err
    assert count(db_url, identity_records) == 0
    assert count(db_url, ledger) == 0
    # a header with a misspelt column is refused before any row is read
    typo = tmp_path / "typo.csv"
    typo.write_text(IDENTITY_HEADER.replace("birth_date", "birthdate") + "\n" + GOOD[0] + "\n",
                    encoding="utf-8")
    code, _, err = run("identity", "import", str(typo), "--source", "court", "--db", db_url)
    assert code != 0 and "birthdate" in err
    assert count(db_url, identity_records) == 0


def test_json_and_misshapen_rows_are_named_with_the_rest(tmp_path: Path) -> None:
    url = initialised(f"sqlite:///{tmp_path / 'shape.db'}")
    (tmp_path / "bad.json").write_text(json.dumps([
        {"record_id": "a", "birth_date": "1990-13-01"},
        {"record_id": "b", "sex": "Q", "extra": "x"},
        {"record_id": "c", "given_name": {"first": "Ana"}},
        "not an object"]), encoding="utf-8")
    code, _, err = run("identity", "import", str(tmp_path / "bad.json"), "--source", "s",
                       "--db", url)
    assert code != 0
    for row, field in ((2, "extra"), (3, "given_name"), (4, "(row)")):
        assert f"row {row}" in err and f"field '{field}'" in err, (row, field, err)
    assert "row 1 " not in err and "field 'sex'" not in err  # flagged values refuse nothing
    # a CSV row with a cell missing, and a blank line inside the file (not at its end)
    write_records(tmp_path / "shape.csv", [GOOD[0], "", "c-2,Garcia,Maria,1990-04-02,F,MX,,,", GOOD[2],
                                   "c-9,Bad,Date,1990-02-30,F,MX,,,,", "", ""])
    code, _, err = run("identity", "import", str(tmp_path / "shape.csv"), "--source", "s",
                       "--db", url)
    assert code != 0
    assert "row 3, field '(row)': is empty" in err
    assert "row 4 (record c-2), field '(row)': has 9 cells" in err
    assert "c-9" not in err  # 30 February is flagged, not refused
    assert count(url, identity_records) == 0


def test_import_link_and_clusters(db_url: str, tmp_path: Path) -> None:
    initialised(db_url, reader=True)
    good = write_records(tmp_path / "court.csv", GOOD)
    code, out, err = run("identity", "import", str(good), "--source", "court", "--db", db_url)
    assert code == 0, err
    assert "imported 6 records from 'court'" in out
    # the same records again from the same source: refused, every row named, nothing written
    code, _, err = run("identity", "import", str(good), "--source", "court", "--db", db_url)
    assert code != 0 and "row 7 (record c-6)" in err and "already imported" in err
    assert count(db_url, identity_records) == 6
    # JSON, from another source
    (tmp_path / "prior.json").write_text(json.dumps([
        {"record_id": "p-1", "family_name": "okafor", "given_name": "CHIDI",
         "birth_date": "1983-09-17", "sex": "M", "nationality": "NG", "address": "4 Bay Rd",
         "city": "Baltimore", "postcode": "21201", "a_number": None}]), encoding="utf-8")
    code, out, err = run("identity", "import", str(tmp_path / "prior.json"), "--source",
                         "prior_case", "--db", db_url)
    assert code == 0, err

    code, out, err = run("identity", "link", "--db", db_url, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert set(summary) == {"records", "persons", "auto_links", "review_pairs", "seconds"}
    assert summary["records"] == 7
    assert summary["persons"] < 7 and summary["auto_links"] >= 2

    out_file, review_file = tmp_path / "clusters.csv", tmp_path / "review.csv"
    code, out, err = run("identity", "clusters", *READ_AS, "--out", str(out_file), "--review-out",
                         str(review_file), "--db", db_url)
    assert code == 0, err
    with out_file.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    person = {r["record_id"]: r["person_id"] for r in rows}
    assert set(person) == {"c-1", "c-2", "c-3", "c-4", "c-5", "c-6", "p-1"}
    assert person["c-1"] == person["c-2"]  # the same woman, written twice
    assert person["c-5"] == person["p-1"]  # across sources
    assert person["c-6"] not in {person[k] for k in person if k != "c-6"}
    with review_file.open(encoding="utf-8", newline="") as f:
        review = list(csv.DictReader(f))
    assert summary["review_pairs"] == len(review)
    # José López with and without a birth date: probable, not certain; each keeps its own person
    pair = next(r for r in review if {r["left_record_id"], r["right_record_id"]} == {"c-3", "c-4"})
    assert 0 < float(pair["probability"]) < 1 and pair["status"] == "pending"
    assert person["c-3"] != person["c-4"]


def test_review_propose_confirm_from_the_command_line(db_url: str, tmp_path: Path) -> None:
    initialised(db_url, reader=True)
    from duecourse.bootstrap import build_app

    run("identity", "import", str(write_records(tmp_path / "c.csv", GOOD)), "--source", "court",
        "--db", db_url)
    run("identity", "link", "--db", db_url)
    a = build_app(db_url)
    for actor in (Actor("o1", "officer", "o1"), Actor("s1", "supervisor", "s1"),
                  Actor("s2", "supervisor", "s2")):
        a.register_actor(actor)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        pair = conn.execute(select(identity_pairs.c.id)).scalars().first()
    engine.dispose()
    assert pair is not None
    code, out, err = run("identity", "review", *READ_AS, "--db", db_url)
    assert code == 0 and "pending" in out
    code, out, err = run("identity", "confirm", str(pair), "--as", "s1", "--db", db_url)
    assert code != 0 and "only a proposed match" in err
    code, out, err = run("identity", "propose", str(pair), "--as", "o1", "--db", db_url,
                         "--reason", "same birth city and court case")
    assert code == 0 and "proposed by o1" in out, err
    code, out, err = run("identity", "confirm", str(pair), "--as", "o1", "--db", db_url)
    assert code != 0 and "may not confirm" in err
    code, out, err = run("identity", "confirm", str(pair), "--as", "s2", "--db", db_url)
    assert code == 0 and "confirmed by s2" in out, err
    out_file = tmp_path / "clusters.csv"
    run("identity", "clusters", *READ_AS, "--out", str(out_file), "--db", db_url)
    with out_file.open(encoding="utf-8", newline="") as f:
        person = {r["record_id"]: r["person_id"] for r in csv.DictReader(f)}
    assert person["c-3"] == person["c-4"]  # the confirmed match makes one person


def test_train_writes_the_model_with_its_data_card(tmp_path: Path) -> None:
    from duecourse.identity import Model
    from duecourse.sim.identity_records import generate_identity_records

    url = initialised(f"sqlite:///{tmp_path / 'train.db'}", reader=True)
    generate_identity_records(3000, seed=5).write_csv(tmp_path / "sim.csv")
    code, _, err = run("identity", "import", str(tmp_path / "sim.csv"), "--source", "sim",
                       "--db", url)
    assert code == 0, err
    code, _, err = run("identity", "train", *READ_AS, "--out", str(tmp_path / "m.json"), "--db", url)
    assert code == 0, err
    model = Model.load(tmp_path / "m.json")
    assert model.data_card["records"] == 3000
    assert "imported into duecourse" in model.data_card["trained_on"]
    assert "one record per person" not in model.data_card["trained_on"]
    assert set(model.vetoes) == {"a_number", "birth_date", "household", "sibling",
                                 "household_given_name_unknown"}


def test_train_with_the_vetoes_chosen_and_on_lists_of_one_record_per_person(
        tmp_path: Path) -> None:
    from duecourse.identity import Model
    from duecourse.sim.identity_records import generate_identity_records

    url = initialised(f"sqlite:///{tmp_path / 'train.db'}", reader=True)
    records = generate_identity_records(2000, seed=6)
    records.write_csv(tmp_path / "sim.csv")
    lines = (tmp_path / "sim.csv").read_text(encoding="utf-8").splitlines()
    # the first records as one list, the rest as another (a training run, not a true roster)
    (tmp_path / "a.csv").write_text("\n".join(lines[:1000]) + "\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("\n".join([lines[0], *lines[1000:]]) + "\n", encoding="utf-8")
    for name in ("a", "b"):
        code, _, err = run("identity", "import", str(tmp_path / f"{name}.csv"), "--source", name,
                           "--one-record-per-person", "--db", url)
        assert code == 0, err
    code, _, err = run("identity", "train", *READ_AS, "--out", str(tmp_path / "m.json"), "--db", url,
                       "--vetoes", "a_number,bogus")
    assert code != 0 and "'bogus'" in err and "household_given_name_unknown" in err
    assert not (tmp_path / "m.json").exists()
    code, out, err = run("identity", "train", *READ_AS, "--out", str(tmp_path / "m.json"), "--db", url,
                         "--vetoes", "none")
    assert code == 0 and "vetoes none" in out, err
    model = Model.load(tmp_path / "m.json")
    assert model.vetoes == ()
    assert "(each holding one record per person)" in model.data_card["trained_on"]
    code, _, err = run("identity", "train", *READ_AS, "--out", str(tmp_path / "m2.json"), "--db", url,
                       "--vetoes", "a_number, birth_date")
    assert code == 0, err
    assert Model.load(tmp_path / "m2.json").vetoes == ("a_number", "birth_date")


def test_the_configured_model_is_used_and_a_wrong_one_stops_the_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from duecourse.app.identity import _model
    from duecourse.identity import Model, default_model
    from duecourse.store.tables import identity_runs

    url = initialised(f"sqlite:///{tmp_path / 'm.db'}")
    run("identity", "import", str(write_records(tmp_path / "c.csv", GOOD)), "--source", "court", "--db", url)
    trained = default_model().with_card(trained_on="the agency's own records, 2026")
    trained.save(tmp_path / "agency.json")
    monkeypatch.setenv("DUECOURSE_IDENTITY_MODEL", str(tmp_path / "agency.json"))
    code, _, err = run("identity", "link", "--db", url)
    assert code == 0, err
    engine = make_engine(url)
    with engine.connect() as conn:
        used = conn.execute(select(identity_runs.c.model)).scalar_one()
    engine.dispose()
    assert used == "the agency's own records, 2026"
    assert _model() == Model.load(tmp_path / "agency.json")  # and for open_case
    (tmp_path / "broken.json").write_text("{}", encoding="utf-8")
    for wrong, why in (("nope.json", "No such file"), ("broken.json", "not a duecourse identity model")):
        monkeypatch.setenv("DUECOURSE_IDENTITY_MODEL", str(tmp_path / wrong))
        code, _, err = run("identity", "link", "--db", url)
        assert code == 2 and f"DUECOURSE_IDENTITY_MODEL={tmp_path / wrong}" in err and why in err, err
    monkeypatch.delenv("DUECOURSE_IDENTITY_MODEL")
    code, _, err = run("identity", "link", "--db", url, "--model", str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json" in err


def test_document_numbers_are_an_optional_column_and_link_a_mistyped_name(db_url: str,
                                                                          tmp_path: Path) -> None:
    initialised(db_url)
    header = IDENTITY_HEADER + ",document_number"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\nd-1,Nieves,Joaquin,1975-08-21,M,MX,,,,,K4#\n", encoding="utf-8")
    scratch = initialised(f"sqlite:///{tmp_path / 'scratch.db'}")  # a number that is none: flagged, kept
    code, out, err = run("identity", "import", str(bad), "--source", "encounter", "--db", scratch)
    assert code == 0 and "left out of linkage: document_number 1" in out, err
    assert count(scratch, identity_records) == 1
    # A given name mistyped beyond one edit at the family's address: a sibling, for all the
    # linker can tell — unless both records carry the same passport number.
    place = "1200 Oak Street,Houston,77002"
    for source, rid, given, number in (("encounter", "d-1", "Joaquin", "K40012345"),
                                       ("transfer", "d-2", "Joaqmic", "k 4001-2345")):
        f = tmp_path / f"{source}.csv"
        f.write_text(f"{header}\n{rid},Matias Nieves,{given},1975-08-21,M,MX,{place},,{number}\n",
                     encoding="utf-8")
        code, _, err = run("identity", "import", str(f), "--source", source, "--db", db_url)
        assert code == 0, err
    engine = make_engine(db_url)
    with engine.connect() as conn:
        stored = set(conn.execute(select(identity_records.c.document_number)).scalars())
    engine.dispose()
    assert stored == {"K40012345"}
    code, out, err = run("identity", "link", "--db", db_url, "--json")
    assert code == 0, err
    assert json.loads(out)["persons"] == 1


def test_the_lookup_index_is_rebuilt_only_when_records_are_imported(db_url: str,
                                                                    tmp_path: Path) -> None:
    initialised(db_url)
    from duecourse.app.identity import (
        _known,
        do_confirm_match,
        do_link,
        do_propose_match,
        import_file,
    )
    from duecourse.bootstrap import build_app

    run("identity", "import", str(write_records(tmp_path / "c.csv", GOOD)), "--source", "court",
        "--db", db_url)
    a = build_app(db_url)
    for actor in (Actor("o1", "officer", "o1"), Actor("s1", "supervisor", "s1")):
        a.register_actor(actor)
    do_link(a.ctx)
    with a.ctx.engine.connect() as conn:
        first = _known(conn)
        pair = conn.execute(select(identity_pairs.c.id)).scalars().first()
    assert first.index is not None and pair is not None
    assert first.person_of["c-3"] != first.person_of["c-4"]
    do_propose_match(a.ctx, pair, Actor("o1", "officer", "o1"), "same court case")
    do_confirm_match(a.ctx, pair, Actor("s1", "supervisor", "s1"))
    with a.ctx.engine.connect() as conn:
        after = _known(conn)
    assert after.index is not None and after.index.table is first.index.table  # not rebuilt
    assert after.person_of["c-3"] == after.person_of["c-4"]  # the confirmed match is one person
    assert after.index.person_of != first.index.person_of
    do_link(a.ctx)  # a new run: the persons are read again, the keys kept
    with a.ctx.engine.connect() as conn:
        relinked = _known(conn)
    assert relinked.index is not None and relinked.index.table is first.index.table
    assert relinked.person_of["c-3"] == relinked.person_of["c-4"]
    # New records: only they are prepared; the index keeps its vocabularies and grows.
    more = [line.replace("c-", "n-", 1) for line in GOOD[:3]]
    import_file(a.ctx, write_records(tmp_path / "n.csv", more).read_bytes(), "n.csv", "transfer")
    with a.ctx.engine.connect() as conn:
        grown = _known(conn)
    assert grown.index is not None and grown.index.table.vocabs is first.index.table.vocabs
    assert len(grown.index) == len(GOOD) + 3 and grown.person_of["n-1"] == "n-1"
    top = grown.index.top(grown.index.records[-1], 3)  # n-3, José López: found, with c-3
    assert {c.record_id for c in top} >= {"c-3"}
    # The same record ids from another source: every name changes, the index is built anew.
    run("identity", "import", str(tmp_path / "c.csv"), "--source", "prior_case", "--db", db_url)
    with a.ctx.engine.connect() as conn:
        rebuilt = _known(conn)
    assert rebuilt.index is not None and rebuilt.index.table.vocabs is not first.index.table.vocabs
    assert len(rebuilt.index) == 2 * len(GOOD) + 3 and "court:c-1" in rebuilt.person_of


def test_sources_declared_to_hold_one_record_per_person(db_url: str, tmp_path: Path) -> None:
    initialised(db_url, reader=True)
    from duecourse.app.identity import get_review_pair
    from duecourse.bootstrap import build_app
    from identity_lists import ROSTER, TRANSFERS

    def rows(records: list[dict[str, str]]) -> list[str]:
        return [",".join(r.get(c, "") for c in IDENTITY_HEADER.split(",")) for r in records]

    roster = write_records(tmp_path / "roster.csv", rows([*ROSTER, dict(
        record_id="r-5", family_name="Cruz", given_name="Elena", birth_date="1969-06-21",
        sex="F", nationality="PH", address="3 Ash Lane", city="Fresno", postcode="93701")]))
    transfers = write_records(tmp_path / "transfers.csv", rows([*TRANSFERS, dict(
        record_id="t-5", family_name="Novak", given_name="Petra", city="Fresno")]))
    for path, source in ((roster, "roster"), (transfers, "transfers")):
        code, _, err = run("identity", "import", str(path), "--source", source,
                           "--one-record-per-person", "--db", db_url)
        assert code == 0, err
    # a batch that says otherwise than the source's first is refused, and writes nothing
    more = write_records(tmp_path / "more.csv", rows([{**ROSTER[0], "record_id": "r-9"}]))
    ledger_before = count(db_url, ledger)
    code, _, err = run("identity", "import", str(more), "--source", "roster", "--db", db_url)
    assert code != 0 and "'roster' was declared to hold one record per person" in err, err
    assert count(db_url, identity_records) == 10 and count(db_url, ledger) == ledger_before

    code, out, err = run("identity", "sources", *READ_AS, "--db", db_url, "--json")
    assert code == 0, err
    assert [(s["source"], s["batches"], s["records"], s["one_record_per_person"])
            for s in json.loads(out)] == [("roster", 1, 5, True), ("transfers", 1, 5, True)]
    code, out, err = run("identity", "sources", *READ_AS, "--db", db_url)
    assert code == 0 and "transfers" in out and "yes" in out, err

    code, _, err = run("identity", "link", "--db", db_url, "--json")
    assert code == 0, err
    review_file = tmp_path / "review.csv"
    code, _, err = run("identity", "clusters", *READ_AS, "--out", str(tmp_path / "c.csv"), "--review-out",
                       str(review_file), "--db", db_url)
    assert code == 0, err
    with review_file.open(encoding="utf-8", newline="") as f:
        review = list(csv.DictReader(f))
    # Thandiwe Mbeki, known by her names alone: 0.954 on its own; one of four roster records
    # in five has no match (t-5 is someone else), so her lone candidate is raised — to review
    pair = next(r for r in review if {r["left_record_id"], r["right_record_id"]} == {"r-4", "t-4"})
    assert 0.98 < float(pair["probability"]) < 0.999
    engine = make_engine(db_url)
    with engine.connect() as conn:
        pair_id, stored = conn.execute(select(identity_pairs.c.id, identity_pairs.c.probability)
                                       .where(identity_pairs.c.competition_weight > 0)).one()
    engine.dispose()
    a = build_app(db_url)
    view = get_review_pair(a.ctx, pair_id, Actor("s1", "supervisor", "s1"), "supervision")
    last = view.explanation["steps"][-1]  # type: ignore[index]
    assert last["comparison"] == "one_record_per_person" and last["level"] == "raised"
    assert last["cumulative_probability"] == pytest.approx(stored, abs=1e-9)


def test_a_built_lookup_index_is_kept_out_of_the_collector(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """In a serving process the index is frozen once built (app.collector); here only that it
    asks to be, once per build."""
    from duecourse.app import identity as ident
    from duecourse.bootstrap import build_app

    url = initialised(f"sqlite:///{tmp_path / 'keep.db'}")
    run("identity", "import", str(write_records(tmp_path / "c.csv", GOOD)), "--source", "court",
        "--db", url)
    kept: list[int] = []
    monkeypatch.setattr(ident, "keep_built", lambda: kept.append(1))
    a = build_app(url)
    with a.ctx.engine.connect() as conn:
        first = ident._known(conn)
        assert first.index is not None and kept == [1]
        assert ident._known(conn) is first and kept == [1]  # up to date: nothing built


def test_keep_built_does_nothing_outside_a_serving_process() -> None:
    import gc

    from duecourse.app.collector import keep_built

    before = gc.get_freeze_count()
    keep_built()
    assert gc.get_freeze_count() == before


def test_an_export_never_carries_a_formula(db_url: str, tmp_path: Path) -> None:
    """Record ids are the source's text: one that a spreadsheet would read as a formula is
    written with a leading quote (OWASP CSV injection), and reads back as the same text."""
    initialised(db_url, reader=True)
    hostile = ['=HYPERLINK("http://example.invalid","open")', "+1+1", "-2+3", "@SUM(1)"]
    rows = [f'"{rid.replace(chr(34), chr(34) * 2)}",Reed{i},Ann,1988-03-14,F,US,,,,'
            for i, rid in enumerate(hostile)]
    code, _, err = run("identity", "import", str(write_records(tmp_path / "h.csv", rows)), "--source",
                       "court", "--db", db_url)
    assert code == 0, err
    assert run("identity", "link", "--db", db_url)[0] == 0
    out_file = tmp_path / "clusters.csv"
    code, _, err = run("identity", "clusters", *READ_AS, "--out", str(out_file), "--db", db_url)
    assert code == 0, err
    with out_file.open(encoding="utf-8", newline="") as f:
        ids = [r["record_id"] for r in csv.DictReader(f)]
    assert sorted(ids) == sorted("'" + rid for rid in hostile)
