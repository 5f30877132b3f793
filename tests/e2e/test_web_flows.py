"""The web application's main flows in a real browser, one role at a time: an officer opens a case
and records an arrest, a supervisor meets the appeal-window stay, an attorney sees their own
client only, oversight reads the dashboard, an admin creates an account, and the pages work
without JavaScript. Every kind of page a test visits is checked with axe-core.

One application (seeded by ``tests/web/support.build_site``) is built and served per module; the
tests only add to it (a case, a refusal, an account), so they do not depend on one another's
order and may run on different workers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from starlette.types import ASGIApp

from duecourse.app.accounts import get_account
from duecourse.domain.commands import parse_command
from web.support import PASSWORD, PURPOSE, Site, build_site, charged_case, document

# The fixtures' signatures (as in conftest.py).
Serve = Callable[[ASGIApp], str]
Shot = Callable[[Page, str], Path]
AxeCheck = Callable[[Page, str], dict[str, Any]]

# The appeal window's automatic stay: the rule that refuses a removal while an appeal may be filed.
STAY_AUTO = "STAY-AUTO"


@dataclass(frozen=True)
class Served:
    site: Site
    base: str

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, serve_module: Serve) -> Served:
    """The seeded site on a SQLite file, served for the whole module.

    One refusal is recorded up front (the supervisor schedules ben's removal inside the appeal
    window), so that the oversight dashboard has a refusal to chart whichever test runs first.
    """
    path: Path = tmp_path_factory.mktemp("web-flows") / "site.sqlite"
    site = build_site(f"sqlite:///{path}")
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, "supervisor1")
    assert account is not None
    now = datetime.now(UTC)
    out = site.app.do(parse_command("schedule_removal", {
        "destination": "GT", "depart_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "transport": "T-1"}), account.actor, now, case_id=site.cases["ben"])
    assert not out.accepted
    return Served(site, serve_module(site.web))


# ------------------------------------------------------------------------------------ helpers

def sign_in(page: Page, served: Served, role: str, shot: Shot | None = None,
            axe_check: AxeCheck | None = None) -> None:
    """Sign in as ``<role>1`` from the sign-in page (checked with axe when asked)."""
    page.goto(served.url("/sign-in"))
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    if shot is not None:
        shot(page, "sign-in")
    if axe_check is not None:
        axe_check(page, "sign-in")
    page.get_by_label("User name").fill(served.site.username(role))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def choose_purpose(page: Page, role: str, shot: Shot | None = None,
                   axe_check: AxeCheck | None = None) -> None:
    """On the purpose chooser, pick the purpose that fits the role and continue."""
    expect(page).to_have_url(re.compile(r"/purpose\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Why are you reading these records?")
    if shot is not None:
        shot(page, "purpose")
    if axe_check is not None:
        axe_check(page, "purpose")
    page.get_by_label(PURPOSE[role].replace("_", " "), exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def action(page: Page, name: str) -> Locator:
    """The ``<details>`` of an action open now, by its summary ("record arrest")."""
    return page.locator("details.action").filter(
        has=page.locator("summary", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")))


def submit_by_hand(page: Page, action: str, fields: dict[str, str]) -> None:
    """Post a form the page does not offer, from the page itself (its cookies, its origin)."""
    page.evaluate(
        """([action, fields]) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            for (const [name, value] of Object.entries(fields)) {
                const input = document.createElement("input");
                input.type = "hidden";
                input.name = name;
                input.value = value;
                form.append(input);
            }
            document.body.append(form);
            form.submit();
        }""",
        [action, fields],
    )
    page.wait_for_load_state()


def csrf_token(page: Page) -> str:
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    return token


# Pages answer in milliseconds here: a missing element should not wait out the default 30 s.
ACTION_TIMEOUT_MS = 10_000


@pytest.fixture(autouse=True)
def _fail_fast(request: pytest.FixtureRequest) -> None:
    if "page" in request.fixturenames:
        page: Page = request.getfixturevalue("page")
        page.set_default_timeout(ACTION_TIMEOUT_MS)


# -------------------------------------------------------------------------------------- tests

def test_officer_opens_a_case_records_a_warrantless_arrest_and_sees_the_clock_in_the_queue(
    page: Page, served: Served, shot: Shot, axe_check: AxeCheck
) -> None:
    sign_in(page, served, "officer", shot, axe_check)
    choose_purpose(page, "officer", shot, axe_check)
    expect(page).to_have_url(served.url("/queue"))
    expect(page.get_by_role("heading", level=1, name="Work queue")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Open a case").click()
    expect(page).to_have_url(served.url("/cases/new"))
    expect(page.get_by_role("heading", level=1, name="Open a case")).to_be_visible()
    axe_check(page, "new-case")
    page.get_by_label("Family name").fill("Okonkwo")
    page.get_by_label("Given name").fill("Dara")
    page.get_by_label("Nationalities").select_option(["NG"])
    page.get_by_label("Encounter").select_option("interior")
    page.get_by_label("Location").fill("Newark, NJ")
    page.get_by_label("Legal basis").fill("INA 237(a)(1)(B)")
    shot(page, "new-case-filled")
    page.get_by_role("button", name="Open the case").click()

    expect(page).to_have_url(re.compile(r"/cases/[^/?]+$"))
    case_id = page.url.split("/cases/")[1]
    expect(page.get_by_role("heading", level=1)).to_contain_text("Okonkwo, Dara")
    expect(page.get_by_role("status")).to_have_text("Recorded: open case.")
    shot(page, "case-opened")

    arrest = action(page, "record arrest")
    arrest.locator("summary").click()
    expect(arrest).to_have_attribute("open", "")
    arrest.get_by_label("Basis").select_option("warrantless")
    arrest.get_by_label("Reason to believe").fill("admitted overstay at the encounter")
    arrest.get_by_label("Likely to escape").fill("no fixed address")
    shot(page, "arrest-filled")
    arrest.get_by_role("button", name="Record: record arrest").click()

    expect(page).to_have_url(served.url(f"/cases/{case_id}"))
    expect(page.get_by_role("status")).to_have_text("Recorded: record arrest.")
    expect(page.locator(".facets")).to_contain_text("arrested")
    deadlines = page.get_by_role("region", name="Deadlines")
    expect(deadlines.get_by_role("row").filter(has_text="CUS-48")).to_have_count(1)
    shot(page, "arrest-recorded")
    axe_check(page, "arrest-recorded")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Work queue").click()
    expect(page).to_have_url(served.url("/queue"))
    # An officer's queue opens on their own cases, one row each; every open duty, one row each.
    expect(page.get_by_role("row").filter(has=page.get_by_role("link", name=case_id))
           ).to_have_count(1)
    page.get_by_role("navigation", name="Queue views").get_by_role(
        "link", name="All open duties").click()
    # One row per open duty of the case: the custody decision (CUS-48), and for a Nigerian
    # national the consular advisal (CON-1), the mandatory consular notification (CON-2) and
    # the pre-order custody clock (PRE-ORDER).
    rows = page.get_by_role("row").filter(has=page.get_by_role("link", name=case_id))
    expect(rows).to_have_count(4)
    row = rows.filter(has_text="CUS-48")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Okonkwo, Dara")
    for clock in ("CON-1", "CON-2", "PRE-ORDER"):
        expect(rows.filter(has_text=clock)).to_have_count(1)
    shot(page, "queue")
    axe_check(page, "queue")


def test_supervisor_cannot_schedule_a_removal_inside_the_appeal_window(
    page: Page, served: Served, shot: Shot, axe_check: AxeCheck
) -> None:
    ben = served.site.cases["ben"]
    sign_in(page, served, "supervisor")
    choose_purpose(page, "supervisor")
    page.goto(served.url(f"/cases/{ben}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sample, Ben")
    expect(page.locator(".facets")).to_contain_text("decided")
    expect(page.locator(".facets")).to_contain_text("stay")

    # Schedule removal is listed under "Actions the law blocks now", with STAY-AUTO as the rule
    # that blocks it; it is not among the actions open now.
    expect(action(page, "schedule removal")).to_have_count(0)
    blocked = page.get_by_role("region", name="Actions the law blocks now")
    entry = blocked.locator("dl.blocked > div").filter(
        has=page.locator("dt", has_text=re.compile(r"^\s*schedule removal\s*$")))
    expect(entry).to_have_count(1)
    expect(entry.locator("dd .rule")).to_contain_text([STAY_AUTO])
    entry.scroll_into_view_if_needed()
    shot(page, "blocked-list")

    # The supervisor tries it anyway from the page: the law checks again and refuses, citing
    # STAY-AUTO, and the case page says why.
    entry.locator("summary", has_text="Try schedule removal anyway").click()
    depart = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    entry.get_by_label("Destination").select_option("GT")
    entry.get_by_label("Depart at (UTC)").fill(depart)
    entry.get_by_label("Transport").fill("T-1")
    with page.expect_response(re.compile(r"/commands/schedule_removal$")) as answer:
        entry.get_by_role("button", name="Submit: schedule removal").click()
    assert answer.value.status == 409
    refusal = page.get_by_role("alert")
    expect(refusal.get_by_role("heading", level=2)).to_have_text("Refused: schedule removal")
    expect(refusal.locator(".rule")).to_contain_text([STAY_AUTO])
    expect(refusal).to_contain_text("Nothing was changed.")
    expect(page.locator(".facets")).to_contain_text("decided")
    shot(page, "refused")
    axe_check(page, "refused")


def test_attorney_sees_their_own_client_only(
    page: Page, served: Served, shot: Shot, axe_check: AxeCheck
) -> None:
    cases, persons = served.site.cases, served.site.persons
    sign_in(page, served, "attorney")
    choose_purpose(page, "attorney")
    # An attorney's home is their client list (issue 17): their client, with the appeal window.
    expect(page).to_have_url(served.url("/clients"))
    clients = page.get_by_role("table", name="Clients and their windows")
    expect(clients.locator("tbody tr")).to_have_count(1)
    expect(clients.locator("tbody tr")).to_contain_text("Sample, Ben")
    expect(clients.locator("tbody tr")).to_contain_text("APP-30")
    shot(page, "clients")
    axe_check(page, "clients")

    page.goto(served.url(f"/cases/{cases['ben']}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sample, Ben")
    shot(page, "client-case")
    axe_check(page, "client-case")

    # Another person's case is answered as a case that does not exist (issue 16).
    response = page.goto(served.url(f"/cases/{cases['ana']}"))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_text("not found or not yours")).to_be_visible()
    expect(page.get_by_text("Example")).to_have_count(0)
    shot(page, "not-allowed")
    axe_check(page, "not-allowed")

    # The refusal page shows no navigation (it is rendered as if signed out): go by address.
    page.goto(served.url("/cases"))
    # "le" matches Ana Example and Ben Sample; the attorney represents Ben only.
    page.get_by_label("Name, A-number or case number").fill("le")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(served.url("/cases?q=le"))
    results = page.get_by_role("table", name="Cases matching “le”")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results.locator("tbody tr")).to_contain_text("Sample, Ben")
    expect(results.get_by_role("link", name=cases["ben"])).to_be_visible()
    shot(page, "search")
    axe_check(page, "search")

    results.get_by_role("link", name="Sample, Ben").click()
    expect(page).to_have_url(served.url(f"/persons/{persons['ben']}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ben Sample")
    expect(page.get_by_role("link", name=cases["ben"])).to_be_visible()
    shot(page, "person")
    axe_check(page, "person")


def test_oversight_sees_the_refusal_chart_and_admin_creates_an_account(
    browser: Browser, page: Page, served: Served, shot: Shot, axe_check: AxeCheck
) -> None:
    sign_in(page, served, "oversight")
    expect(page).to_have_url(served.url("/oversight"))
    expect(page.get_by_role("heading", level=1, name="Oversight")).to_be_visible()
    expect(page.get_by_role("img", name="Refusals by rule")).to_be_visible()
    numbers = page.get_by_role("table", name="Refusals by rule (numbers)")
    expect(numbers.get_by_role("row").filter(has_text=STAY_AUTO)).to_have_count(1)
    shot(page, "oversight")
    axe_check(page, "oversight")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(served.url("/sign-in"))
    sign_in(page, served, "admin")
    expect(page).to_have_url(served.url("/admin/accounts"))
    expect(page.get_by_role("heading", level=1, name="Accounts and roles")).to_be_visible()
    shot(page, "accounts")

    form = page.locator("form").filter(has=page.get_by_role("button", name="Create the account"))
    form.get_by_label("User name").fill("officer9")
    form.get_by_label("Full name").fill("Nine Officer")
    form.get_by_label("Role").select_option("officer")
    form.get_by_label("Office").fill("Newark, NJ")
    form.get_by_label("Password").fill("a long enough passphrase")
    form.get_by_role("button", name="Create the account").click()
    expect(page).to_have_url(served.url("/admin/accounts"))
    expect(page.locator("#flash")).to_have_text("Account officer9 created.")
    expect(page.get_by_role("row").filter(has_text="officer9")).to_contain_text("Nine Officer")
    shot(page, "account-created")
    axe_check(page, "account-created")

    # The new account signs in.
    context = browser.new_context()
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        fresh = context.new_page()
        fresh.goto(served.url("/sign-in"))
        fresh.get_by_label("User name").fill("officer9")
        fresh.get_by_label("Password").fill("a long enough passphrase")
        fresh.get_by_role("button", name="Sign in").click()
        expect(fresh).to_have_url(served.url("/purpose?next=/queue"))
    finally:
        context.close()


def test_pages_work_without_javascript(browser: Browser, served: Served, shot: Shot) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, served, "officer")
        choose_purpose(page, "officer")
        expect(page).to_have_url(served.url("/queue"))
        # The queue's views are links; the duties' filter is an HTMX form that also submits as
        # a plain GET.
        page.get_by_role("link", name="All open duties").click()
        page.get_by_label("Place of the encounter").fill("Newark, NJ")
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(served.url("/queue?view=duties&office=Newark%2C+NJ&facility="))
        expect(page.get_by_role("table", name=re.compile(r"place Newark, NJ"))).to_be_visible()

        cai = served.site.cases["cai"]
        page.goto(served.url(f"/cases/{cai}"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Muster, Cai")
        # <details> opens without script, and the form inside posts as a plain form.
        claim = action(page, "claim citizenship")
        claim.locator("summary").click()
        claim.get_by_label("Evidence").fill("says born in El Paso, TX")
        shot(page, "no-js-case")
        claim.get_by_role("button", name="Record: claim citizenship").click()
        expect(page).to_have_url(served.url(f"/cases/{cai}"))
        expect(page.get_by_role("status")).to_have_text("Recorded: claim citizenship.")
        expect(page.locator(".facets")).to_contain_text("citizenship review")
        shot(page, "no-js-recorded")
    finally:
        context.close()


def test_supervisor_confirms_a_stay_lifted_against_its_document(
    page: Page, served: Served, shot: Shot, axe_check: AxeCheck
) -> None:
    site, now = served.site, datetime.now(UTC)
    case = charged_case(site, "Stayed", "Noor", "SV", now)
    with site.app.ctx.engine.connect() as conn:
        counsel = get_account(conn, "counsel1")
    assert counsel is not None
    for at, name, data in (
        (now - timedelta(days=3), "record_order", {
            "outcome": "removal", "decision_mode": "oral", "designated_country": "GT",
            "protected_countries": ["El Salvador"],
            **document("NEW", "IJ-NOOR-1", now - timedelta(days=3))}),
        (now - timedelta(days=2), "grant_stay", {
            "kind": "judicial", **document("CA3", "CA3-26-0555", now - timedelta(days=2))}),
        (now - timedelta(hours=3), "lift_stay", {
            "stay": "CA3-26-0555", **document("CA3", "CA3-26-0555-L", now - timedelta(hours=3))}),
    ):
        out = site.app.do(parse_command(name, data), counsel.actor, at, case_id=case)
        assert out.accepted, (name, out.refusals)

    sign_in(page, served, "supervisor")
    choose_purpose(page, "supervisor")
    page.goto(served.url(f"/cases/{case}"))
    stays = page.get_by_role("region", name="Stays of removal")
    row = stays.get_by_role("row").filter(has_text="CA3-26-0555")
    expect(row).to_contain_text("judicial")
    expect(row).to_contain_text("Court of Appeals for the 3rd Circuit")
    expect(row.locator(".badge")).to_have_text("in force")
    expect(page.get_by_role("region", name="Protections in force")).to_contain_text(
        "El Salvador (SV)")
    waiting = page.get_by_role("region", name="Entries awaiting confirmation")
    entry = waiting.get_by_role("row").filter(has_text="lifts the stay CA3-26-0555")
    expect(entry).to_have_count(1)
    shot(page, "awaiting-confirmation")
    axe_check(page, "awaiting-confirmation")

    entry.get_by_label("Reference read off the document").fill("CA3-26-0555-L")
    entry.get_by_role("button", name=re.compile(r"^Confirm entry \d+$")).click()
    expect(page).to_have_url(served.url(f"/cases/{case}"))
    expect(page.locator("#flash")).to_have_text("Recorded: confirm entry.")
    expect(page.get_by_text("No entry awaits confirmation.")).to_be_visible()
    row = page.get_by_role("region", name="Stays of removal").get_by_role("row").filter(
        has_text="CA3-26-0555")
    expect(row.locator(".badge")).to_have_text("not in force")
    expect(row).to_contain_text("lifted")
    shot(page, "stay-lifted")
