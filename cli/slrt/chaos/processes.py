"""Services as separate processes, as they run in production (``slrt serve <service>``), for ``slrt chaos``
and the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HOST = "127.0.0.1"


def listening_socket(host: str = HOST) -> socket.socket:
    """A TCP socket bound to a port the kernel chose, already listening (so no one can take the port); a
    service process inherits it (``SLRT_LISTEN_FD``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class ServiceProcess:
    """One service process serving HTTP on ``sock``, a listening socket the test holds: the process inherits it
    (``SLRT_LISTEN_FD``), so no port is picked and bound later, and a restart after a kill serves the same
    port."""

    def __init__(self, service: str, env: dict[str, str], sock: socket.socket, log_dir: Path) -> None:
        self.service, self.sock = service, sock
        self.port = int(sock.getsockname()[1])
        self.env = {**os.environ, **env, f"SLRT_{service.upper()}_PORT": str(self.port),
                    "SLRT_LISTEN_FD": str(sock.fileno()), "PYTHONUNBUFFERED": "1", "SLRT_LOG_FORMAT": "json"}
        self.log_path = log_dir / f"{service}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "slrt.cli", "serve", self.service], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, pass_fds=(self.sock.fileno(),))
        return self

    def wait_ready(self, timeout: float = 90) -> ServiceProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.tail()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.service} not ready in {timeout}s\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def close(self) -> None:
        self.stop()
        self.sock.close()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""
