"""The vendored U.S. Web Design System: every file its CSS refers to for the families and
components in use is in the package and served, a page loads it, and it is cached for a week
while the project's own static files are revalidated and pages with personal data are not
stored."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from web.support import Site, build_site, sign_in

STATIC = resources.files("duecourse.web") / "static"
# Left out by scripts/vendor_uswds.sh: the serif and monospace families and the hero image.
NOT_VENDORED = re.compile(r"^(fonts/merriweather/|fonts/roboto-mono/|img/hero\.jpg$)")


def _css_references() -> list[str]:
    css = (STATIC / "uswds" / "css" / "uswds.min.css").read_text(encoding="utf-8")
    urls = {u.strip("'\"") for u in re.findall(r"url\(([^)]*)\)", css)}
    return sorted(u.removeprefix("../") for u in urls if u.strip("'\"").startswith("../"))


def test_every_file_the_css_refers_to_is_vendored_but_the_unused_families() -> None:
    refs = _css_references()
    assert "fonts/source-sans-pro/sourcesanspro-regular-webfont.woff2" in refs
    assert "img/usa-icons/close.svg" in refs
    missing = [r for r in refs if not NOT_VENDORED.match(r)
               and not (STATIC / "uswds" / r).is_file()]
    assert missing == []
    assert (STATIC / "uswds" / "LICENSE.md").is_file()


@pytest.fixture
def site(db_url: str) -> Site:
    return build_site(db_url)


def test_a_page_loads_the_design_system_and_it_is_served_and_cached(site: Site) -> None:
    page = sign_in(site, "officer").get("/queue")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert "/static/uswds/css/uswds.min.css" in links and "/static/uswds/js/uswds.min.js" in links
    assert "usa-header" in page.text and "official website" not in page.text.lower()
    client = site.client()
    for path in [*links, "/static/uswds/img/usa-icons/close.svg",
                 "/static/uswds/fonts/source-sans-pro/sourcesanspro-bold-webfont.woff2"]:
        r = client.get(path)
        assert r.status_code == 200 and r.content, path
        expected = "public, max-age=604800" if path.startswith("/static/uswds/") else "no-cache"
        assert r.headers["cache-control"] == expected, path
