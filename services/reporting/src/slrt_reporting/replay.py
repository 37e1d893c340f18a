"""``slrt replay``: rebuild reporting's read models from its durable event log, and from the broker.

Reporting keeps every event it consumed (``event_log``), so the read models can be rebuilt whatever the
broker still retains. With ``--from-broker`` the events the broker retains on reporting's topics are first
taken into the log where it lacks them (a log restored from an older backup, events from before reporting
was deployed); only then is the rebuild done from the log. The rebuild fills fresh tables (a new schema on
PostgreSQL, new tables on SQLite) while the live projection carries on, and swaps them in, in one
transaction, when they have caught up. Run it against the reporting database (``SLRT_REPORTING_DATABASE_URL``),
with the service running or not.

    slrt replay                      # everything
    slrt replay --since 2026-01-01   # read models of what happened since then (a date or an ISO time, UTC)
    slrt replay --from-broker        # first take into the log what the broker retains and the log lacks
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slrt_shared import db

from slrt_reporting.adapters.retained import Retained
from slrt_reporting.app import MIGRATIONS
from slrt_reporting.entrypoints.events import CONSUMER
from slrt_reporting.service_layer.backfill import backfill
from slrt_reporting.service_layer.rebuild import rebuild
from slrt_reporting.settings import ReportingSettings

Progress = Callable[[int, int], None]


@dataclass
class Replayed:
    events: int
    from_broker: Retained | None = None
    added_from_broker: int = 0


async def replay(settings: ReportingSettings, *, since: datetime | None = None, from_broker: bool = False,
                 progress: Progress | None = None, broker_progress: Progress | None = None) -> Replayed:
    """Rebuild the read models of ``settings``' database from its event log, after taking into the log what
    the broker retains (``from_broker``); ``progress(done, total)`` is called after each batch."""
    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine, MIGRATIONS, version_table=f"alembic_version_{settings.service_name}")
        out = Replayed(0)
        if from_broker:
            topics = [settings.topics.case_events, settings.topics.notification_events]
            out.from_broker, out.added_from_broker = await backfill(
                settings, db.session_factory(engine), CONSUMER, topics, since=since, progress=broker_progress)
        out.events = await rebuild(engine, since=since, progress=progress)
        return out
    finally:
        await engine.dispose()


def _bar(what: str) -> Progress:
    def show(done: int, total: int) -> None:
        width = 40
        filled = width * done // total if total else width
        sys.stderr.write(f"\r{what:<8}[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} events")
        sys.stderr.flush()

    return show


def _since(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date (2026-01-31) or an ISO time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="slrt replay", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--since", type=_since, help="replay only events at or after this time (UTC)")
    parser.add_argument("--from-broker", action="store_true",
                        help="first take into the event log what the broker retains (SLRT_KAFKA_BOOTSTRAP)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    settings = ReportingSettings()
    if args.from_broker and not settings.kafka_bootstrap:
        print("slrt replay --from-broker needs SLRT_KAFKA_BOOTSTRAP (host:port[,host:port])", file=sys.stderr)
        return 2
    started = time.perf_counter()
    quiet = args.quiet
    done = asyncio.run(replay(settings, since=args.since, from_broker=args.from_broker,
                              progress=None if quiet else _bar("log"),
                              broker_progress=None if quiet else _bar("broker")))
    where = settings.database_url.split("@")[-1]
    if done.from_broker is not None:
        held = done.from_broker
        print(f"\nbroker: read {held.read:,} retained events, {done.added_from_broker:,} new to the event log"
              + (f", {held.unreadable:,} not CloudEvents (left out)" if held.unreadable else "")
              + (f"; gave up on {', '.join(held.stalled)} before its end offset" if held.stalled else ""))
    print(f"\nreplayed {done.events:,} events into fresh read models in {time.perf_counter() - started:.1f}s; "
          f"swapped in ({where})")
    return 1 if done.from_broker is not None and done.from_broker.stalled else 0


if __name__ == "__main__":
    sys.exit(main())
