"""Serving: every connection has Nagle's algorithm off, and ``duecourse serve --workers 2`` serves.

With several workers uvicorn binds the listening socket itself, with protocol number 0, and
asyncio then leaves Nagle on for its connections: a response written in two parts waited for the
client's delayed ACK (40 ms). duecourse's HTTP protocol turns it off on every connection.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import subprocess
import sys
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn
from uvicorn.server import ServerState

from duecourse.app import collector
from duecourse.app.collector import settle
from duecourse.web.server import NoDelayHTTP


async def _asgi(scope: dict[str, object], receive: object, send: object) -> None:
    raise AssertionError("no request is sent")


def test_connections_of_a_protocol_zero_socket_have_nagle_off() -> None:
    async def accept_one() -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # protocol 0, as uvicorn binds
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        config = uvicorn.Config(app=_asgi, lifespan="off", log_level="warning")
        config.load()
        state = ServerState()
        made: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(NoDelayHTTP):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                super().connection_made(transport)
                sock = transport.get_extra_info("socket")
                made.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        server = await asyncio.get_running_loop().create_server(
            lambda: Probe(config, state, {}), sock=listener)
        _reader, writer = await asyncio.open_connection(*listener.getsockname())
        try:
            return await asyncio.wait_for(made, 5)
        finally:
            writer.close()
            server.close()

    # In a thread of its own: a browser test may have left an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, accept_one()).result(timeout=30) != 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_served_process_keeps_what_it_built_out_of_the_collector() -> None:
    # The objects of a built app are frozen (a full collection no longer walks them), and cyclic
    # garbage made before is collected first, not frozen with them.
    class Cycle:
        def __init__(self) -> None:
            self.me = self

    garbage = weakref.ref(Cycle())
    assert garbage() is not None  # a cycle: only the collector frees it
    try:
        settle()
        assert garbage() is None
        assert gc.get_freeze_count() > 10 * len(gc.get_objects())
    finally:
        collector._SERVING[0] = False  # this test process serves nothing
        gc.unfreeze()


def test_serve_with_two_workers(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DUECOURSE_ENV": "development"}
    exe = Path(sys.executable).with_name("duecourse")
    proc = subprocess.Popen(
        [str(exe), "serve", "--init", "--port", str(port), "--workers", "2",
         "--db", f"sqlite:///{tmp_path / 'serve.db'}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2).status_code
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert status == 200, proc.stdout.read().decode() if proc.poll() is not None and proc.stdout else ""
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
            assert c.get("/api/v1/me").status_code == 401  # the API answers, and asks who is asking
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert b"2 workers" in out, out.decode(errors="replace")[-2000:]
