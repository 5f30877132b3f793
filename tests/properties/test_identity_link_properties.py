"""`identity link` never fails on records the importer accepted (issue 16): record sets with
extreme values — birth dates at the ends of the calendar and far in the future, every field
empty, names in any script or of no letter at all, control characters, long values, one record,
many identical records — go through the path of the command line (``import_file`` of a CSV file,
then ``do_link``): every structurally sound row is imported, and linkage completes with every
record in exactly one person. Invented people only."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from duecourse.app.identity import CLI_ACTOR, do_link, get_clusters, import_file
from duecourse.bootstrap import App, build_app
from duecourse.identity import ALL_COLUMNS, Record, default_model, link
from duecourse.store.tables import identity_pairs, identity_persons, identity_records

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
_sources = itertools.count()

dates = st.one_of(
    st.sampled_from(["", "0001-01-01", "9999-12-31", "1880-01-01", "1879-12-31", "2026-12-08",
                     "2026-12-09", "5947-01-01", "1944-59-09", "2000-02-30", "1990-00-00",
                     "19900402", "02/04/1990", "-001-01-01", "+1990-04-02"]),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.text(max_size=12),
)
names = st.one_of(
    st.sampled_from(["", "Ana", "李", "Дмитрий", "محمد", "😀", "1234", "'", "-", "de la",
                     "Jr", "Ana\x1b[2J", "A\u200bna", "x" * 250, "Ｍａｒｉａ", "ǅ", "Ⅻ"]),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00\r\n"), max_size=30),
)
a_numbers = st.sampled_from(["", "A012345678", "A12345678", "012345678", "A12", "A0123456789",
                             "B123456789", "A-012-345-678", "A000000000"])
codes = st.sampled_from(["", "M", "F", "X", "Q", "MX", "US", "ZZ", "mx", "=1+2"])


@st.composite
def record_sets(draw: st.DrawFn) -> list[dict[str, str]]:
    n = draw(st.integers(1, 25))
    rows = []
    for i in range(n):
        rows.append({
            "record_id": f"r{i}", "family_name": draw(names), "given_name": draw(names),
            "birth_date": draw(dates), "sex": draw(codes), "nationality": draw(codes),
            "address": draw(st.sampled_from(["", "12 Elm St", "1", "\x07", "x" * 201])),
            "city": draw(st.sampled_from(["", "Newark", "東京"])),
            "postcode": draw(st.sampled_from(["", "07102", "0"])),
            "a_number": draw(a_numbers),
            "document_number": draw(st.sampled_from(["", "G12345678", "12", "G1234567"])),
        })
    copies = draw(st.integers(0, 40))  # identical records: one block holds them all
    rows += [{**rows[0], "record_id": f"copy{k}"} for k in range(copies)]
    return rows


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, ALL_COLUMNS)
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    a = build_app("sqlite://", clock=lambda: NOW)
    yield a
    a.ctx.engine.dispose()


@settings(max_examples=50, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(rows=record_sets())
def test_every_sound_row_is_imported_and_link_completes(app: App,
                                                        rows: list[dict[str, str]]) -> None:
    with app.ctx.engine.begin() as conn:  # each example on its own (the ledger keeps growing)
        for t in (identity_pairs, identity_persons, identity_records):
            conn.execute(delete(t))
    source = f"s{next(_sources)}"
    done = import_file(app.ctx, _csv(rows), "records.csv", source)
    assert done.records == len(rows)
    summary = do_link(app.ctx)
    clusters = get_clusters(app.ctx, CLI_ACTOR, "supervision")
    assert summary.records == len(clusters) and summary.persons == len({p for _, p in clusters})


@pytest.mark.parametrize("birth", [date(9999, 12, 31), date(5947, 1, 1)])
def test_link_takes_any_calendar_date(birth: date) -> None:
    """Records built elsewhere than the importer (a case's person, a benchmark) may carry any
    date: a blocking key takes any year (the year 5947 once stopped linkage)."""
    records = [Record(f"r{i}", "s", "Lopez", "Ana", birth if i % 2 else date(1990, 4, 2))
               for i in range(6)]
    result = link(records, default_model())
    assert set(result.clusters) == {r.record_id for r in records}
