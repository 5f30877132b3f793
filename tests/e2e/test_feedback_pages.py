"""In Chromium: the administrator edits an attorney's clients by case number (a refused number
beside its field, then the flash of a real save, once), and a browser's unknown address is a
page; each checked with axe-core (issue 17, items 6 and 7)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from starlette.types import ASGIApp

from web.support import PASSWORD, build_site

Serve = Callable[[ASGIApp], str]
Shot = Callable[[Page, str], Path]
AxeCheck = Callable[[Page, str], dict[str, Any]]


def test_clients_by_case_number_the_flash_and_a_page_for_an_unknown_address(
        tmp_path: Path, serve: Serve, page: Page, shot: Shot, axe_check: AxeCheck) -> None:
    site = build_site(f"sqlite:///{tmp_path}/site.sqlite")
    base = serve(site.web)
    page.goto(base + "/sign-in")
    page.get_by_label("User name").fill("admin1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/admin/accounts")
    row = page.get_by_role("row").filter(has_text="attorney1")
    clients = row.get_by_label("Clients (case numbers)")
    expect(clients).to_have_value(site.cases["ben"])
    # an unknown number: refused, named, nothing saved
    clients.fill(f"{site.cases['ben']}, c-nosuch")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("no case has the number C-NOSUCH")
    shot(page, "clients-refused")
    axe_check(page, "clients-refused")
    # ana's case added, typed loosely; the flash says so once
    row = page.get_by_role("row").filter(has_text="attorney1")
    row.get_by_label("Clients (case numbers)").fill(
        f"{site.cases['ben']} {site.cases['ana'].lower().replace('-', ' - ')}")
    row.get_by_role("button", name="Save").click()
    expect(page).to_have_url(base + "/admin/accounts")
    expect(page.locator("#flash")).to_have_text("Account attorney1 saved.")
    expect(page.get_by_role("row").filter(has_text="attorney1").get_by_label(
        "Clients (case numbers)")).to_have_value(f"{site.cases['ben']}, {site.cases['ana']}")
    shot(page, "clients-saved")
    axe_check(page, "clients-saved")
    page.reload()
    expect(page.locator("#flash")).to_have_count(0)
    # a browser's unknown address
    response = page.goto(base + "/no/such/page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("link", name="Back to the start")).to_be_visible()
    shot(page, "not-found")
    axe_check(page, "not-found")
    site.app.ctx.engine.dispose()

