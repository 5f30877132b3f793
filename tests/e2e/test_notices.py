"""The notices page in Chromium: the officer sees their reminders, follows one to its case and
marks one read; axe-core finds no serious violation, and the page fits a 390-pixel screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from duecourse.app.reminders import do_run_reminders
from web.support import PASSWORD, build_site

Serve = Callable[[Any], str]
Shot = Callable[[Page, str], Path]
AxeCheck = Callable[[Page, str], dict[str, Any]]


def test_the_officer_reads_their_notices_on_a_wide_and_a_phone_screen(
        page: Page, serve: Serve, shot: Shot, axe_check: AxeCheck, tmp_path: Path) -> None:
    # ana's CUS-48 started 26 hours ago: past 50 % of its 48 hours
    site = build_site(f"sqlite:///{tmp_path}/site.sqlite", datetime.now(UTC) - timedelta(hours=25))
    do_run_reminders(site.app.ctx, None)  # no mail server: in the app only
    base = serve(site.web)
    page.goto(base + "/sign-in")
    page.get_by_label("User name").fill("officer1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + "/notices")
    expect(page.get_by_role("heading", level=1, name="Notices")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="CUS-48").filter(has_text=site.cases["ana"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("50 %")
    shot(page, "notices")
    axe_check(page, "notices")
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        # the page's own content (the table scrolls in its container); the header is base.html's
        assert page.evaluate("document.querySelector('main').scrollWidth <= window.innerWidth"
                             ), width
    shot(page, "notices-390")
    axe_check(page, "notices-390")
    page.set_viewport_size({"width": 1400, "height": 900})
    row.get_by_role("button", name="Mark read: CUS-48").click()
    expect(page).to_have_url(base + "/notices")
    expect(row).to_contain_text("read ")
    row.get_by_role("link", name=site.cases["ana"]).click()
    expect(page).to_have_url(f"{base}/purpose?next=/cases/{site.cases['ana']}")
