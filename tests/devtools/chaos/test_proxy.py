"""The fault proxy on loopback: a clean pipe, latency and jitter accepted, resets, down and up, blackhole.

Ports from H4's range (57480-57489); nothing asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time

import pytest

from apps.devtools.chaos.proxy import FaultProxy, control

ECHO, LISTEN, CONTROL = 57481, 57482, 57483


def _echo_server() -> socket.socket:
    server = socket.create_server(("127.0.0.1", ECHO), reuse_port=False)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=_echo, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return server


def _echo(conn: socket.socket) -> None:
    with conn, contextlib.suppress(OSError):
        while data := conn.recv(4096):
            conn.sendall(data)


@pytest.fixture(scope="module")
def proxy():
    server = _echo_server()
    loop = asyncio.new_event_loop()
    instance = FaultProxy(LISTEN, "127.0.0.1", ECHO, CONTROL)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    serving = asyncio.run_coroutine_threadsafe(instance.serve(), loop)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            control(CONTROL)
            break
        time.sleep(0.05)
    yield instance
    serving.cancel()
    with contextlib.suppress(Exception):
        serving.exception(timeout=5)

    async def finish_handlers() -> None:
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(finish_handlers(), loop).result(timeout=5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.close()
    server.close()


@pytest.fixture(autouse=True)
def clean(proxy):
    control(CONTROL, {"clear": True})
    yield
    control(CONTROL, {"clear": True})


def roundtrip(payload: bytes = b"ping") -> bytes:
    with socket.create_connection(("127.0.0.1", LISTEN), timeout=5) as sock:
        sock.sendall(payload)
        return sock.recv(4096)


def test_a_clean_proxy_is_a_pipe():
    assert roundtrip(b"hello") == b"hello"
    assert control(CONTROL)["connections"] >= 1


def test_latency_and_jitter_are_set_and_data_still_flows():
    mode = control(CONTROL, {"latency_ms": 50, "jitter_ms": 10})
    assert (mode["latency_ms"], mode["jitter_ms"]) == (50, 10)
    assert roundtrip(b"slow") == b"slow"


def test_reset_refuses_new_connections_with_an_rst_and_clear_restores():
    control(CONTROL, {"reset": True})
    with pytest.raises((ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        with socket.create_connection(("127.0.0.1", LISTEN), timeout=5) as sock:
            time.sleep(0.2)  # the proxy aborts on accept; the next read sees the RST
            sock.sendall(b"x")
            if sock.recv(10) == b"":
                raise ConnectionResetError("closed")
    control(CONTROL, {"clear": True})
    assert roundtrip() == b"ping"


def test_down_closes_open_connections():
    with socket.create_connection(("127.0.0.1", LISTEN), timeout=5) as sock:
        sock.sendall(b"a")
        assert sock.recv(10) == b"a"
        control(CONTROL, {"down": True})
        sock.settimeout(5)
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(10) == b""  # closed by the proxy


def test_blackhole_answers_nothing():
    control(CONTROL, {"blackhole": True})
    with socket.create_connection(("127.0.0.1", LISTEN), timeout=5) as sock:
        sock.sendall(b"anyone there?")
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(10)


def test_bad_control_input_is_answered_not_fatal():
    with socket.create_connection(("127.0.0.1", CONTROL), timeout=5) as sock:
        sock.sendall(b"not json\n")
        assert b"error" in sock.makefile("rb").readline()
    assert roundtrip() == b"ping"
