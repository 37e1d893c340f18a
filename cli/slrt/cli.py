"""``slrt``: the console script. ``slrt dev`` (what ``make run`` starts), ``slrt serve <service>``,
``slrt broker``, ``slrt demo``, ``slrt bench``, ``slrt replay``, ``slrt token``, ``slrt audit``, ``slrt outbox``,
``slrt dlt``, ``slrt chaos``, ``slrt trace``."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from pathlib import Path

from slrt.settings import SERVED, CliSettings


def _serve(args: argparse.Namespace) -> int:
    if args.service != "console" and not CliSettings().kafka_bootstrap:
        print("slrt serve needs SLRT_KAFKA_BOOTSTRAP (host:port[,host:port]); `slrt dev` runs everything locally.",
              file=sys.stderr)
        return 2
    importlib.import_module(f"slrt_{args.service}.main").main()
    return 0


def _broker(args: argparse.Namespace) -> int:
    from slrt_shared.embedded_broker import EmbeddedBroker, PortTaken

    port = args.port or CliSettings().broker_port
    try:
        broker = EmbeddedBroker(port=port).start()
    except PortTaken as exc:
        print(f"slrt broker: {exc}", file=sys.stderr)
        return 1
    print(f"embedded Kafka-compatible broker (Tansu, memory only) on {broker.bootstrap}; Ctrl-C stops it",
          flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while broker.running and not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()
    return 0


def _dev(args: argparse.Namespace) -> int:
    from slrt.dev import run_dev

    return run_dev(CliSettings())


def _demo(args: argparse.Namespace) -> int:
    from slrt.demo import run_demo

    return run_demo(CliSettings(), count=args.count, rate=args.rate, answer=not args.no_answers, seed=args.seed)


def _bench(args: argparse.Namespace) -> int:
    from slrt_shared.logging import configure_logging

    from slrt.bench import run_bench

    # the figures are the output: the benchmark's own process logs warnings only (loading open cases plans
    # their messages with notification's code, which notes every owner without a directory entry)
    configure_logging(service="bench", fmt="console", level="WARNING")

    pipeline = {"cases": args.cases, "latency_cases": args.latency_cases, "database": args.database,
                "json_path": args.json, "profile_dir": args.profile, "keep": args.keep, "instances": args.instances,
                "open_cases": args.open_cases, "latency_rate": args.latency_rate}
    return run_bench(args.only, quick=args.quick, pipeline=pipeline)


def _replay(args: argparse.Namespace) -> int:
    module = importlib.import_module("slrt_reporting.replay")
    return int(module.main(args.rest) or 0)


def _token(args: argparse.Namespace) -> int:
    from slrt.tokens import issue_token

    return issue_token(CliSettings(), role=args.role, region=args.region, owner=args.owner, sub=args.sub,
                       ttl=args.ttl)


def _audit(args: argparse.Namespace) -> int:
    from slrt.audit import run_audit

    return run_audit(CliSettings(), case=args.case, as_json=args.json, token=args.token)


def _dlt(args: argparse.Namespace) -> int:
    from slrt.dlt import run_dlt

    return run_dlt(CliSettings(), args.action, topic=args.topic, partition=args.partition, offset=args.offset,
                   reason=args.reason, since=args.since, before=args.before, dry_run=args.dry_run,
                   as_json=args.json, token=args.token)


def _chaos(args: argparse.Namespace) -> int:
    from slrt.chaos import run_chaos

    return run_chaos(args.scenarios, cases=args.cases, rate=args.rate, seconds=args.seconds, as_json=args.json,
                     keep=args.keep)


def _outbox(args: argparse.Namespace) -> int:
    from slrt.outbox import run_outbox

    if args.action != "list" and not args.ids and not args.all:
        print("slrt outbox retry|drop: name the row ids (retry also takes --all)", file=sys.stderr)
        return 2
    if args.action == "drop" and args.all:
        print("slrt outbox drop: name the row ids; dropping is not done in bulk", file=sys.stderr)
        return 2
    return run_outbox(args.action, args.service, args.ids, every=args.all, as_json=args.json)


def _trace(args: argparse.Namespace) -> int:
    from slrt.trace import run_trace

    return run_trace(args.case, Path(args.file) if args.file else CliSettings().spans_file,
                     statements=args.statements)


def _sinks(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from slrt.sinks import run_sinks

    settings = CliSettings()
    try:
        asyncio.run(run_sinks(Path(args.dir) if args.dir else settings.var_dir / "sinks",
                              smtp_port=settings.sink_smtp_port, http_port=settings.sink_http_port,
                              host=settings.sink_host))
    except KeyboardInterrupt:
        pass
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slrt", description="SLRT: referral routing for social welfare services")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dev", help="run the whole system locally (what `make run` starts)").set_defaults(func=_dev)
    serve = sub.add_parser("serve", help="run one service, production style (needs SLRT_KAFKA_BOOTSTRAP)")
    serve.add_argument("service", choices=SERVED)
    serve.set_defaults(func=_serve)
    broker = sub.add_parser("broker", help="run the embedded Kafka-compatible broker alone")
    broker.add_argument("--port", type=int, default=None, help="default SLRT_BROKER_PORT or 9092")
    broker.set_defaults(func=_broker)
    demo = sub.add_parser("demo", help="register realistic demo cases against a running system")
    demo.add_argument("--count", type=int, default=200)
    demo.add_argument("--rate", type=float, default=20.0, help="cases per second")
    demo.add_argument("--seed", type=int, default=None)
    demo.add_argument("--no-answers", action="store_true", help="do not play the programme owners' answers")
    demo.set_defaults(func=_demo)
    bench = sub.add_parser("bench", help="benchmarks; figures as ratios against the raw broker in the same run")
    bench.add_argument("only", nargs="*", help="which benchmarks (default: all)")
    bench.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    bench.add_argument("--cases", type=int, default=None, help="pipeline: registrations in the throughput phase "
                                                                "(default 3000)")
    bench.add_argument("--latency-cases", type=int, default=None, help="pipeline: registrations timed one by one "
                                                                        "(default 300)")
    bench.add_argument("--latency-rate", type=float, default=None, help="pipeline: registrations a second while "
                                                                          "timed (default half what the run sustained)")
    bench.add_argument("--database", choices=["sqlite", "postgres"], default=None,
                       help="pipeline: the services' databases (default sqlite; postgres: SLRT_TEST_POSTGRES_URL)")
    bench.add_argument("--instances", type=int, default=None, help="pipeline: instances of each service, one "
                                                                    "consumer group each (default 1)")
    bench.add_argument("--open-cases", type=int, default=None, help="pipeline: open cases loaded straight into the "
                                                                     "four services' databases first (default 0)")
    bench.add_argument("--json", type=Path, default=None, help="pipeline: write its figures to this file")
    bench.add_argument("--profile", type=Path, default=None, help="pipeline: py-spy profiles into this folder")
    bench.add_argument("--keep", type=Path, default=None, help="pipeline: keep the services' folder and logs here")
    bench.set_defaults(func=_bench)
    replay = sub.add_parser("replay", help="rebuild reporting's read models")
    replay.add_argument("rest", nargs=argparse.REMAINDER)
    replay.set_defaults(func=_replay)
    token = sub.add_parser("token", help="development tokens for the running system")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    issue = token_sub.add_parser("issue", help="print a token signed with the development key under ./var/")
    issue.add_argument("--role", required=True, choices=["operator", "supervisor", "owner", "analyst", "admin"])
    issue.add_argument("--region", required=True, help="the scope: a region code of any level, or nasional")
    issue.add_argument("--owner", default=None, help="the owner id whose referrals it answers (role owner)")
    issue.add_argument("--sub", default=None, help="an opaque subject id (default: a new one)")
    issue.add_argument("--ttl", default="8h", help="lifetime: 30s, 15m, 8h, 2d (default 8h)")
    issue.set_defaults(func=_token)
    audit = sub.add_parser("audit", help="who read or changed a case: the four services' audit trails, merged")
    audit.add_argument("case", help="the case id, or its case number (like 3201-2026-000042)")
    audit.add_argument("--json", action="store_true", help="print JSON instead of a table")
    audit.add_argument("--token", default=None, help="an admin's token (default: SLRT_DEV_ADMIN_TOKEN, else one "
                                                     "signed with the development key under ./var/)")
    audit.set_defaults(func=_audit)
    outbox = sub.add_parser("outbox", help="outbox rows set aside because they can never be published")
    outbox.add_argument("action", choices=["list", "retry", "drop"])
    outbox.add_argument("service", choices=["intake", "routing", "notification"])
    outbox.add_argument("ids", nargs="*", type=int, help="quarantined row ids (retry, drop)")
    outbox.add_argument("--all", action="store_true", help="retry every quarantined row")
    outbox.add_argument("--json", action="store_true", help="list as JSON")
    outbox.set_defaults(func=_outbox)
    dlt = sub.add_parser("dlt", help="dead letters: counts by reason, one message, replay once fixed, purge")
    dlt.add_argument("action", choices=["list", "show", "replay", "purge"])
    dlt.add_argument("topic", nargs="?", help="a consumed topic or its .dlt, without SLRT_TOPIC_PREFIX")
    dlt.add_argument("partition", nargs="?", type=int, help="show: the dead letter's partition")
    dlt.add_argument("offset", nargs="?", type=int, help="show: the dead letter's offset")
    dlt.add_argument("--reason", help="replay: only dead letters of this x-error-reason (such as unexpected)")
    dlt.add_argument("--since", help="replay: only those dead-lettered at or after this ISO 8601 time")
    dlt.add_argument("--before", help="purge: the dead letters written before this ISO 8601 time")
    dlt.add_argument("--dry-run", action="store_true", help="replay: say what would be replayed")
    dlt.add_argument("--json", action="store_true", help="print JSON")
    dlt.add_argument("--token", default=None, help="an admin's token (default: SLRT_DEV_ADMIN_TOKEN, else one "
                     "signed with the development key)")
    dlt.set_defaults(func=_dlt)
    chaos = sub.add_parser("chaos", help="the fault-injection suite: one line of counts per scenario")
    chaos.add_argument("scenarios", nargs="*", help="kill, dbcut, sqlite-lock, gateway, poison, duplicates, "
                       "instances (default: all)")
    chaos.add_argument("--cases", type=int, default=1000, help="registrations per scenario (default 1000)")
    chaos.add_argument("--rate", type=float, default=12.0, help="registrations a second (default 12)")
    chaos.add_argument("--seconds", type=float, default=30.0, help="how long a fault lasts (default 30)")
    chaos.add_argument("--json", type=Path, default=None, help="also write the outcomes as JSON to this file")
    chaos.add_argument("--keep", type=Path, default=None, help="keep each scenario's logs under this folder")
    chaos.set_defaults(func=_chaos)
    trace = sub.add_parser("trace", help="one case's trace as a tree: services, durations, waits, errors")
    trace.add_argument("case", help="the case id, or its case number (like 3201-2026-000042)")
    trace.add_argument("--file", default=None, help="the spans file (default: SLRT_TRACE_FILE, else "
                                                      "./var/traces.jsonl, where `slrt dev` keeps them)")
    trace.add_argument("--statements", action="store_true", help="each database statement, not their sum")
    trace.set_defaults(func=_trace)
    sinks = sub.add_parser("sinks", help="development SMTP and SMS sinks (started by `slrt dev`)")
    sinks.add_argument("--dir", default=None)
    sinks.set_defaults(func=_sinks)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "replay":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "replay":  # its options are its own (``slrt replay --help``)
        args.rest = [*extra, *args.rest]
    try:
        return int(args.func(args))
    except BrokenPipeError:  # the output went to a reader that stopped reading (`slrt trace ... | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
