"""Browser-test fixtures: Playwright (sync API) driving Debian's chromium.

The browser is the distribution's ``/usr/bin/chromium`` (``scripts/install_browser.sh`` installs
it), never Playwright's own download. Every test here is marked ``e2e``. Screenshots and axe-core
results go to ``test-artifacts/`` (git-ignored), named after the test, so that a failed run in CI
leaves something to look at. Under CI=true a missing browser fails the run instead of skipping it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from starlette.types import ASGIApp

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_RESULTS = ARTIFACTS / "axe"

CHROMIUM = Path("/usr/bin/chromium")
# The background-networking flags keep chromium from reaching out (updates, sync, field trials):
# on a closed network those attempts only slow it down and clutter the log.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"

# axe-core impacts that fail a test; "minor" and "moderate" are recorded in the JSON only.
BLOCKING_IMPACTS = ("serious", "critical")

Serve = Callable[[ASGIApp], str]
Shot = Callable[[Page, str], Path]
AxeCheck = Callable[[Page, str], dict[str, Any]]

_CALL_REPORT = pytest.StashKey[pytest.TestReport]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items; mark only those collected from this directory.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep the test body's outcome where the ``page`` fixture's teardown can read it.
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


def _artifact_name(request: pytest.FixtureRequest, name: str) -> str:
    """``<test name>-<name>``, made safe as a file name (parametrised ids contain brackets)."""
    return re.sub(r"[^\w.-]+", "_", f"{request.node.name}-{name}").strip("_")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problem = f"{CHROMIUM} not found: run scripts/install_browser.sh to install Debian's chromium"
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: browser tests may not be skipped)")
        pytest.skip(problem)
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh browser context; if the test failed, a screenshot of how it ended."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        yield page
        report = request.node.stash.get(_CALL_REPORT, None)
        if report is not None and report.failed and not page.is_closed():
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            path = SCREENSHOTS / f"{_artifact_name(request, 'failure')}.png"
            page.screenshot(path=path, full_page=True)
    finally:
        context.close()


def _free_socket() -> socket.socket:
    """A listening-ready socket on 127.0.0.1 with a port the system chose: no race for the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _wait_until_accepting(host: str, port: int, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if not thread.is_alive():
            raise RuntimeError(f"the test server on {host}:{port} stopped before it accepted connections")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the test server on {host}:{port} did not accept connections within {timeout}s"
                ) from None
            time.sleep(0.05)


@contextmanager
def _serving() -> Iterator[Serve]:
    """``start(asgi_app) -> base URL`` runs the app with uvicorn in a thread; all stop on exit."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: ASGIApp) -> str:
        sock = _free_socket()
        host, port = sock.getsockname()[:2]
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
        )
        thread.start()
        running.append((server, thread))
        _wait_until_accepting(host, port, thread, timeout=10.0)
        return f"http://{host}:{port}"

    try:
        yield start
    finally:
        for server, _thread in running:
            server.should_exit = True
        for server, thread in running:
            thread.join(timeout=10.0)
            if thread.is_alive():  # open keep-alive connections: stop waiting for them
                server.force_exit = True
                thread.join(timeout=5.0)


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve(asgi_app) -> base URL``: runs the app with uvicorn in a thread until the test ends."""
    with _serving() as start:
        yield start


@pytest.fixture(scope="module")
def serve_module() -> Iterator[Serve]:
    """``serve_module(asgi_app) -> base URL``: as ``serve``, but the server lives as long as the
    test module, so that a module builds and serves its (slow to seed) application once."""
    with _serving() as start:
        yield start


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """``shot(page, name)``: a full-page screenshot at test-artifacts/screenshots/<test>-<name>.png."""

    def take(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{_artifact_name(request, name)}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


def _describe(violation: dict[str, Any]) -> str:
    nodes = violation.get("nodes") or []
    target = nodes[0]["target"][0] if nodes and nodes[0].get("target") else "(no target)"
    more = f" (and {len(nodes) - 1} more)" if len(nodes) > 1 else ""
    return (
        f"- {violation['id']} [{violation.get('impact')}]: {violation.get('help')}"
        f" at {target}{more}"
    )


@pytest.fixture
def axe_check(request: pytest.FixtureRequest) -> AxeCheck:
    """``axe_check(page, name)``: axe-core on the current page; fails on serious or critical issues.

    The full result is written to test-artifacts/axe/<test>-<name>.json whatever the outcome.
    """
    axe = Axe()

    def check(page: Page, name: str) -> dict[str, Any]:
        # options=None: axe-core's complete result (passes and incomplete too), for the artifact.
        result: dict[str, Any] = axe.run(page, options=None).response
        AXE_RESULTS.mkdir(parents=True, exist_ok=True)
        path = AXE_RESULTS / f"{_artifact_name(request, name)}.json"
        path.write_text(json.dumps(result, indent=2), encoding="utf-8")
        blocking = [v for v in result.get("violations", []) if v.get("impact") in BLOCKING_IMPACTS]
        if blocking:
            lines = "\n".join(_describe(v) for v in blocking)
            raise AssertionError(
                f"axe-core found {len(blocking)} serious or critical accessibility violation(s)"
                f" on {page.url} ({name}); full result in {path.relative_to(ROOT)}:\n{lines}"
            )
        return result

    return check
