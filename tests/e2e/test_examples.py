"""The integration kit's examples (``examples/``) against the system started as ``make run`` starts it
(``slrt dev``: the embedded broker, the four services, the development sinks), each run as an agency would
run it: a separate process with a token from ``slrt token issue``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SLRT = [sys.executable, "-m", "slrt.cli"]


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [int(s.getsockname()[1]) for s in socks]
    for s in socks:
        s.close()
    return ports


@dataclass
class Dev:
    env: dict[str, str]
    folder: Path

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.env[f'SLRT_{service.upper()}_PORT']}"

    def token(self, role: str, region: str, owner: str | None = None) -> str:
        args = [*SLRT, "token", "issue", "--role", role, "--region", region, *(["--owner", owner] if owner else [])]
        out = subprocess.run(args, env=self.env, cwd=self.folder, capture_output=True, text=True, check=True,
                             timeout=60).stdout
        return out.strip().splitlines()[-1]

    def run(self, script: str, *args: str, token: str, timeout: float = 120,
            **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(EXAMPLES / script), *args],
                              env={**self.env, "SLRT_TOKEN": token, **env}, cwd=self.folder, capture_output=True,
                              text=True, timeout=timeout)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    folder = tmp_path_factory.mktemp("make-run")
    broker, intake, routing, notification, reporting, smtp, sinks, console = _free_ports(8)
    env = {**os.environ, "SLRT_VAR_DIR": str(folder / "var"), "SLRT_BROKER_PORT": str(broker),
           "SLRT_INTAKE_PORT": str(intake), "SLRT_ROUTING_PORT": str(routing),
           "SLRT_NOTIFICATION_PORT": str(notification), "SLRT_REPORTING_PORT": str(reporting),
           "SLRT_SINK_SMTP_PORT": str(smtp), "SLRT_SINK_HTTP_PORT": str(sinks), "SLRT_CONSOLE_PORT": str(console),
           "PYTHONUNBUFFERED": "1",
           "SLRT_KAFKA_BOOTSTRAP": ""}
    env.pop("SLRT_KAFKA_BOOTSTRAP")  # the embedded broker, as `make run` starts it
    for name in ("SLRT_PSEUDONYM_KEY", "SLRT_DEV_ADMIN_TOKEN"):
        env.pop(name, None)
    log = (folder / "dev.log").open("wb")
    process = subprocess.Popen([*SLRT, "dev"], env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "SLRT is running." not in (folder / "dev.log").read_text(errors="replace"):
            assert process.poll() is None and time.monotonic() < deadline, (folder / "dev.log").read_text()[-3000:]
            time.sleep(0.5)
        yield Dev({**env, "SLRT_KAFKA_BOOTSTRAP": f"127.0.0.1:{broker}",
                   "PYTHONPATH": str(EXAMPLES)}, folder)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_make_run_serves_the_console_and_prints_where(dev: Dev) -> None:
    port = dev.env["SLRT_CONSOLE_PORT"]
    banner = (dev.folder / "dev.log").read_text()
    assert f"http://127.0.0.1:{port}/ " in banner and f"http://127.0.0.1:{port}/status" in banner
    signin = httpx.get(f"http://127.0.0.1:{port}/signin", timeout=10)
    assert signin.status_code == 200 and 'name="role"' in signin.text  # the development sign-in
    assert httpx.get(f"http://127.0.0.1:{port}/status", timeout=10).status_code == 200
    assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200


def test_the_examples_work_against_the_system_make_run_starts(dev: Dev) -> None:
    operator = dev.token("operator", "32.01")
    # a subscriber that cannot run a Kafka consumer: webhooks, signatures checked (it runs while the cases come)
    [receiver_port] = _free_ports(1)
    receiver = subprocess.Popen([sys.executable, str(EXAMPLES / "webhook_receiver.py"), "--region", "32.01",
                                 "--port", str(receiver_port), "--out", str(dev.folder / "hooks.jsonl"),
                                 "--seconds", "90"],
                                env={**dev.env, "SLRT_TOKEN": operator,
                                     "SLRT_NOTIFICATION_URL": dev.url("notification")},
                                cwd=dev.folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert receiver.stdout is not None and "subscribed" in receiver.stdout.readline()
        time.sleep(2)  # notification knows it has a subscriber

        # an agency files cases by command and reads the replies: Python with the contracts package
        filed = dev.run("file_cases.py", token=operator)
        assert filed.returncode == 0, filed.stderr + filed.stdout
        lines = filed.stdout.splitlines()
        assert sum(line.startswith("accepted ") for line in lines) == 2, lines
        lines = [line.replace(" linked=False", "") for line in lines]
        rejected = [line for line in lines if line.startswith("rejected ")]
        assert len(rejected) == 1 and "data.address.region_code: region_unknown" in rejected[0]
        assert "data.consent: consent_required" in rejected[0] and "data.needs" in rejected[0]

        # the same with confluent-kafka (librdkafka): the same citizens and needs, so linked to their open cases
        confluent = dev.run("file_cases_confluent.py", token=operator)
        assert confluent.returncode == 0, confluent.stderr + confluent.stdout
        numbers = sorted(line.split()[-1] for line in lines if line.startswith("accepted "))
        assert sorted(line.split()[-1] for line in confluent.stdout.splitlines()) == numbers

        # a programme owner's system answers the referrals addressed to it
        owner = dev.token("owner", "32.01", owner="dinsos-pkh@32.01")

        def referrals_waiting() -> bool:
            page = httpx.get(f"{dev.url('routing')}/v1/referrals", params={"status": "dispatched"},
                             headers={"Authorization": f"Bearer {owner}"}, timeout=10).json()
            return len(page["items"]) >= 1

        _wait(referrals_waiting, 60)  # the PKH referral of Siti Aminah's case
        answered = dev.run("answer_referrals.py", token=owner, SLRT_ROUTING_URL=dev.url("routing"))
        assert answered.returncode == 0, answered.stderr + answered.stdout
        answers = [line.split() for line in answered.stdout.splitlines()]
        assert len(answers) == 1 and answers[0][3] in numbers and answers[0][4] == "PKH", answered.stdout

        # a subscriber keeps its own table of case statuses from slrt.case.events: twice, idempotent
        table = str(dev.folder / "statuses.db")
        first = dev.run("case_statuses.py", table, "--seconds", "8", token="")
        assert first.returncode == 0, first.stderr
        rows = first.stdout.splitlines()[1:]
        assert [row.split()[:2] for row in rows] == [[n, "referred"] for n in numbers], first.stdout
        again = dev.run("case_statuses.py", table, "--seconds", "5", token="")
        assert again.stdout.splitlines()[0] == "0 new events" and again.stdout.splitlines()[1:] == rows

        def hooked() -> bool:
            path = dev.folder / "hooks.jsonl"
            return path.exists() and len(path.read_text().splitlines()) >= 2 + 2
        _wait(hooked, 60)  # the two registrations and their referrals, each verified
    finally:
        receiver.terminate()
        receiver.wait(timeout=30)
    events = [json.loads(line) for line in (dev.folder / "hooks.jsonl").read_text().splitlines()]
    assert len({e["id"] for e in events}) == len(events)
    assert sorted(e["data"]["case_number"] for e in events if e["type"] == "id.slrt.case.registered.v1") == numbers


def _wait(check, seconds: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.5)
