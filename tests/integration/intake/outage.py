"""A broker behind a cuttable link: the embedded broker advertises a proxy's address, so every client
connection goes through the proxy; cutting it is a network outage while the broker keeps its topics."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from pathlib import Path

from slrt_shared.embedded_broker import broker_binary, wait_for_port

from tests.support.ports import unused_port


class Link:
    """A TCP proxy from ``listen_port`` to ``target_port`` that can be cut (every connection closed) and
    restored."""

    def __init__(self, listen_port: int, target_port: int) -> None:
        self.listen_port, self.target_port = listen_port, target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.listen_port, reuse_address=True)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            broker_reader, broker_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.close()
            return
        self._writers |= {client_writer, broker_writer}
        await asyncio.gather(self._pipe(client_reader, broker_writer), self._pipe(broker_reader, client_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()
        self._writers.discard(writer)


class BrokerBehindLink:
    def __init__(self, log_path: Path) -> None:
        self.broker_port, self.link_port = unused_port(), unused_port()
        self.link = Link(self.link_port, self.broker_port)
        self._log = log_path.open("ab")
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.link_port}"

    def _launch(self) -> None:
        self._proc = subprocess.Popen(
            [broker_binary(), "broker", "--listener-url", f"tcp://127.0.0.1:{self.broker_port}",
             "--advertised-listener-url", f"tcp://127.0.0.1:{self.link_port}"],
            stdout=self._log, stderr=subprocess.STDOUT)
        wait_for_port(self.broker_port)

    async def start(self) -> None:
        await asyncio.to_thread(self._launch)
        await self.link.up()

    async def stop(self) -> None:
        await self.link.cut()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            await asyncio.to_thread(self._proc.wait, 5)
        self._log.close()
