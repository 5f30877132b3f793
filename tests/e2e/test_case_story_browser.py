"""The case page's story in a real browser (issue 17, item 2): the next hearing, the hearing
calendar, what is in force, the timeline and the deadlines of a case before the Honolulu court,
checked with axe-core and measured at 1,400 and at 390 pixels (nothing in the story's sections
wider than the screen)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from starlette.types import ASGIApp

from web.support import PASSWORD, PURPOSE, build_site
from web.test_case_story import honolulu_case

Serve = Callable[[ASGIApp], str]
Shot = Callable[[Page, str], Path]
AxeCheck = Callable[[Page, str], dict[str, Any]]

STORY = ("facets-h", "hearings-h", "in-force-h", "deadlines-h", "timeline-h")


def _scrolling_containers(page: Page) -> None:
    """Every table of the story sits in a ``usa-table-container--scrollable``; USWDS's stylesheet
    (another part of issue 17 vendors it) gives that container ``overflow-x: auto``. Until it is
    served, the test gives it the same rule from script (which the page's CSP allows), so that
    what is measured is this markup, as it will be styled."""
    bare = page.evaluate("""(ids) => ids.flatMap(id => [...document.getElementById(id)
        .closest('section').querySelectorAll('table')])
        .filter(t => !t.parentElement.classList.contains('usa-table-container--scrollable'))
        .length""", list(STORY))
    assert bare == 0, "a table of the story is not in a scrolling container"
    page.evaluate("""() => document.querySelectorAll('.usa-table-container--scrollable')
        .forEach(c => { if (getComputedStyle(c).overflowX === 'visible') {
            c.style.overflowX = 'auto'; } })""")


def _widest_story_section(page: Page) -> int:
    """The widest of the story's sections, in CSS pixels (their content, scrolled or not)."""
    return int(page.evaluate("""(ids) => Math.max(...ids.map(id => {
        const section = document.getElementById(id).closest('section');
        return Math.ceil(section.getBoundingClientRect().left + section.scrollWidth);
    }))""", list(STORY)))


def test_the_case_page_tells_the_story_at_1400_and_390_pixels(
        page: Page, serve: Serve, shot: Shot, axe_check: AxeCheck, tmp_path: Path) -> None:
    site = build_site(f"sqlite:///{tmp_path}/site.sqlite")
    case, _ = honolulu_case(site)
    base = serve(site.web)
    page.goto(base + "/sign-in")
    page.get_by_label("User name").fill("officer1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label(PURPOSE["officer"].replace("_", " "), exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()

    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/cases/{case}")
        next_hearing = page.get_by_role("region", name="Next hearing")
        expect(next_hearing).to_contain_text("HST")
        expect(next_hearing).to_contain_text("Honolulu, HI (HON)")
        expect(page.locator("#hearings tbody tr")).to_have_count(2)
        expect(page.get_by_role("region", name="Timeline")).to_contain_text(
            re.compile(r"NTA served by officer1 \(officer\)\s*Method: personal"))
        expect(page.locator("#deadlines")).to_contain_text("HST")
        shot(page, f"case-story-{width}")
        axe_check(page, f"case-story-{width}")
        _scrolling_containers(page)
        assert _widest_story_section(page) <= width
