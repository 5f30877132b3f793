"""Every page fits the screen and passes axe-core, for each of the eight roles, at 1,400 pixels
wide and at 390 (a phone): signed in to the demo as the role, the test visits every page the
role's navigation offers, a case page (the attorney's client's, for the attorney), a person page
and an identity pair page, and also the sign-in page, the purpose page and a page that does not
exist. At 390 pixels ``document.documentElement.scrollWidth`` may be no wider than the window;
at both widths axe-core may find no serious or critical violation, and no vendored file of the
design system (a font, an icon) may fail to load. A screenshot of each page is kept.

The seed and the tour of the pages are scripts/web_screenshots.py's, which makes docs/web.md's
pictures: the pages documented are the pages tested.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response, expect
from starlette.types import ASGIApp

from duecourse.domain.commands import ROLES

Serve = Callable[[ASGIApp], str]
Shot = Callable[[Page, str], Path]
AxeCheck = Callable[[Page, str], dict[str, Any]]

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "web_screenshots.py"


def _load_tour() -> ModuleType:
    spec = importlib.util.spec_from_file_location("web_screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


tour = _load_tour()
VIEWPORTS = {"1400": tour.WIDE, "390": tour.PHONE}

# Where the page is wider than the window: the widest elements that stick out, for the message.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const out = [...document.querySelectorAll('body *')]
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.right > width + 0.5 && r.width > 0)
    .sort((a, b) => b[1].right - a[1].right).slice(0, 5)
    .map(([e, r]) => {
      const cls = typeof e.className === 'string' ? e.className.trim().split(/\\s+/) : [];
      const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                   cls.filter(c => c).map(c => '.' + c).join('');
      return `${name} (right edge ${Math.round(r.right)} px)`;
    });
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, out};
}"""


@dataclass(frozen=True)
class Served:
    site: Any  # web_screenshots.DemoSite
    base: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, serve_module: Serve) -> Served:
    path = tmp_path_factory.mktemp("layout") / "demo.sqlite"
    site = tour.build_demo_site(f"sqlite:///{path}")
    return Served(site, serve_module(site.web))


@dataclass
class Checker:
    """Checks the page now shown: fits (at 390), axe-core, a screenshot; and collects every
    file under /static/ that failed to load."""

    page: Page
    width: str
    shot: Shot
    axe_check: AxeCheck

    def __post_init__(self) -> None:
        self.broken: list[str] = []
        self.page.on("response", self._note)

    def _note(self, response: Response) -> None:
        if "/static/" in response.url and response.status >= 400:
            self.broken.append(f"{response.status} {response.url}")

    def check(self, name: str) -> None:
        self.page.wait_for_load_state()
        label = f"{self.width}-{name}"
        if self.width == "390":
            m = self.page.evaluate(OVERFLOW)
            assert m["scrollWidth"] <= m["innerWidth"], (
                f"{name} ({self.page.url}) is {m['scrollWidth']} px wide in a {m['innerWidth']}-px "
                f"window; sticking out: {', '.join(m['out']) or 'nothing measurable'}")
        self.axe_check(self.page, label)
        self.shot(self.page, label)


@pytest.fixture
def checker(page: Page, shot: Shot, axe_check: AxeCheck, request: pytest.FixtureRequest
            ) -> Iterator[Checker]:
    width: str = request.node.callspec.params["width"]
    page.set_viewport_size(VIEWPORTS[width])
    page.set_default_timeout(10_000)
    c = Checker(page, width, shot, axe_check)
    yield c
    assert not c.broken, f"vendored files that failed to load: {c.broken}"


@pytest.mark.parametrize("width", list(VIEWPORTS))
@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_fits_the_screen_and_passes_axe(
    served: Served, checker: Checker, role: str, width: str
) -> None:
    page = checker.page
    tour.sign_in(page, served.base, served.site, role)
    offered = tour.nav_pages(page)
    assert offered, f"{role} has no navigation"
    for text, href in [*offered, *tour.records_pages(served.site, role)]:
        page.goto(served.base + href)
        checker.check(text.lower().replace(" ", "-"))


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_sign_in_purpose_and_not_found_fit_the_screen_and_pass_axe(
    served: Served, checker: Checker, width: str
) -> None:
    page = checker.page
    page.goto(served.base + "/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    checker.check("sign-in")
    tour.sign_in(page, served.base, served.site, "officer")
    page.goto(served.base + "/purpose?next=/queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Why are you reading these records?")
    checker.check("purpose")
    page.goto(served.base + "/cases/C-NO-SUCH-CASE")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    checker.check("not-found")
    answer = page.goto(served.base + "/no-such-page")
    assert answer is not None and answer.status == 404
    assert answer.headers.get("content-type", "").startswith("text/html")
    checker.check("unknown-address")


@pytest.mark.parametrize("width", ["390"])
def test_on_a_phone_the_menu_opens_the_navigation(served: Served, checker: Checker,
                                                  width: str) -> None:
    page = checker.page
    tour.sign_in(page, served.base, served.site, "supervisor")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Work queue")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(nav.get_by_role("link", name="Work queue")).to_be_visible()
    checker.check("menu-open")
    page.get_by_role("button", name="Close").click()
    expect(nav.get_by_role("link", name="Work queue")).to_be_hidden()


def test_without_javascript_the_phone_navigation_is_shown_in_place(
    browser: Browser, served: Served, shot: Shot
) -> None:
    context = browser.new_context(viewport=tour.PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        tour.sign_in(page, served.base, served.site, "detention")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Placement")).to_be_visible()
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, "390-no-javascript")
    finally:
        context.close()
