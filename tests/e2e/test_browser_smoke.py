"""The browser-test machinery works: chromium starts, the vendored htmx swaps a fragment into a
served page, screenshots are written and axe-core both passes a clean page and fails a bad one;
the placement board, a page of the application, passes axe-core and places a person; and the
removal transport page passes axe-core and lists the manifest and who is not on it; the identity
review pages pass axe-core, show two records side by side with the waterfall, and take an
officer's proposal."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from playwright.sync_api import Page, expect
from starlette.types import ASGIApp

import web.test_identity as identity
import web.test_placement as placement
import web.test_transport as transport
from duecourse.app.accounts import get_account
from duecourse.app.identity import do_import_records, do_link
from web.support import PASSWORD, build_site

STATIC = Path(__file__).resolve().parents[2] / "src" / "duecourse" / "web" / "static"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Browser smoke test</title>
  <script src="/static/htmx.min.js"></script>
</head>
<body>
  <main>
    <h1>Browser smoke test</h1>
    <form>
      <label for="applicant">Applicant name</label>
      <input id="applicant" name="applicant" type="text">
      <button type="button" hx-get="/fragment" hx-include="#applicant" hx-target="#result">
        Look up
      </button>
    </form>
    <div id="result" aria-live="polite"></div>
  </main>
</body>
</html>
"""


def _smoke_app() -> FastAPI:
    app = FastAPI()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return PAGE

    @app.get("/fragment", response_class=HTMLResponse)
    def fragment(applicant: str = "") -> str:
        return f'<p id="fragment">Found the case of {escape(applicant)}.</p>'

    return app


def test_htmx_swaps_a_fragment_into_an_accessible_page(
    page: Page,
    serve: Callable[[ASGIApp], str],
    shot: Callable[[Page, str], Path],
    axe_check: Callable[[Page, str], dict[str, Any]],
) -> None:
    base = serve(_smoke_app())
    page.goto(base + "/")
    expect(page).to_have_title("Browser smoke test")

    page.get_by_label("Applicant name").fill("Ada Lovelace")
    page.get_by_role("button", name="Look up").click()

    expect(page.locator("#result #fragment")).to_have_text("Found the case of Ada Lovelace.")
    assert shot(page, "after-swap").is_file()
    axe_check(page, "after-swap")


def test_axe_check_fails_on_a_serious_violation(
    page: Page, axe_check: Callable[[Page, str], dict[str, Any]]
) -> None:
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Bad page</title></head><body><main>'
        "<h1>Bad page</h1>"
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<input type="text" name="unlabelled">'
        "</main></body></html>"
    )
    with pytest.raises(AssertionError) as failure:
        axe_check(page, "bad-page")
    message = str(failure.value)
    assert "image-alt [critical]" in message
    assert "label [critical]" in message


