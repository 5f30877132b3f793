"""The access log without query strings (issue 16, item 1): a search's names and A-numbers
travel in the address and must not reach a log line. uvicorn's own access record is filtered
through the logging configuration the server starts with. The person is invented."""

from __future__ import annotations

import logging

from duecourse.web.server import NoQueryStrings, log_config


def test_the_access_log_drops_the_query_string() -> None:
    config = log_config()
    # On the logger itself: whatever handler the record reaches has it filtered.
    assert config["loggers"]["uvicorn.access"]["filters"] == ["no_query_strings"]
    assert config["filters"]["no_query_strings"]["()"].endswith(".NoQueryStrings")
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:50000", "GET", "/search?q=Quillfeather&a_number=A209876543", "1.1", 200),
        None)
    assert NoQueryStrings().filter(record)
    line = record.getMessage()
    assert line == '127.0.0.1:50000 - "GET /search HTTP/1.1" 200'
    assert "Quillfeather" not in line and "A209876543" not in line


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_handler_of_a_parent_logger_gets_the_line_without_its_query() -> None:
    """A deployment's own handler (on a parent logger, reached by propagation) is not uvicorn's
    access handler: the filter on the logger covers it too."""
    parent, child = logging.getLogger("dc-test"), logging.getLogger("dc-test.access")
    kept = _Kept()
    parent.addHandler(kept)
    child.addFilter(NoQueryStrings())
    try:
        child.warning('%s - "%s %s HTTP/%s" %d', "10.0.0.1:1", "GET",
                      "/api/v1/persons?q=Quillfeather", "1.1", 200)
    finally:
        parent.removeHandler(kept)
    assert kept.lines == ['10.0.0.1:1 - "GET /api/v1/persons HTTP/1.1" 200']
