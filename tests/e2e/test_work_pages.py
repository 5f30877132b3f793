"""The work pages of issue 17 in a real browser: each view of the queue for an officer and a
supervisor, and the attorney's client list, with axe-core and at a 390-pixel phone width
(nothing wider than the screen)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from starlette.types import ASGIApp

from web.support import PASSWORD, PURPOSE, build_site

Serve = Callable[[ASGIApp], str]
Shot = Callable[[Page, str], Path]
AxeCheck = Callable[[Page, str], dict[str, Any]]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, serve_module: Serve) -> str:
    site = build_site(f"sqlite:///{tmp_path_factory.mktemp('work-pages')}/site.sqlite")
    return serve_module(site.web)


def enter(page: Page, base: str, role: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("User name").fill(f"{role}1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label(PURPOSE[role].replace("_", " "), exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def fits(page: Page) -> bool:
    """Nothing of these pages is wider than the screen: the whole document fits, or (until the
    site's USWDS stylesheet and header land, which another part of issue 17 brings) every wider
    element is the site header's or inside a table container that scrolls sideways
    (``usa-table-container--scrollable``, ``overflow-x: auto`` in USWDS)."""
    return bool(page.evaluate("""() => {
        if (document.documentElement.scrollWidth <= window.innerWidth) return true;
        const wide = [...document.querySelectorAll('main *')].filter(
            el => el.getBoundingClientRect().right > window.innerWidth + 1);
        return wide.every(el => el.closest('.usa-table-container--scrollable'));
    }"""))


@pytest.mark.parametrize(("role", "views"), [
    ("officer", ("mine", "office", "duties")),
    ("supervisor", ("signature", "mine", "office", "duties")),
])
def test_each_queue_view_passes_axe_and_fits_a_phone(page: Page, base: str, shot: Shot,
                                                     axe_check: AxeCheck, role: str,
                                                     views: tuple[str, ...]) -> None:
    enter(page, base, role)
    expect(page.get_by_role("heading", level=1, name="Work queue")).to_be_visible()
    for view in views:
        for width in (1400, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base}/queue?view={view}")
            expect(page.locator(f"#view-{view}")).to_have_attribute("aria-current", "page")
            shot(page, f"{view}-{width}")
            axe_check(page, f"{view}-{width}")
            if width == 390:
                assert fits(page), f"/queue?view={view} is wider than a 390-px screen"


def test_the_client_list_passes_axe_and_fits_a_phone(page: Page, base: str, shot: Shot,
                                                     axe_check: AxeCheck) -> None:
    enter(page, base, "attorney")
    expect(page.get_by_role("heading", level=1, name="My clients")).to_be_visible()
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base + "/clients")
        expect(page.get_by_role("table", name="Clients and their windows")).to_be_visible()
        shot(page, f"clients-{width}")
        axe_check(page, f"clients-{width}")
        if width == 390:
            assert fits(page), "/clients is wider than a 390-px screen"
