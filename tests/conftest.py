"""Fixtures every test may use (the real embedded broker, SQLite and PostgreSQL databases, topic prefixes,
service processes, Chromium) and the tiers: each test is marked from the fixtures it uses, so
``make test-fast`` can leave out everything that needs a broker, PostgreSQL, a browser or processes."""

from __future__ import annotations

import os
import secrets
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from slrt.chaos.processes import ServiceProcess
from slrt.scratch import PostgresServer
from slrt_shared.embedded_broker import EmbeddedBroker

from tests.support.brokers import start_broker
from tests.support.dependencies import chromium_path, require
from tests.support.ports import listening_socket

# What a fixture brings with it. A test using it gets these markers; a fixture parametrized over databases
# marks its "postgres" instances.
MARKS_BY_FIXTURE = {
    "kafka_broker": ("broker",),
    "broker_factory": ("broker",),
    "broker_behind_link": ("broker",),
    "service_processes": ("broker", "slow"),
    "system": ("broker", "e2e", "slow"),
    "drill": ("broker", "e2e", "slow"),
    "dev": ("broker", "e2e", "slow"),
    "chromium": ("browser",),
    "postgres": ("postgres",),
    "chaos": ("broker", "slow", "faults"),
}
MARKS_BY_PARAM = {"postgres": ("postgres",)}


def pytest_configure(config: pytest.Config) -> None:
    """One development signing key for the session (``tests.support.tokens``), in a folder of its own: every
    service the tests build or start reads ``SLRT_VAR_DIR`` and accepts its tokens. One random pseudonym key
    too: intake refuses to start without a strong one, in process or as a process (which inherit it)."""
    if "SLRT_VAR_DIR" not in os.environ:
        os.environ["SLRT_VAR_DIR"] = tempfile.mkdtemp(prefix="slrt-test-var-")
    os.environ.setdefault("SLRT_PSEUDONYM_KEY", secrets.token_urlsafe(32))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marks: set[str] = set()
        for name in getattr(item, "fixturenames", ()):
            marks.update(MARKS_BY_FIXTURE.get(name, ()))
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            for value in callspec.params.values():
                if isinstance(value, str):
                    marks.update(MARKS_BY_PARAM.get(value, ()))
        for mark in sorted(marks):
            item.add_marker(mark)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    """The random order's seed, at the end where a failed run's reader looks: pass it again to repeat the order."""
    seed = config.getoption("randomly_seed", default=None)
    if isinstance(seed, int):
        terminalreporter.write_line(f"test order: PYTEST_ARGS='--randomly-seed={seed}' make test")


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """One real Tansu broker for the session; tests isolate themselves with topic prefixes."""
    broker = start_broker(tmp_path_factory.mktemp("broker") / "broker.log")
    yield broker
    broker.stop()


@pytest.fixture
def broker_factory(tmp_path: Path) -> Iterator[Callable[[], EmbeddedBroker]]:
    """Brokers of the test's own (to stop, restart or lose), stopped at the end."""
    started: list[EmbeddedBroker] = []

    def make() -> EmbeddedBroker:
        broker = start_broker(tmp_path / f"broker-{len(started)}.log")
        started.append(broker)
        return broker

    yield make
    for broker in started:
        broker.stop()


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture(scope="session")
def postgres() -> PostgresServer:
    """The PostgreSQL server of ``SLRT_TEST_POSTGRES_URL`` (default 127.0.0.1:5432); skips when it does not
    answer, fails under CI=true."""
    server = PostgresServer.configured()
    require(server.answers(), f"PostgreSQL at {server.address} (SLRT_TEST_POSTGRES_URL)",
            "start it (apt-get install postgresql) or point SLRT_TEST_POSTGRES_URL at one")
    return server


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database: SQLite, and PostgreSQL (see the ``postgres`` fixture)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    async with server.database() as url:
        yield url


@pytest.fixture
def service_processes(tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    """Start services as processes (``slrt serve``), each on a listening socket it inherits; all are stopped at
    the end (a test may SIGKILL one first)."""
    started: list[ServiceProcess] = []

    def start(service: str, env: dict[str, str]) -> ServiceProcess:
        process = ServiceProcess(service, env, listening_socket(), tmp_path).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, for Playwright (no browser download)."""
    path = chromium_path()
    require(path is not None, "Chromium (/usr/bin/chromium)", "apt-get install chromium")
    assert path is not None
    return path
