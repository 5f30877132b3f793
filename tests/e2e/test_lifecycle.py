"""Acceptance (issue 17): a case carried from encounter to removal, and another to release and
closing, in the browser, through the forms alone, each step by the role the law gives it.

Every account signs in through the sign-in form and chooses its purpose; every step fills the
action's form on the case page and submits it. After the seed of accounts (``build_site``) nothing
is written but through the pages. The application's clock is injected and moved forward where the
law makes people wait (the hearing, the 30-day appeal window, the day of departure). At every step
the page is photographed and checked with axe-core at 1,400 px, and at 390 px it must be no wider
than the window; each step asserts that the case now shows its new state.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from starlette.types import ASGIApp

from web.support import PASSWORD, PURPOSE, Site, build_site

Serve = Callable[[ASGIApp], str]
Shot = Callable[[Page, str], Path]
AxeCheck = Callable[[Page, str], dict[str, Any]]

WIDE, NARROW, HEIGHT = 1400, 390, 900
TIMEOUT_MS = 10_000


@dataclass
class Clock:
    """The application's clock, moved by the test where the law makes people wait."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Browser:
    """One page driven through the site as one role at a time, checking every step."""

    page: Page
    base: str
    site: Site
    clock: Clock
    shot: Shot
    axe_check: AxeCheck
    role: str = ""
    steps: int = 0
    too_wide: list[str] = field(default_factory=list)  # the steps wider than 390 px, and why

    def fits_every_step(self) -> None:
        assert not self.too_wide, "at 390 px:\n" + "\n".join(self.too_wide)

    def check(self, name: str) -> None:
        """A screenshot and axe-core at 1,400 px; at 390 px a screenshot and nothing wider than
        the window."""
        self.steps += 1
        label = f"{self.steps:02d}-{name}"
        page = self.page
        page.set_viewport_size({"width": WIDE, "height": HEIGHT})
        self.shot(page, label)
        self.axe_check(page, label)
        page.set_viewport_size({"width": NARROW, "height": HEIGHT})
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        self.shot(page, f"{label}-390")
        self.axe_check(page, f"{label}-390")
        if widths[0] > widths[1]:  # said at the end, with every other step's
            self.too_wide.append(f"{label}: {widths[0]} px wide; wider than the window: "
                                 f"{_wider_than_window(page)}")
        page.set_viewport_size({"width": WIDE, "height": HEIGHT})

    def sign_in(self, role: str) -> None:
        """Sign out whoever was signed in, sign in as ``<role>1`` through the sign-in form and
        choose the role's purpose."""
        if role == self.role:
            return
        self.page.context.clear_cookies()
        self.page.goto(f"{self.base}/sign-in")
        self.page.get_by_label("User name").fill(self.site.username(role))
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        if "/purpose" in self.page.url:
            self.page.get_by_label(PURPOSE[role].replace("_", " "), exact=True).check()
            self.page.get_by_role("button", name="Continue").click()
            self.page.wait_for_load_state()
        self.role = role

    def open_case_page(self, case: str) -> None:
        self.page.goto(f"{self.base}/cases/{case}")
        if "/purpose" in self.page.url:  # a session that expired while the clock moved
            self.role = ""
            self.sign_in_again(case)
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(case)

    def sign_in_again(self, case: str) -> None:
        role = self.role
        self.role = ""
        self.sign_in(role)
        self.page.goto(f"{self.base}/cases/{case}")

    def act(self, role: str, case: str, command: str, fill: dict[str, str | bool]) -> None:
        """As ``role``, on the case page, open the form of ``command``, fill it by the fields'
        labels, submit it, and check that the form was accepted (no refusal, no error)."""
        self.submit(role, case, command, fill)
        outcome = self.page.locator(".form-outcome")
        if outcome.count():
            raise AssertionError(f"{role} {command}: {outcome.inner_text()}\n"
                                 f"{self.page.locator('.usa-error-message').all_inner_texts()}")
        expect(self.page).to_have_url(re.compile(rf"/cases/{case}(\?|#|$)"))
        self.check(f"{command}-by-{role}")

    def refused(self, role: str, case: str, command: str, fill: dict[str, str | bool],
                rule: str) -> Locator:
        """As ``act``, for a command the law refuses citing ``rule``: the form comes back open
        with the refusal at its top and what was typed kept. The form."""
        self.submit(role, case, command, fill)
        form = self.page.locator(f"#form-{command}")
        expect(form).to_have_attribute("open", "")
        alert = form.get_by_role("alert")
        expect(alert).to_contain_text(f"Refused: {command.replace('_', ' ')}")
        expect(alert.locator(".rule")).to_contain_text([rule])
        expect(alert).to_be_focused()
        self.check(f"{command}-by-{role}-refused")
        return form

    def submit(self, role: str, case: str, command: str, fill: dict[str, str | bool]) -> None:
        self.sign_in(role)
        self.page.goto(f"{self.base}/cases/{case}")
        if "/sign-in" in self.page.url or "/purpose" in self.page.url:
            self.role = ""  # the session ended while the clock moved on
            self.sign_in(role)
            self.page.goto(f"{self.base}/cases/{case}")
        form = self.page.locator(f"#form-{command}")
        expect(form, f"{role} has no form for {command}").to_have_count(1)
        if form.get_attribute("open") is None:
            form.locator("summary").click()
        fill_form(form, fill)
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()


