"""The ledger page in Chromium: filtered from its form, the filters kept in the address, an
invalid filter answered beside its field; axe-core finds no serious violation at 1,400 and at 390
pixels, and at 390 pixels nothing is wider than the screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from starlette.types import ASGIApp

from web.support import build_site

from .test_browser_smoke import sign_in_at


def test_the_ledger_page_filters_and_fits_a_phone(
    page: Page,
    serve: Callable[[ASGIApp], str],
    shot: Callable[[Page, str], Path],
    axe_check: Callable[[Page, str], dict[str, Any]],
    tmp_path: Path,
) -> None:
    site = build_site(f"sqlite:///{tmp_path}/site.sqlite")
    base = serve(site.web)
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in_at(page, base + "/ledger", "oversight1", "oversight audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ledger")
    page.get_by_label("Role").select_option("counsel")
    page.get_by_label("Case number").fill(site.cases["ben"])
    page.get_by_role("button", name="Show the entries").click()
    expect(page).to_have_url(re.compile(rf"/ledger\?role=counsel&case={site.cases['ben']}$"))
    rows = page.locator("#ledger-entries tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("command: record_order")
    expect(rows.first).to_contain_text("covered")
    shot(page, "ledger-filtered")
    axe_check(page, "ledger-filtered")

    page.set_viewport_size({"width": 390, "height": 844})
    axe_check(page, "ledger-390")
    shot(page, "ledger-390")
    # Nothing but the table's own scrolling container is wider than the screen; the container
    # scrolls by the design system's rule for it (usa-table-container--scrollable), and with
    # that rule in the stylesheet the whole page fits.
    outside = page.evaluate("""[...document.querySelectorAll('body *')].filter(e =>
        e.getBoundingClientRect().right > window.innerWidth + 1
        && !e.closest('.usa-table-container--scrollable')).map(e => e.tagName)""")
    assert outside == []
    scrolls = page.evaluate("""getComputedStyle(document.querySelector(
        '.usa-table-container--scrollable')).overflowX""")
    if scrolls in ("auto", "scroll"):
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.goto(base + "/ledger?role=clerk")
    expect(page.locator("#f-role-error")).to_contain_text("'clerk' is not a role")
    axe_check(page, "ledger-invalid")
