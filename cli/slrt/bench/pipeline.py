"""``slrt bench pipeline``: the four services as ``slrt serve`` processes on one broker, carrying registrations
from an agency's commands and from HTTP into reporting's read model.

What it prints, all measured in one run on one broker:

- **throughput**: every registration sent at once (three in four as commands on ``slrt.intake.commands``, one in
  four as ``POST /v1/cases``), timed from the first send until reporting holds every case with all its
  referrals; beside it the raw pass-through (aiokafka producing and then draining the same number of messages
  of the same size on the same broker) and the ratio of the two;
- **stages**: when intake, routing and reporting each held the last case, so the slowest stage shows;
- **CPU seconds per case** of each service (``/proc/<pid>/stat`` over the run, idle work included) and each
  one's **peak memory** (``VmHWM``);
- **latency**: registrations over HTTP at half the sustained rate (or ``--latency-rate``), each timed from its
  ``POST`` until reporting holds the case with its referrals (polled every 5 ms), p50/p95/p99, and where they
  waited, step by step, from the times the services' own rows carry (``waits``).

``--open-cases N`` first loads N open cases straight into the four services' databases (``open_cases``: the
rows a registered, referred, still open case leaves in each), after the services have started and before the
warm-up, so the same figures can be compared with 10,000 and with 1,000,000 cases open; it prints the load time.

``--json`` writes the figures for comparing runs; ``--profile DIR`` records each service with py-spy during the
throughput phase and prints where its time goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from slrt_contracts.commands import CaseRegistration
from slrt_intake.settings import IntakeSettings
from slrt_shared.access.devkey import DevKey
from slrt_shared.access.principal import Principal, Role

from slrt.bench import open_cases, waits
from slrt.bench.raw_broker import RawBroker, measure
from slrt.bench.report import Report
from slrt.chaos.load import command_headers
from slrt.chaos.system import System
from slrt.people import Population

KABUPATEN = "32.01"  # every registration of the benchmark is in this kabupaten; loaded open cases never are
AGENCIES = 16  # commands keyed by 16 agencies' opaque ids, so they spread over the topic's partitions
HTTP_EVERY = 4
HTTP_CONCURRENCY = 16
POLL_SECONDS = 0.005
STALL_SECONDS = 120  # no progress for this long: the run stops and reports what arrived
BENCH_ENV = {
    "SLRT_WRITE_RATE_PER_SECOND": "0",  # the benchmark is one caller: no per-caller write limit
    "SLRT_WRITE_BURST": "100000",
    "SLRT_LOG_LEVEL": "WARNING",
    "SLRT_OUTBOX_POLL_SECONDS": "0.5",  # the services' default, as `make run` has it
}
CLOCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Options:
    cases: int = 3000
    latency_cases: int = 300
    latency_rate: float = 0.0  # registrations a second in the latency phase; 0: half what the run sustained
    database: str = "sqlite"  # or "postgres"
    instances: int = 1  # of each service, in one consumer group
    open_cases: int = 0  # loaded straight into the databases before the warm-up
    json_path: Path | None = None
    profile_dir: Path | None = None
    keep: Path | None = None


@dataclass
class Registration:
    body: dict[str, Any]
    by: str  # "command" or "http"
    ref: str
    needs: int
    value: bytes = b""


@dataclass
class Figures:
    commit: str
    database: str
    cases: int
    bootstrap: str
    instances: int = 1
    open_cases: int = 0
    open_cases_load_s: float = 0.0
    raw: dict[str, float] = field(default_factory=dict)
    cases_per_s: float = 0.0
    sustained_per_s: float = 0.0
    ratio: float = 0.0
    arrived: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    cpu_ms_per_case: dict[str, float] = field(default_factory=dict)
    idle_cpu_percent: dict[str, float] = field(default_factory=dict)
    machine_percent: dict[str, float] = field(default_factory=dict)  # the whole machine in the throughput phase
    peak_memory_mb: dict[str, float] = field(default_factory=dict)
    latency_rate: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    waits_ms: dict[str, dict[str, float]] = field(default_factory=dict)  # the latency phase's steps (``waits``)
    profile: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK  # utime, stime


def machine_ticks() -> list[int]:
    """The machine's CPU time so far by kind (``/proc/stat``: user, nice, system, idle, iowait, irq, softirq,
    steal, ...), in clock ticks."""
    return [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]


def machine_share(before: list[int], after: list[int]) -> dict[str, float]:
    """Between two readings: how busy the machine was (every process, this one too) and what the host took from
    it (``steal``: a virtual machine's CPU given to others), in per cent of all its CPU time."""
    d = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(d) or 1
    return {"busy": round(100 * (total - d[3] - d[4]) / total, 1), "steal": round(100 * d[7] / total, 1)}


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=True).stdout.strip()
        return out.stdout.strip() + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


