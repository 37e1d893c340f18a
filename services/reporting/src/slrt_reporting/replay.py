"""``slrt replay``: rebuild reporting's read models from its durable event log.

Reporting keeps every event it consumed (``event_log``), so the read models can be rebuilt whatever the
broker still retains. The rebuild fills fresh tables (a new schema on PostgreSQL, new tables on SQLite) while
the live projection carries on, and swaps them in, in one transaction, when they have caught up. Run it against
the reporting database (``SLRT_REPORTING_DATABASE_URL``), with the service running or not.

    slrt replay                      # everything
    slrt replay --since 2026-01-01   # read models of what happened since then (a date or an ISO time, UTC)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from slrt_shared import db

from slrt_reporting.app import MIGRATIONS
from slrt_reporting.service_layer.rebuild import rebuild
from slrt_reporting.settings import ReportingSettings

Progress = Callable[[int, int], None]


async def replay(settings: ReportingSettings, *, since: datetime | None = None,
                 progress: Progress | None = None) -> int:
    """Rebuild the read models of ``settings``' database from its event log; ``progress(done, total)`` is
    called after each batch. Returns how many events were replayed."""
    engine = db.create_engine(settings.database_url)
    try:
        await db.upgrade(engine, MIGRATIONS, version_table=f"alembic_version_{settings.service_name}")
        return await rebuild(engine, since=since, progress=progress)
    finally:
        await engine.dispose()


def _bar(done: int, total: int) -> None:
    width = 40
    filled = width * done // total if total else width
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} events")
    sys.stderr.flush()


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
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    settings = ReportingSettings()
    started = time.perf_counter()
    count = asyncio.run(replay(settings, since=args.since, progress=None if args.quiet else _bar))
    where = settings.database_url.split("@")[-1]
    print(f"\nreplayed {count:,} events into fresh read models in {time.perf_counter() - started:.1f}s; "
          f"swapped in ({where})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
