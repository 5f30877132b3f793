"""A request-size limit (issue 16): a body past DUECOURSE_MAX_REQUEST_BYTES (1 MiB by default)
is answered 413, from anyone (no sign-in needed to send one), before it is read into memory —
announced by its Content-Length or streamed without one."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from .support import Site, build_site, call_asgi

LIMIT = 1024 * 1024
CHUNK = 64 * 1024
HUGE = 200 * 1024 * 1024


@pytest.fixture
def site(db_url: str) -> Site:
    return build_site(db_url)


def _streamed(web: Any, path: str, chunks: Iterator[bytes],
              content_type: bytes) -> tuple[int, bytes, int]:
    """POST ``chunks`` to ``path`` as a server passes a body without a length: part by part, as
    the application asks for them. The status, body, and how many bytes were asked for."""
    pulled = 0
    out: list[dict[str, Any]] = []
    scope = {"type": "http", "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"testserver"), (b"content-type", content_type),
                         (b"transfer-encoding", b"chunked")],
             "client": ("192.0.2.1", 40000), "server": ("testserver", 80)}

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        out.append(message)

    call_asgi(web, scope, receive, send)
    body = b"".join(m.get("body", b"") for m in out if m["type"] == "http.response.body")
    return out[0]["status"], body, pulled


def _zeros(total: int) -> Iterator[bytes]:
    for _ in range(total // CHUNK):
        yield b"0" * CHUNK


@pytest.mark.parametrize(("path", "kind"), [
    ("/api/v1/auth/token", b"application/json"),
    ("/sign-in", b"application/x-www-form-urlencoded"),
])
def test_a_streamed_body_past_the_limit_is_refused_after_reading_little_more(
        site: Site, path: str, kind: bytes) -> None:
    # a body of exactly the limit is read whole and answered (wrong password, expired form)
    status, _, pulled = _streamed(site.web, path, _zeros(LIMIT), kind)
    assert status in (401, 403, 422) and pulled == LIMIT
    status, body, pulled = _streamed(site.web, path, _zeros(HUGE), kind)
    assert status == 413
    assert LIMIT < pulled <= LIMIT + CHUNK  # reading stopped at the first part past the limit
    text = json.loads(body)["message"] if path.startswith("/api/") else body.decode()
    assert "too large: at most 1,048,576 bytes" in text.lower()


@pytest.fixture
def served(site: Site) -> Iterator[int]:
    """The site served by uvicorn on a free port, in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(site.web, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(10)


def _head(port: int, framing: str) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(f"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\n"
                 f"Content-Type: application/json\r\n{framing}\r\n\r\n".encode())
    return conn


def _status(conn: socket.socket) -> str:
    return conn.recv(65536).split(b"\r\n", 1)[0].decode()


def test_a_declared_length_past_the_limit_is_refused_before_the_body_is_sent(
        served: int) -> None:
    with _head(served, f"Content-Length: {HUGE}") as conn:  # and not a byte of the body
        assert _status(conn) == "HTTP/1.1 413 Request Entity Too Large"


def test_a_chunked_body_past_the_limit_is_refused_while_it_is_sent(served: int) -> None:
    with _head(served, "Transfer-Encoding: chunked") as conn:
        part = f"{CHUNK:x}\r\n".encode() + b"0" * CHUNK + b"\r\n"
        sent = 0
        while sent < HUGE:
            answered, writable, _ = select.select([conn], [conn], [], 10)
            if answered or not writable:  # the server answered, or reads no more
                break
            try:
                sent += conn.send(part[sent % len(part):])
            except OSError:  # it closed the connection
                break
        assert _status(conn) == "HTTP/1.1 413 Request Entity Too Large"
    assert sent < HUGE // 10


def test_the_limit_is_a_setting(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_MAX_REQUEST_BYTES", "4096")
    client = build_site(db_url).client()
    small = client.post("/api/v1/auth/token", content=b"{" + b" " * 4000 + b"}",
                        headers={"Content-Type": "application/json"})
    assert small.status_code == 422  # read, and found wanting
    big = client.post("/api/v1/auth/token", content=b"{" + b" " * 5000 + b"}",
                      headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and big.json() == {
        "error": "too_large", "field": None, "details": [],
        "message": "the request is too large: at most 4,096 bytes may be sent; nothing of it "
                   "was done"}
    assert big.headers["X-Content-Type-Options"] == "nosniff"  # an answer like any other