def test_the_placement_board_is_accessible_and_places_a_person(
    page: Page,
    serve: Callable[[ASGIApp], str],
    shot: Callable[[Page, str], Path],
    axe_check: Callable[[Page, str], dict[str, Any]],
    tmp_path: Path,
) -> None:
    site = build_site(f"sqlite:///{tmp_path}/site.sqlite")
    with site.app.ctx.engine.connect() as conn:
        actors = {role: get_account(conn, f"{role}1") for role in
                  ("officer", "supervisor", "detention")}
    officer, supervisor, detention = (a.actor for a in actors.values() if a is not None)
    cases = placement.seed_custody(site.app, datetime.now(UTC), officer, supervisor, detention)
    base = serve(site.web)
    sign_in_at(page, base + "/placement", "detention1", "detention management")

    expect(page).to_have_url(re.compile(r"/placement$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Placement board")
    needs = page.get_by_role("region", name="People who need a person's decision")
    expect(needs.get_by_role("row").filter(has_text=cases["hal"])).to_contain_text("CLS-1")
    board = page.get_by_role("region", name="Capacity by facility and housing unit")
    expect(board.get_by_role("row").filter(has_text=placement.facility().name)).to_contain_text(
        "room")
    shot(page, "placement-board")
    axe_check(page, "placement-board")

    # The officer must give the reason (REASON): the browser does not send the form without it.
    place = page.get_by_role("button", name="Place Placement, Eli")
    place.click()
    expect(page).to_have_url(re.compile(r"/placement$"))
    reason = page.locator(f"#reason-{cases['eli']}")
    expect(reason).to_have_attribute("required", "")
    reason.fill("the planner's bed: nearest facility with room for level C")
    place.click()
    expect(page).to_have_url(re.compile(r"/placement\?date=[0-9-]+$"))
    expect(page.get_by_role("status")).to_contain_text("Recorded: place")
    expect(page.get_by_role("button", name="Place Placement, Eli")).to_have_count(0)
    shot(page, "placement-placed")
    axe_check(page, "placement-placed")


def test_the_removal_transport_page_is_accessible_and_gives_no_command(
    page: Page,
    serve: Callable[[ASGIApp], str],
    shot: Callable[[Page, str], Path],
    axe_check: Callable[[Page, str], dict[str, Any]],
    tmp_path: Path,
) -> None:
    site = build_site(f"sqlite:///{tmp_path}/site.sqlite")
    cases = transport.seed_removals(site.app, datetime.now(UTC))
    base = serve(site.web)
    sign_in_at(page, base + "/transport", "transport1", "transport planning")

    expect(page).to_have_url(re.compile(r"/transport$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Removal transport")
    expect(page.get_by_role("link", name="Removal transport")).to_have_attribute(
        "aria-current", "page")
    manifests = page.get_by_role("region", name="Manifests")
    expect(manifests.get_by_role("row").filter(has_text=cases["ida"])).to_contain_text(
        "Transport, Ida")
    excluded = page.get_by_role("region", name="Not on a manifest")
    for label, rule in (("jon", "STAY-JUD"), ("kim", "PROT-CTRY"), ("lea", "TRAVEL-DOC")):
        expect(excluded.get_by_role("row").filter(has_text=cases[label])).to_contain_text(rule)
    # Advice: the only button in the page's content asks for another day's manifests.
    expect(page.get_by_role("main").get_by_role("button")).to_have_count(1)
    shot(page, "removal-transport")
    axe_check(page, "removal-transport")

    page.get_by_role("link", name="Transport, Ida").click()
    expect(page).to_have_url(re.compile(rf"/cases/{cases['ida']}$"))


def test_the_identity_review_is_accessible_and_takes_a_proposal(
    page: Page,
    serve: Callable[[ASGIApp], str],
    shot: Callable[[Page, str], Path],
    axe_check: Callable[[Page, str], dict[str, Any]],
    tmp_path: Path,
) -> None:
    site = build_site(f"sqlite:///{tmp_path}/site.sqlite")
    do_import_records(site.app.ctx, identity.RECORDS, "court")
    do_link(site.app.ctx)
    base = serve(site.web)
    sign_in_at(page, base + "/identity/review", "officer1", "case work")

    expect(page).to_have_url(re.compile(r"/identity/review$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Identity review")
    expect(page.get_by_role("link", name="Identity review")).to_have_attribute(
        "aria-current", "page")
    shot(page, "identity-review")
    axe_check(page, "identity-review")

    page.get_by_role("link", name=re.compile(r"^Pair \d+$")).first.click()
    expect(page.get_by_role("region", name="The two records side by side")).to_contain_text(
        "EOIR-1970-0042")
    waterfall = page.get_by_role("region", name=re.compile("match-weight waterfall"))
    expect(waterfall.get_by_role("row").filter(has_text="birth date")).to_have_count(1)
    shot(page, "identity-pair")
    axe_check(page, "identity-pair")

    page.get_by_label("Why these records are one person").fill("same court case in Newark")
    page.get_by_role("button", name="Propose: one person").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded: proposed")
    shot(page, "identity-proposed")
    axe_check(page, "identity-proposed")

    # a case whose person is probably, not certainly, on file: its page shows the candidates
    page.goto(f"{base}/cases/{identity.open_lopez_case(site)}")
    region = page.get_by_role("region", name=re.compile("Identity"))
    expect(region).to_contain_text("awaits review")
    region.get_by_text(re.compile("match-weight waterfall")).first.click()
    expect(region.get_by_role("table").nth(1)).to_be_visible()
    shot(page, "identity-case")
    axe_check(page, "identity-case")


def sign_in_at(page: Page, url: str, username: str, purpose: str) -> None:
    """Open ``url``, sign in as ``username`` when asked, and choose ``purpose``."""
    page.set_default_timeout(10_000)
    page.goto(url)
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label(purpose, exact=True).check()
    page.get_by_role("button", name="Continue").click()
