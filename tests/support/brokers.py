"""Embedded brokers for tests, started on a port below the ephemeral range and retried on another port if
something took it between the pick and the bind."""

from __future__ import annotations

from pathlib import Path

from slrt_shared.embedded_broker import EmbeddedBroker, PortTaken

from tests.support.ports import unused_port


def start_broker(log_path: Path | None = None, *, attempts: int = 5) -> EmbeddedBroker:
    failures = []
    for _ in range(attempts):
        broker = EmbeddedBroker(port=unused_port(), log_path=log_path)
        try:
            broker.start()
        except (PortTaken, TimeoutError) as exc:
            failures.append(f"{broker.port}: {exc}")
            continue
        if broker.running:  # it answered on its port and did not exit: the port is its own
            return broker
        failures.append(f"{broker.port}: the broker exited (port taken by another program?)")
        broker.stop()
    raise RuntimeError("the embedded broker did not start: " + "; ".join(failures))
