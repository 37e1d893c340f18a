"""A broker behind a cuttable link: the embedded broker advertises a proxy's address, so every client
connection goes through the proxy; cutting it is a network outage while the broker keeps its topics."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from slrt.chaos.link import Link
from slrt_shared.embedded_broker import broker_binary, wait_for_port

from tests.support.ports import unused_port


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
