"""``slrt dev``: the whole system on one machine, for development and demonstrations.

The embedded broker (unless ``SLRT_KAFKA_BOOTSTRAP`` is set), development SMTP/SMS sinks (unless real ones
are configured), and the four services as separate processes with prefixed logs; SQLite files under
``./var/``, and there a random pseudonym key of that folder (``dev-pseudonym-key``, key id ``dev``) unless
``SLRT_PSEUDONYM_KEY`` is set. Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx
from slrt_shared.embedded_broker import EmbeddedBroker, port_is_free
from slrt_shared.pseudonyms import DEV_KEY_ID, dev_key

from slrt.settings import SERVED, SERVICES, CliSettings

COLOURS = {"broker": 90, "sinks": 35, "intake": 36, "routing": 33, "notification": 32, "reporting": 34}


class Supervisor:
    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self._tty = sys.stdout.isatty()
        self._lock = threading.Lock()

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        prefix = f"\x1b[{COLOURS.get(name, 0)}m{name:>12}\x1b[0m |" if self._tty else f"{name:>12} |"
        for raw in iter(stream.readline, b""):
            with self._lock:
                sys.stdout.write(f"{prefix} {raw.decode('utf-8', 'replace').rstrip()}\n")
                sys.stdout.flush()

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.children[name] = proc
        threading.Thread(target=self._pump, args=(name, proc.stdout), daemon=True).start()

    def dead(self) -> list[str]:
        return [n for n, p in self.children.items() if p.poll() is not None]

    def stop(self) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 8
        for proc in self.children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()


def taken_ports(settings: CliSettings, *, broker: bool, sinks: bool) -> list[str]:
    wanted = {f"{s} ({settings.service_port(s)})": settings.service_port(s) for s in SERVED}
    if broker:
        wanted[f"broker ({settings.broker_port})"] = settings.broker_port
    if sinks:
        wanted[f"SMTP sink ({settings.sink_smtp_port})"] = settings.sink_smtp_port
        wanted[f"sink page ({settings.sink_http_port})"] = settings.sink_http_port
    return [label for label, port in wanted.items() if not port_is_free(port)]


def wait_ready(settings: CliSettings, sup: Supervisor, timeout: float = 90.0) -> list[str]:
    pending = set(SERVED)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline and not sup.dead():
        for name in list(pending):
            try:
                if httpx.get(f"http://127.0.0.1:{settings.service_port(name)}/readyz", timeout=1).status_code == 200:
                    pending.discard(name)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    return sorted(pending)


def pseudonym_env(settings: CliSettings, var: Path) -> dict[str, str]:
    """Intake's pseudonym key: the one configured, or a random development key of the folder (never a
    published value: intake refuses those)."""
    if settings.pseudonym_key:
        return {}
    return {"SLRT_PSEUDONYM_KEY": dev_key(var), "SLRT_PSEUDONYM_KEY_ID": DEV_KEY_ID}


def console_env(settings: CliSettings) -> dict[str, str]:
    """Where the console finds the services `slrt dev` starts, and where it is reached."""
    return {**{f"SLRT_CONSOLE_{name.upper()}_URL": f"http://127.0.0.1:{settings.service_port(name)}"
               for name in ("intake", "routing", "reporting")},
            "SLRT_CONSOLE_PUBLIC_URL": f"http://127.0.0.1:{settings.console_port}",
            "SLRT_STATUS_PAGE_URL": f"http://127.0.0.1:{settings.console_port}/status",
            # citizens reach intake's POST /v1/status through the console, which appends their address
            "SLRT_STATUS_TRUSTED_PROXIES": "1"}


def run_dev(settings: CliSettings) -> int:
    embedded = settings.kafka_bootstrap is None
    dev_sinks = settings.smtp_host is None and settings.sms_gateway_url is None
    taken = taken_ports(settings, broker=embedded, sinks=dev_sinks)
    if taken:
        print("slrt dev: these ports are taken: " + ", ".join(taken)
              + ".\nStop what runs there, or choose other ports with SLRT_BROKER_PORT, SLRT_INTAKE_PORT, "
              "SLRT_ROUTING_PORT, SLRT_NOTIFICATION_PORT, SLRT_REPORTING_PORT, SLRT_CONSOLE_PORT, SLRT_SINK_SMTP_PORT, "
              "SLRT_SINK_HTTP_PORT.", file=sys.stderr)
        return 1
    var = settings.var_dir.resolve()
    var.mkdir(parents=True, exist_ok=True)
    token = settings.dev_admin_token or secrets.token_urlsafe(24)
    broker = EmbeddedBroker(port=settings.broker_port, log_path=var / "broker.log") if embedded else None
    sup = Supervisor()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        if broker:
            broker.start()
            print(f"embedded broker on {broker.bootstrap} (memory only; log in {var / 'broker.log'})", flush=True)
        env = dict(os.environ)
        env.update({
            "SLRT_KAFKA_BOOTSTRAP": settings.kafka_bootstrap or broker.bootstrap,  # type: ignore[union-attr]
            "SLRT_LOG_FORMAT": env.get("SLRT_LOG_FORMAT", "console"),
            "SLRT_DEV_ADMIN_TOKEN": token,
            "SLRT_VAR_DIR": str(var),  # the development signing key of `slrt token issue` lives here
            "PYTHONUNBUFFERED": "1",
            "SLRT_TRACE_FILE": str(settings.spans_file),  # every service's spans, for `slrt trace`
        })
        env.update(pseudonym_env(settings, var))
        for name in SERVICES:
            env[f"SLRT_{name.upper()}_DATABASE_URL"] = settings.database_url(name)
        if dev_sinks:
            env.update({"SLRT_SMTP_HOST": "127.0.0.1", "SLRT_SMTP_PORT": str(settings.sink_smtp_port),
                        "SLRT_SMS_GATEWAY_URL": f"http://127.0.0.1:{settings.sink_http_port}/sms",
                        "SLRT_SMS_GATEWAY_TOKEN": "dev-sms-token"})
            sup.start("sinks", [sys.executable, "-m", "slrt.cli", "sinks", "--dir", str(var / "sinks")], env)
        env.update(console_env(settings))
        for name in SERVED:
            sup.start(name, [sys.executable, "-m", "slrt.cli", "serve", name], env)
        missing = wait_ready(settings, sup)
        if missing or sup.dead():
            print(f"slrt dev: not ready: {', '.join(missing or sup.dead())}; see the log lines above",
                  file=sys.stderr)
            return 1
        _banner(settings, token, var, dev_sinks)
        while not stopping.wait(0.5):
            if sup.dead():
                print(f"slrt dev: {', '.join(sup.dead())} stopped; stopping everything", file=sys.stderr)
                return 1
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nstopping…", flush=True)
        sup.stop()
        if broker:
            broker.stop()


def _banner(settings: CliSettings, token: str, var: Path, sinks: bool) -> None:
    lines = [
        "",
        "SLRT is running.",
        f"  Console           http://127.0.0.1:{settings.console_port}/   (development sign-in: role, region)",
        f"  Citizens' status  http://127.0.0.1:{settings.console_port}/status",
        f"  Dashboard         http://127.0.0.1:{settings.reporting_port}/",
        f"  Register a case   POST http://127.0.0.1:{settings.intake_port}/v1/cases   (docs: /docs)",
        f"  Routing rules     http://127.0.0.1:{settings.routing_port}/v1/rules",
        f"  Admin token       {token}   (nasional; send it as: Authorization: Bearer <token>)",
        "  Scoped tokens     .venv/bin/slrt token issue --role operator --region 32.01.01",
        "                    (roles: operator, supervisor, owner --owner <id>, analyst, admin; --ttl 8h)",
        f"  A case's trace    .venv/bin/slrt trace <case_number>   (spans in {settings.spans_file})",
        f"  Metrics           http://127.0.0.1:{settings.intake_port}/metrics   (every service on its port)",
    ]
    if sinks:
        lines.append(f"  Mail and SMS sent http://127.0.0.1:{settings.sink_http_port}/   (files in {var / 'sinks'})")
    lines += [f"  Databases         {var}/*.db (delete {var} to start from nothing)",
              "  Demo data         .venv/bin/slrt demo", "  Ctrl-C stops everything.", ""]
    print("\n".join(lines), flush=True)
