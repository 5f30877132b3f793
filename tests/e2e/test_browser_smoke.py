"""The browser-test machinery works: chromium starts, the vendored htmx swaps a fragment into a
served page, screenshots are written and axe-core both passes a clean page and fails a bad one."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from playwright.sync_api import Page, expect
from starlette.types import ASGIApp

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
