"""The access log without query strings (issue 16, item 1): a search's names and A-numbers
travel in the address and must not reach a log line. uvicorn's own access record is filtered
through the logging configuration the server starts with. The person is invented."""

from __future__ import annotations

import logging

from duecourse.web.server import NoQueryStrings, log_config


def test_the_access_log_drops_the_query_string() -> None:
    config = log_config()
    assert config["handlers"]["access"]["filters"] == ["no_query_strings"]
    assert config["filters"]["no_query_strings"]["()"].endswith(".NoQueryStrings")
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:50000", "GET", "/search?q=Quillfeather&a_number=A209876543", "1.1", 200),
        None)
    assert NoQueryStrings().filter(record)
    line = record.getMessage()
    assert line == '127.0.0.1:50000 - "GET /search HTTP/1.1" 200'
    assert "Quillfeather" not in line and "A209876543" not in line
