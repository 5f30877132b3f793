"""A value a source gave that is not valid is shown to the reviewer as given and why, beside the
record (issue 16): the pair in the API and on its page, and the waterfall step that read
nothing. On SQLite and PostgreSQL. Invented people only."""

from __future__ import annotations

import pytest

from .support import Site, build_site_with_records, sign_in
from .test_identity import RECORDS, _pair

SHOWN = "birth date given as '1970-59-05' (not a date in the calendar)"


@pytest.fixture
def site(db_url: str) -> Site:
    rows = [dict(r) for r in RECORDS]
    rows[1]["birth_date"] = "1970-59-05"  # the second record's birth date: not a date
    return build_site_with_records(db_url, rows)


def test_the_pair_shows_the_flagged_value_as_given_and_why(site: Site) -> None:
    pair = _pair(site)
    r = site.client("officer").get(f"/api/v1/identity/review/{pair}",
                                   params={"purpose": "case_work"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["right_record"]["birth_date"] == ""  # took no part
    assert d["right_record"]["flagged"] == [{
        "field": "birth_date", "given": "1970-59-05", "reason": "not a date in the calendar",
        "text": SHOWN}]
    assert d["left_record"]["flagged"] == []
    step = next(s for s in d["explanation"]["steps"] if s["comparison"] == "birth_date")
    assert step["level"] == "missing"
    assert step["right_value"] == ("given as '1970-59-05' (not a date in the calendar); "
                                   "not compared")
    page = sign_in(site, "officer").get(f"/identity/review/{pair}")
    assert page.status_code == 200
    assert "birth date given as &#39;1970-59-05&#39; (not a date in the calendar)" in page.text
