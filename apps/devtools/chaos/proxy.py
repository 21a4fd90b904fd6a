"""A small TCP fault proxy for the chaos experiments: latency, resets, blackhole, down/up.

It sits between a client (a worker, gunicorn) and a server (Redis, the HMRC
sandbox) on loopback. A control port takes one JSON object per line and answers
with the proxy's whole mode, so an experiment can change the faults while
traffic flows::

    {"latency_ms": 500, "jitter_ms": 50}    each chunk waits, both directions
    {"response_delay_ms": 8000}            only server-to-client chunks wait (the request arrives)
    {"reset": true}                        every connection, open or new, is reset (RST)
    {"blackhole": true}                    accept and read, never forward, never answer
    {"down": true}                         refuse new connections and close the open ones
    {"clear": true}                        back to a clean pipe
    {}                                     just report

Run it as ``python -m apps.devtools.chaos.proxy --listen 57410 --target 127.0.0.1:57401 --control 57411``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import socket
import struct
from dataclasses import asdict, dataclass, field

CHUNK = 65536


@dataclass
class Mode:
    latency_ms: int = 0
    jitter_ms: int = 0
    response_delay_ms: int = 0
    reset: bool = False
    blackhole: bool = False
    down: bool = False

    def delay(self, downstream: bool) -> float:
        ms = self.latency_ms + (self.response_delay_ms if downstream else 0)
        if self.jitter_ms:
            ms += random.uniform(-self.jitter_ms, self.jitter_ms)  # noqa: S311 (fault injection, not crypto)
        return max(ms, 0) / 1000


@dataclass
class FaultProxy:
    """Forward ``listen`` to ``target`` with the faults of ``mode``."""

    listen_port: int
    target_host: str
    target_port: int
    control_port: int
    host: str = "127.0.0.1"
    mode: Mode = field(default_factory=Mode)
    connections: int = 0
    _open: set[asyncio.StreamWriter] = field(default_factory=set)

    async def serve(self) -> None:
        data = await asyncio.start_server(self._client, self.host, self.listen_port, reuse_address=True)
        control = await asyncio.start_server(self._control, self.host, self.control_port, reuse_address=True)
        async with data, control:
            await asyncio.gather(data.serve_forever(), control.serve_forever())

    def apply(self, change: dict) -> dict:
        if change.get("clear"):
            self.mode = Mode()
        for key, value in change.items():
            if key != "clear" and hasattr(self.mode, key):
                setattr(self.mode, key, type(getattr(self.mode, key))(value))
        if self.mode.down or self.mode.reset:
            for writer in list(self._open):
                _abort(writer, reset=self.mode.reset)
        return {**asdict(self.mode), "connections": self.connections, "open": len(self._open)}

    async def _control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while line := await reader.readline():
                try:
                    answer = self.apply(json.loads(line or b"{}"))
                except (ValueError, TypeError) as exc:
                    answer = {"error": str(exc)}
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.mode.down or self.mode.reset:
            _abort(writer, reset=self.mode.reset)
            return
        if self.mode.blackhole:
            self._open.add(writer)
            with contextlib.suppress(ConnectionError):
                while await reader.read(CHUNK):
                    pass
            self._open.discard(writer)
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            _abort(writer, reset=True)
            return
        self._open.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer, False), self._pipe(up_reader, writer, True))
        self._open.difference_update((writer, up_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, downstream: bool) -> None:
        try:
            while data := await reader.read(CHUNK):
                if self.mode.blackhole:
                    continue
                if wait := self.mode.delay(downstream):
                    await asyncio.sleep(wait)
                if self.mode.reset or self.mode.down:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            _abort(writer, reset=self.mode.reset)


def _abort(writer: asyncio.StreamWriter, *, reset: bool) -> None:
    """Close; with ``reset`` send an RST (SO_LINGER 0) instead of a polite FIN."""
    sock = writer.get_extra_info("socket")
    if reset and sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(Exception):
        writer.transport.abort() if reset else writer.close()


def control(port: int, change: dict | None = None, *, timeout: float = 5.0) -> dict:
    """Send one change to a proxy's control port and return its mode."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(json.dumps(change or {}).encode() + b"\n")
        answer = sock.makefile("rb").readline()
    return json.loads(answer)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--target", required=True, help="host:port")
    parser.add_argument("--control", type=int, required=True)
    args = parser.parse_args(argv)
    host, port = args.target.rsplit(":", 1)
    asyncio.run(FaultProxy(args.listen, host, int(port), args.control).serve())


if __name__ == "__main__":
    main()
