from __future__ import annotations

from datetime import UTC, datetime

from duecourse.bootstrap import build_app
from duecourse.domain.commands import Actor, parse_command


def test_open_case_and_read_back(db_url: str) -> None:
    app = build_app(db_url, seed=1)
    o1 = Actor("o1", "officer")
    app.register_actor(o1)
    at = datetime(2026, 3, 1, 8, tzinfo=UTC)
    out = app.do(parse_command("open_case", {
        "person": {"family_name": "Example", "given_name": "Ana", "nationalities": ["MX"]},
        "encounter": "interior", "location": "Newark", "legal_basis": "INA 237(a)(1)(B)"}), o1, at)
    assert out.accepted and out.case_id
    view = app.get_case(out.case_id, o1, "case_work", at)
    assert view.facets.custody == "at_large"
    assert view.person["given_name"] == "Ana"
