"""No body ends in a traceback (issue 16): random bytes, sizes, encodings and JSON of every
shape posted to every body-taking route of the API get an answer of the documented error shape
— never a 500 — and write nothing unless the body was a valid command."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .support import Site, build_site

ROUTES = [("officer", "POST", "/cases"), ("officer", "POST", "/cases/{cai}/commands"),
          ("officer", "POST", "/auth/token"), ("admin", "POST", "/accounts"),
          ("admin", "PATCH", "/accounts/attorney1"),
          ("officer", "POST", "/identity/review/1/propose")]

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40) | st.just("\x00") | st.just("\u202e\u200b") | st.just("x" * 70_000),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["command", "with", "person", "family_name", "given_name", "birth_date",
                         "a_number", "sex", "nationalities", "username", "password", "role",
                         "clients", "encounter", "location", "legal_basis", "evidence"])
        | st.text(max_size=10), inner, max_size=5),
    max_leaves=12)

ENCODINGS = ["utf-8", "utf-16", "utf-32", "latin-1", "cp1252", "shift_jis"]


def _encoded(value: Any, encoding: str) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode(encoding, "replace")


BODIES = (st.binary(max_size=2000)
          | st.tuples(JSON_VALUES, st.sampled_from(ENCODINGS)).map(lambda t: _encoded(*t))
          | st.integers(0, 300_000).map(lambda n: b'{"person": {"family_name": "' + b"A" * n))

CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=latin-1",
                                 "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", ""])


@pytest.fixture
def site(db_url: str) -> Site:
    """The seeded site, on SQLite and on PostgreSQL (where a NUL cannot be stored at all)."""
    return build_site(db_url)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), body=BODIES, content_type=CONTENT_TYPES)
def test_any_body_gets_an_answer_never_a_traceback(site: Site, route: tuple[str, str, str],
                                                   body: bytes, content_type: str) -> None:
    role, method, path = route
    headers = {"Content-Type": content_type} if content_type else {}
    r = site.client(role).request(method, "/api/v1" + path.format(**site.cases), content=body,
                                  headers=headers)
    assert r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert set(r.json()) == {"error", "message", "field", "details"}, r.text[:300]
