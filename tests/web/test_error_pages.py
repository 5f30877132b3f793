"""An unknown address, a method an address does not take, an error of the program (issue 17,
item 6): a page for a browser (with the signed-in user's header and a link home), problem
details (RFC 9457) for the API; a 500 shows no trace and no exception text, only an incident
reference, which its log line carries (without the exception's text)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

from .support import Site, build_site, sign_in

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PROBLEM = {"type", "title", "status", "detail"}
# What the failing function says: a person's name, which no answer and no log line may repeat.
SECRET = "Example, Ana"


def _page(text: str) -> str:
    m = re.search(r'<main id="main"[^>]*>(.*)</main>', text, re.S)
    assert m is not None, text[:300]
    return m[1]


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    site = build_site(db_url)
    yield site
    site.app.ctx.engine.dispose()


def test_a_browser_gets_a_page_for_an_unknown_address_or_method(site: Site) -> None:
    officer = sign_in(site, "officer")
    for method, path, status, title in (("GET", "/no/such/page", 404, "Page not found"),
                                        ("GET", "/cases/C-1/nothing", 404, "Page not found"),
                                        ("POST", "/queue", 405, "Not available this way"),
                                        ("GET", "/api/v1/nowhere", 404, "Page not found")):
        r = officer.request(method, path, headers=HTML)
        assert r.status_code == status and r.headers["content-type"].startswith("text/html")
        main = _page(r.text)
        assert f"<h1>{title}</h1>" in main and 'href="/"' in main
        assert "officer1" in r.text or "Sign out" in r.text  # the signed-in user's header
        assert "nothing" not in main and "nowhere" not in main  # the address is not repeated
    # without a session: the same page, without a header of anyone's
    r = site.client().get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Page not found" in r.text and "Sign out" not in r.text


def test_the_api_answers_problem_json(site: Site) -> None:
    c = site.client("officer")
    for method, path, status in (("GET", "/api/v1/nowhere", 404), ("DELETE", "/api/v1/me", 405),
                                 ("GET", "/api/v1/persons/P-1%0A?purpose=case_work", 404)):
        r = c.request(method, path)
        assert r.status_code == status
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert set(body) >= PROBLEM and body["status"] == status
        assert body["type"] == "about:blank" and body["title"] in ("Not Found",
                                                                   "Method Not Allowed")
        assert body["error"] in ("not_found", "method_not_allowed")  # as every API error


def _fail(*_: object, **__: object) -> None:
    raise RuntimeError(f"could not read the case of {SECRET}")


def test_an_error_of_the_program_is_an_incident(site: Site, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    officer = sign_in(site, "officer")
    monkeypatch.setattr("duecourse.web.pages.routes.get_work_queue", _fail)
    monkeypatch.setattr("duecourse.web.pages.routes.get_case_lines", _fail)  # "my cases"
    monkeypatch.setattr("duecourse.web.api.admin.purposes_of", _fail)
    with caplog.at_level(logging.ERROR, logger="duecourse.web.incidents"):
        page = officer.get("/queue", headers=HTML)
        api = site.client("officer").get("/api/v1/me")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in page.text and "Sign out" in page.text
    m = re.search(r'<strong id="incident">(E-[0-9A-F]{8})</strong>', page.text)
    assert m is not None, page.text
    assert api.status_code == 500 and api.headers["content-type"] == "application/problem+json"
    body = api.json()
    assert set(body) >= PROBLEM and body["status"] == 500 and body["incident"].startswith("E-")
    for answer in (page.text, api.text):
        assert SECRET not in answer and "RuntimeError" not in answer
        assert "Traceback" not in answer and "could not read the case" not in answer
    logged = [r.getMessage() for r in caplog.records if r.name == "duecourse.web.incidents"]
    assert len(logged) == 2, logged
    assert m[1] in logged[0] and body["incident"] in logged[1]
    assert "GET /queue raised RuntimeError" in logged[0]
    # where it happened (its frames), never what it said nor a line of source
    assert "web/test_error_pages.py:" in logged[0] and "in _fail" in logged[0]
    assert all(SECRET not in line and "RuntimeError(" not in line for line in logged)
    # the store is as it was: the next request is served
    monkeypatch.undo()
    assert officer.get("/queue").status_code == 200