def fill_form(form: Locator, fill: dict[str, str | bool]) -> None:
    for label, value in fill.items():
        control = form.get_by_label(re.compile(rf"^{re.escape(label)}( \(required\))?$"))
        tag = control.evaluate("e => e.tagName + ':' + (e.type || '')")
        if tag.startswith("SELECT"):
            control.select_option(value if isinstance(value, str) else [])
        elif tag == "INPUT:checkbox":
            control.set_checked(bool(value))
        else:
            control.fill(str(value))


def _wider_than_window(page: Page) -> list[str]:
    # The outermost elements that reach past the window, leaving out what scrolls inside a
    # container of its own (a wide table in an overflow-x: auto box widens nothing).
    return list(page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .filter(e => { for (let a = e.parentElement; a; a = a.parentElement) {
            if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return false;
          } return true; })
        .filter(e => !e.parentElement
                || e.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
        .slice(0, 8)
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
             + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '')
             + (e.closest('section[aria-labelledby]')
                ? ' in #' + e.closest('section[aria-labelledby]').getAttribute('aria-labelledby')
                : '')
             + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')"""))


def facets(page: Page) -> Locator:
    return page.locator(".facets")


def day(at: datetime) -> str:
    return at.date().isoformat()


def minute(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def browser_site(tmp_path: Path, serve: Serve, page: Page, shot: Shot,
                 axe_check: AxeCheck) -> Browser:
    clock = Clock()
    site = build_site(f"sqlite:///{tmp_path / 'lifecycle.sqlite'}", now=clock.now)
    site.app.ctx.clock = clock
    page.set_default_timeout(TIMEOUT_MS)
    page.set_viewport_size({"width": WIDE, "height": HEIGHT})
    return Browser(page, serve(site.web), site, clock, shot, axe_check)


def open_case(b: Browser, family: str, given: str, sex: str, country: str) -> str:
    """The officer opens a case from the encounter form; its id."""
    b.sign_in("officer")
    b.page.goto(f"{b.base}/cases/new")
    b.check("new-case")
    fill_form(b.page.locator("form.command"), {
        "Family name": family, "Given name": given, "Sex": sex, "Birth date": "1988-03-03",
        "Nationalities": country, "Languages": "es", "Encounter": "interior",
        "Location": "Newark, NJ", "Legal basis": "INA 237(a)(1)(B)"})
    b.page.get_by_role("button", name="Open the case").click()
    expect(b.page).to_have_url(re.compile(r"/cases/C-[^/?#]+"))
    case = re.findall(r"/cases/(C-[^/?#]+)", b.page.url)[0]
    expect(b.page.get_by_role("heading", level=1)).to_contain_text(f"{family}, {given}")
    expect(facets(b.page)).to_contain_text("at large")
    b.check("case-opened")
    return case


def arrest_examine_detain(b: Browser, case: str) -> None:
    """A warrantless arrest, the examination by another officer, the custody decision."""
    b.clock.advance(minutes=10)
    b.act("officer", case, "record_arrest", {
        "Basis": "warrantless", "Reason to believe": "admitted an overstay at the encounter",
        "Likely to escape": "no fixed address; a one-way ticket out of the state"})
    expect(facets(b.page)).to_contain_text("arrested")
    b.clock.advance(minutes=30)
    b.act("supervisor", case, "record_examination", {})
    expect(b.page.locator(".timeline")).to_contain_text("examination")
    b.clock.advance(minutes=30)
    b.act("officer", case, "determine_custody", {
        "Decision": "detain", "Authority": "236(a)", "Reason": "flight risk: no fixed address"})
    expect(facets(b.page)).to_contain_text("detained")


def test_a_case_from_encounter_to_removal_through_the_forms(browser_site: Browser) -> None:
    b, clock = browser_site, browser_site.clock
    case = open_case(b, "Lifecycle", "Lena", "F", "MX")

    # Charged while at large; arrested on a warrant that a supervisor signs at an officer's
    # request (the officer picked by name from the accounts that may request one).
    clock.advance(minutes=10)
    hearing = (clock.now + timedelta(days=14)).replace(hour=14, minute=0, second=0,
                                                       microsecond=0)
    b.act("officer", case, "issue_nta", {
        "Charges": "237(a)(1)(B)", "Allegations": "admitted in 2024 as a visitor, overstayed",
        "Hearing at (UTC)": minute(hearing), "Court": "NEW: Newark, NJ",
        "Counsel list date": day(clock.now - timedelta(days=10))})
    expect(facets(b.page)).to_contain_text("charged")
    clock.advance(minutes=30)
    b.act("supervisor", case, "issue_arrest_warrant", {"Requested by": "officer1 (officer)"})
    expect(b.page.locator(".timeline")).to_contain_text("warrant")
    clock.advance(minutes=30)
    b.act("officer", case, "record_arrest", {"Basis": "warrant"})
    expect(facets(b.page)).to_contain_text("arrested")
    clock.advance(minutes=30)
    b.act("supervisor", case, "record_examination", {})
    expect(b.page.locator(".timeline")).to_contain_text("examination")
    clock.advance(minutes=30)
    b.act("officer", case, "determine_custody", {
        "Decision": "detain", "Authority": "236(a)", "Reason": "flight risk: no fixed address"})
    expect(facets(b.page)).to_contain_text("detained")
    clock.advance(minutes=30)
    b.act("officer", case, "serve_nta", {"Method": "personal", "Language": "es"})
    expect(facets(b.page)).to_contain_text("pending")

    clock.advance(minutes=30)
    b.act("detention", case, "place", {"Facility": "BOPHON", "Classification": "A",
                                       "Reason": "intake: closest open bed"})
    expect(b.page.locator(".timeline")).to_contain_text("placed")

    clock.advance(minutes=30)
    merits = hearing + timedelta(days=7)
    b.act("counsel", case, "schedule_hearing", {"At (UTC)": minute(merits), "Court": "NEW",
                                                "Notice": "personal"})
    expect(b.page.locator(".timeline")).to_contain_text("hearing scheduled")

    clock.now = merits + timedelta(hours=3)
    b.act("counsel", case, "record_order", {
        "Outcome": "removal", "Decision mode": "oral", "Issued by": "NEW",
        "Reference": "NEW-IJ-LIFECYCLE-1", "Issued on": day(merits), "Designated country": "MX"})
    expect(facets(b.page)).to_contain_text("decided")

    # Too soon: the appeal window's stay refuses the removal, and the form keeps what was typed.
    clock.advance(hours=1)
    form = b.refused("supervisor", case, "schedule_removal", {
        "Destination": "MX", "Depart at (UTC)": minute(clock.now + timedelta(days=2)),
        "Transport": "charter NEW-MEX 9"}, "STAY-AUTO")
    expect(form.get_by_label(re.compile("^Transport"))).to_have_value("charter NEW-MEX 9")
    expect(form.get_by_label(re.compile("^Destination"))).to_have_value("MX")

    # No one waives the appeal: the 30-day window runs out and the order is final.
    clock.advance(days=35)
    b.act("supervisor", case, "issue_removal_warrant", {})
    expect(facets(b.page)).to_contain_text("final")
    clock.advance(minutes=10)
    b.act("supervisor", case, "record_travel_document", {
        "Country": "MX", "Valid until": day(clock.now + timedelta(days=180))})
    expect(b.page.locator(".timeline")).to_contain_text("travel document")
    clock.advance(minutes=10)
    b.act("detention", case, "record_medical_clearance", {
        "Valid until": day(clock.now + timedelta(days=30))})
    expect(b.page.locator(".timeline")).to_contain_text("medical clearance")
    clock.advance(minutes=10)
    depart = clock.now + timedelta(days=2)
    b.act("supervisor", case, "schedule_removal", {
        "Destination": "MX", "Depart at (UTC)": minute(depart), "Transport": "charter NEW-MEX 12"})
    expect(b.page.locator(".timeline")).to_contain_text("removal scheduled")

    clock.now = depart + timedelta(minutes=30)
    b.act("transport", case, "record_removal", {"Destination": "MX"})
    expect(facets(b.page)).to_contain_text("removed")
    b.fits_every_step()


def test_a_case_to_release_and_closing_through_the_forms(browser_site: Browser) -> None:
    b, clock = browser_site, browser_site.clock
    case = open_case(b, "Release", "Rafa", "M", "MX")
    arrest_examine_detain(b, case)
    clock.advance(hours=2)
    b.act("officer", case, "release", {
        "Kind": "recognizance", "Conditions": "report monthly to the Newark office",
        "Reason": "prosecutorial discretion: sole carer of a U.S. citizen child"})
    expect(facets(b.page)).to_contain_text("released")
    clock.advance(minutes=30)
    b.act("supervisor", case, "close_case", {
        "Reason": "prosecutorial discretion: sole carer of a U.S. citizen child"})
    expect(facets(b.page)).to_contain_text("closed")
    b.fits_every_step()