class Pipeline:
    def __init__(self, system: System, options: Options) -> None:
        self.system, self.options = system, options
        self.population = Population(seed=11, focus=(KABUPATEN,))
        self.population.everywhere = self.population.focus
        self._serial = 0
        key = DevKey.load_or_create(system.folder)
        self.token = key.issue(Principal(sub="bench-agency", role=Role.OPERATOR, scope="32.01"), audience="slrt",
                               ttl=timedelta(hours=4))

    def pids(self) -> dict[str, list[int]]:
        return {service: [p.proc.pid for p in processes if p.proc is not None]
                for service, processes in self.system.services.items()}

    def cpu(self) -> dict[str, float]:
        return {service: sum(cpu_seconds(pid) for pid in pids) for service, pids in self.pids().items()}

    def registrations(self, count: int, *, http_every: int) -> list[Registration]:
        out = []
        for i in range(count):
            body = self.population.registration()
            body["citizen"]["phone"] = f"0813{self._serial + 10_000_000:08d}"
            body["citizen"]["language"] = "id"
            self._serial += 1
            by = "http" if http_every and i % http_every == 0 else "command"
            # one referral per need the case carries: those asked for and those its PPKS and household imply
            reg = Registration(body, by, str(uuid.uuid4()), len(CaseRegistration.model_validate(body).all_needs()))
            reg.value = json.dumps(body).encode()
            out.append(reg)
        return out

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.system.url("intake"), timeout=30,
                                 headers={"Authorization": f"Bearer {self.token}"},
                                 limits=httpx.Limits(max_connections=HTTP_CONCURRENCY * 2))

    async def post(self, client: httpx.AsyncClient, reg: Registration) -> str:
        for _ in range(100):
            response = await client.post("/v1/cases", content=reg.value,
                                         headers={"Idempotency-Key": reg.ref, "Content-Type": "application/json"})
            if response.status_code in (200, 201):
                return str(response.json()["case_id"])
            if response.status_code not in (429, 503):
                raise RuntimeError(f"intake refused a registration: {response.status_code} {response.text[:300]}")
            await asyncio.sleep(0.2)
        raise RuntimeError("intake did not take a registration in 100 tries")

    async def send_all(self, regs: list[Registration]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.system.bootstrap, acks="all", linger_ms=5,
                                    max_batch_size=256 * 1024)
        await producer.start()
        gate = asyncio.Semaphore(HTTP_CONCURRENCY)

        async def post(client: httpx.AsyncClient, reg: Registration) -> None:
            async with gate:
                await self.post(client, reg)

        try:
            async with self.client() as client:
                posts = []
                for i, reg in enumerate(regs):
                    if reg.by == "http":
                        posts.append(asyncio.create_task(post(client, reg)))
                    else:
                        await producer.send(f"{self.system.prefix}slrt.intake.commands", reg.value,
                                            key=f"agency-{i % AGENCIES}".encode(),
                                            headers=command_headers(reg.ref, self.token, "/agencies/bench"))
                await producer.flush()
                await asyncio.gather(*posts)
        finally:
            await producer.stop()

    async def counts(self) -> dict[str, int]:
        """Cases held by intake, routing and reporting; referrals of routing and of reporting; messages unsent."""
        intake, routing, referred, reporting, reported, unsent = await asyncio.gather(
            self.system.scalar("intake", "SELECT count(*) FROM cases"),
            self.system.scalar("routing", "SELECT count(*) FROM cases"),
            self.system.scalar("routing", "SELECT count(*) FROM referrals"),
            self.system.scalar("reporting", "SELECT count(*) FROM cases"),
            self.system.scalar("reporting", "SELECT count(*) FROM referrals"),
            self.system.scalar("notification", "SELECT count(*) FROM notifications WHERE status = 'pending'"))
        return {"intake": int(intake), "routing": int(routing), "referred": int(referred),
                "reporting": int(reporting), "reported": int(reported), "unsent": int(unsent)}

    async def read_model_cases(self) -> int:
        return int(await self.system.scalar("reporting", "SELECT count(*) FROM cases"))

    async def throughput(self, figures: Figures, raw: RawBroker) -> None:
        regs = self.registrations(self.options.cases, http_every=HTTP_EVERY)
        before = await self.counts()
        before_cases = await self.read_model_cases()
        targets = {"intake": before["intake"] + len(regs), "routing": before["routing"] + len(regs),
                   "reporting": before["reporting"] + len(regs)}
        idle = await self.idle_cpu()
        figures.idle_cpu_percent = {k: round(v * 100, 1) for k, v in idle.items()}
        cpu0, machine0 = self.cpu(), machine_ticks()
        profilers = self.start_profilers()
        start = time.perf_counter()
        sending = asyncio.create_task(self.send_all(regs))
        done: dict[str, float] = {}
        last, last_change = before, time.perf_counter()
        while len(done) < len(targets) + 1:
            await asyncio.sleep(0.05)
            if sending.done() and sending.exception():
                raise sending.exception()  # type: ignore[misc]
            now = await self.counts()
            for stage, target in targets.items():
                # reporting: every case, and every referral routing made (rules add needs to what was asked)
                complete = stage != "reporting" or ("routing" in done and now["reported"] >= now["referred"])
                if stage not in done and now[stage] >= target and complete:
                    done[stage] = time.perf_counter() - start
            if "reporting" in done and now["unsent"] == 0:  # every message of every case delivered (or given up)
                done.setdefault("notification", time.perf_counter() - start)
            if now != last:
                last, last_change = now, time.perf_counter()
            elif time.perf_counter() - last_change > STALL_SECONDS:
                break
        elapsed = done.get("reporting", time.perf_counter() - start)
        figures.machine_percent = machine_share(machine0, machine_ticks())
        await sending
        await self.settle()
        cpu1 = self.cpu()
        self.stop_profilers(profilers, figures)
        figures.arrived = await self.read_model_cases() - before_cases
        figures.stage_seconds = {stage: round(s, 2) for stage, s in done.items()}
        figures.cases_per_s = round(len(regs) / elapsed, 1) if "reporting" in done else 0.0
        # what the whole system sustains: the read model holds the cases and every message is sent
        figures.sustained_per_s = round(len(regs) / max(done.get("notification", 0.0), elapsed), 1) \
            if "reporting" in done else 0.0
        figures.ratio = round(figures.cases_per_s / raw.passthrough_per_s, 4)
        figures.cpu_ms_per_case = {s: round((cpu1[s] - cpu0[s]) * 1000 / len(regs), 2) for s in cpu1}
        figures.peak_memory_mb = {s: round(max(peak_memory_mb(p) for p in pids), 1) for s, pids in self.pids().items()}

    async def idle_cpu(self, seconds: float = 3.0) -> dict[str, float]:
        a = self.cpu()
        await asyncio.sleep(seconds)
        b = self.cpu()
        return {s: (b[s] - a[s]) / seconds for s in a}

    async def settle(self) -> None:
        """Wait until every service is idle again (notification may still be sending), at most 60 s."""
        for _ in range(60):
            if all(v < 0.1 for v in (await self.idle_cpu(1.0)).values()):
                return

    async def latency(self, figures: Figures) -> None:
        rate = self.options.latency_rate or (max(1.0, figures.sustained_per_s / 2) if figures.sustained_per_s
                                             else 5.0)
        figures.latency_rate = round(rate, 1)
        regs = self.registrations(self.options.latency_cases, http_every=1)
        pending: dict[str, tuple[float, int]] = {}
        posted: dict[str, float] = {}  # wall clock, for the steps the services' rows time
        timed: list[waits.Timed] = []
        latencies: list[float] = []
        finished = asyncio.Event()

        async def one(client: httpx.AsyncClient, reg: Registration) -> None:
            t0, wall = time.perf_counter(), time.time()
            case_id = await self.post(client, reg)
            pending[case_id], posted[case_id] = (t0, reg.needs), wall

        async def poll() -> None:
            while not finished.is_set() or pending:
                await asyncio.sleep(POLL_SECONDS)
                if not pending:
                    continue
                ids = waits.sql_ids(pending)
                sql = ("SELECT c.case_id, (SELECT count(*) FROM referrals r WHERE r.case_id = c.case_id) "  # noqa: S608
                       f"FROM cases c WHERE c.case_id IN ({ids})")
                rows = await self.system.rows("reporting", sql)
                now, wall = time.perf_counter(), time.time()
                for case_id, referrals in rows:
                    entry = pending.get(str(case_id))
                    if entry and referrals >= entry[1]:
                        latencies.append(now - entry[0])
                        timed.append(waits.Timed(str(case_id), posted[str(case_id)], wall))
                        del pending[str(case_id)]

        poller = asyncio.create_task(poll())
        async with self.client() as client:
            tasks, start = [], time.perf_counter()
            for i, reg in enumerate(regs):
                tasks.append(asyncio.create_task(one(client, reg)))
                delay = start + (i + 1) / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            await asyncio.gather(*tasks)
        finished.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(poller, STALL_SECONDS)
        latencies.sort()
        figures.latency_ms = {"p50": waits.percentile(latencies, 0.50), "p95": waits.percentile(latencies, 0.95),
                              "p99": waits.percentile(latencies, 0.99), "max": waits.percentile(latencies, 1.0),
                              "n": len(latencies)}
        figures.waits_ms = await waits.steps(self.system, timed)

    def start_profilers(self) -> list[tuple[str, subprocess.Popen[bytes], Path]]:
        if self.options.profile_dir is None:
            return []
        spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
        if spy is None:
            raise RuntimeError("--profile needs py-spy (uv sync installs it)")
        folder = self.options.profile_dir
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for service, pids in self.pids().items():
            path = folder / f"{service}.txt"
            proc = subprocess.Popen([spy, "record", "--pid", str(pids[0]), "--format", "raw", "--rate", "200",
                                     "--output", str(path), "--nonblocking"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out.append((service, proc, path))
        return out

    def stop_profilers(self, profilers: list[tuple[str, subprocess.Popen[bytes], Path]], figures: Figures) -> None:
        for service, proc, path in profilers:
            proc.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(30)
            if path.exists():
                figures.profile[service] = top_frames(path.read_text())


def top_frames(collapsed: str, n: int = 10) -> list[tuple[str, float]]:
    """Where a service spent its busy samples (py-spy's collapsed stacks; idle threads are not sampled): by the
    package of the innermost frame (``sqlite3`` C calls show as the aiosqlite worker's ``_execute``), as shares."""
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        leaf = stack.split(";")[-1]
        if "select (selectors.py" in leaf:
            continue  # the event loop waiting
        total += int(count)
        own[_package(leaf)] += int(count)
    return [(f, round(c * 100 / total, 1)) for f, c in own.most_common(n)] if total else []


def _package(frame: str) -> str:
    """``execute (sqlalchemy/engine/base.py:1415)`` -> ``sqlalchemy``; the project's code by service."""
    where = frame.partition(" (")[2].rstrip(")")
    path = where.rpartition(":")[0]
    for marker in ("site-packages/", "/src/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    head = path.split("/", 1)[0]
    if head.startswith("<frozen") or "/" not in path:
        return "python (stdlib)" if not path.startswith("slrt") else head
    return "python (stdlib)" if head in {"asyncio", "json", "logging", "threading", "uuid", "queue", "selectors",
                                         "concurrent", "contextlib", "typing", "datetime", "re", "enum"} else head


def _print(report: Report, figures: Figures) -> None:
    instances = f", {figures.instances} instances of each service" if figures.instances > 1 else ""
    report.add(f"pipeline ({figures.database}{instances}, {figures.cases:,} registrations, {figures.open_cases:,} "
               f"open cases loaded, commit {figures.commit})", [
        ("open cases loaded into the databases first, load time",
         f"{figures.open_cases:,}, {figures.open_cases_load_s:,.1f} s"),
        ("raw pass-through, same broker, same size", f"{figures.raw['passthrough_per_s']:,.0f} msg/s"),
        ("cases/s into the read model (with their referrals)", f"{figures.cases_per_s:,.1f}"),
        ("ratio to the raw pass-through", f"{figures.ratio:.4f}"),
        ("cases/s with every SMS and e-mail sent too", f"{figures.sustained_per_s:,.1f}"),
        ("arrived in the read model", f"{figures.arrived:,} of {figures.cases:,}"),
        ("last case held by intake / routing / reporting, last message sent (s)",
         " / ".join(f"{figures.stage_seconds.get(s, float('nan')):.1f}"
                    for s in ("intake", "routing", "reporting", "notification"))),
        ("CPU ms per case " + " / ".join(figures.cpu_ms_per_case),
         " / ".join(f"{v:.1f}" for v in figures.cpu_ms_per_case.values())
         + f"  (total {sum(figures.cpu_ms_per_case.values()):.1f})"),
        ("idle CPU % before the run", " / ".join(f"{v:.1f}" for v in figures.idle_cpu_percent.values())),
        ("the machine until the last message: busy % / taken by the host (steal) %",
         f"{figures.machine_percent.get('busy', 0):.1f} / {figures.machine_percent.get('steal', 0):.1f}"),
        ("peak memory MB", " / ".join(f"{v:.0f}" for v in figures.peak_memory_mb.values())),
        (f"latency POST -> read model at {figures.latency_rate:.0f}/s, p50 / p95 / p99 / max (ms)",
         " / ".join(f"{figures.latency_ms.get(k, 0):.0f}" for k in ("p50", "p95", "p99", "max"))
         + f"  (n={figures.latency_ms.get('n', 0)})"),
    ])
    if figures.waits_ms:
        report.add("where the latency phase's cases waited, p50 / p90 / p99 (ms)", [
            (step, " / ".join(f"{w[k]:.0f}" for k in ("p50", "p90", "p99")) + f"  (n={w['n']:.0f})")
            for step, w in figures.waits_ms.items()])
    for service, frames in figures.profile.items():
        report.add(f"profile: {service} (share of busy samples)", [(f, f"{share:.1f} %") for f, share in frames])


async def bench(options: Options) -> Figures:
    commit = _commit()  # the code the services start with, whatever is committed while a long run goes on
    folder = options.keep or Path(tempfile.mkdtemp(prefix="slrt-bench-"))
    async with System(folder, database=options.database, instances=options.instances, links=False,
                      extra_env=BENCH_ENV) as system:
        loaded = await load_open_cases(system, options.open_cases) if options.open_cases else open_cases.Loaded()
        pipeline = Pipeline(system, options)
        sample = pipeline.registrations(64, http_every=0)
        size = sum(len(r.value) for r in sample) // len(sample)
        value = (sample[0].value + b" " * size)[:size]
        raw = await measure(system.bootstrap, options.cases, value)
        figures = Figures(commit, options.database, options.cases, system.bootstrap, options.instances,
                          open_cases=loaded.cases, open_cases_load_s=round(loaded.seconds, 1),
                          raw={"messages": options.cases, "bytes": size, "produce_per_s": round(raw.produce_per_s),
                               "consume_per_s": round(raw.consume_per_s),
                               "passthrough_per_s": round(raw.passthrough_per_s)})
        # warm up: every consumer group joined, every path's code loaded, before anything is timed
        await pipeline.send_all(pipeline.registrations(40, http_every=HTTP_EVERY))
        await pipeline.settle()
        await pipeline.throughput(figures, raw)
        await pipeline.latency(figures)
    if options.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return figures


async def load_open_cases(system: System, count: int) -> open_cases.Loaded:
    """``count`` open cases into every service's database (the services started: their tables are made), with
    the pseudonym key intake was started with, in kabupaten/kota the benchmark's registrations never use."""
    env = system.services["intake"][0].env
    keys = IntakeSettings(**{name.removeprefix("SLRT_").lower(): value for name, value in env.items()
                             if name.startswith("SLRT_PSEUDONYM_")}).pseudonyms()
    print(f"\nloading {count:,} open cases straight into the four services' databases", flush=True)

    def progress(done: int, seconds: float) -> None:
        if done % 100_000 == 0 or done == count:
            print(f"  {done:,} of {count:,} loaded ({seconds:,.0f} s)", flush=True)

    loaded = await open_cases.load({service: database.url for service, database in system.databases.items()},
                                   count, pseudonyms=keys, avoid=(KABUPATEN,), progress=progress)
    print(f"  {loaded.cases:,} open cases loaded in {loaded.seconds:,.1f} s; rows added: "
          + ", ".join(f"{table} {rows:,}" for table, rows in sorted(loaded.rows.items())), flush=True)
    return loaded


async def run(report: Report, raw: RawBroker, *, quick: bool, **options: Any) -> None:
    opts = Options(**{k: v for k, v in options.items() if v is not None})
    if quick:
        opts.cases, opts.latency_cases = min(opts.cases, 200), min(opts.latency_cases, 30)
    figures = await bench(opts)
    _print(report, figures)
    if opts.json_path is not None:
        opts.json_path.write_text(json.dumps(asdict(figures), indent=2) + "\n")
        report.note(f"pipeline figures written to {opts.json_path}")
