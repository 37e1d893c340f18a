"""``slrt outbox list|retry|drop SERVICE``: the outbox rows a service's relay has quarantined.

A row the broker or producer refuses for good (too large, an invalid topic, no authorisation on the topic, a
row that cannot be encoded) is set aside with its reason, and the later rows of the same key (case) wait
behind it so a case's events stay in order. Run against the service's database (its settings,
``SLRT_<SERVICE>_DATABASE_URL``), with the service running or not:

    slrt outbox list routing            # quarantined rows with their reason and the rows each holds back
    slrt outbox retry routing 42 43     # after the cause is fixed: the relay publishes them, in order
    slrt outbox retry routing --all
    slrt outbox drop routing 42         # never publish it; the rows it held back then flow

Values are never printed: they may carry personal data.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from slrt_shared import db
from slrt_shared.outbox import drop_quarantined, quarantined_rows, release_quarantined

WITH_OUTBOX = ("intake", "routing", "notification")


def service_database(service: str) -> tuple[str, sa.Table]:
    settings_module = importlib.import_module(f"slrt_{service}.settings")
    settings = getattr(settings_module, f"{service.capitalize()}Settings")()
    tables = importlib.import_module(f"slrt_{service}.adapters.tables")
    return str(settings.database_url), tables.outbox


async def _run(action: str, url: str, outbox: sa.Table, ids: Sequence[int], every: bool) -> list[Any] | int:
    engine = db.create_engine(url)
    try:
        async with db.session_factory(engine)() as session, session.begin():
            if action == "list":
                return await quarantined_rows(session, outbox)
            if every:
                ids = [r.id for r in await quarantined_rows(session, outbox)]
            if action == "retry":
                return await release_quarantined(session, outbox, ids)
            return await drop_quarantined(session, outbox, ids)
    finally:
        await engine.dispose()


def run_outbox(action: str, service: str, ids: Sequence[int], *, every: bool = False, as_json: bool = False,
               database_url: str | None = None) -> int:
    url, outbox = service_database(service)
    try:
        result = asyncio.run(_run(action, database_url or url, outbox, ids, every))
    except (sa.exc.OperationalError, sa.exc.ProgrammingError, OSError) as exc:
        print(f"slrt outbox: {service}'s database has no outbox with a quarantine (start the service once so it "
              f"applies its migrations, and check SLRT_{service.upper()}_DATABASE_URL): {type(exc).__name__}",
              file=sys.stderr)
        return 1
    if isinstance(result, int):
        verb = "released" if action == "retry" else "dropped"
        print(f"{service}: {result} quarantined row(s) {verb}")
        return 0 if result == len(ids) or every else 1
    rows = [{"id": r.id, "topic": r.topic, "key": r.key, "bytes": r.size, "created_at": r.created_at.isoformat(),
             "quarantined_at": r.quarantined_at.isoformat(), "reason": r.reason, "blocked": r.blocked}
            for r in result]
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{service}: {len(rows)} quarantined row(s), {sum(r['blocked'] for r in rows)} row(s) held behind them")
    for r in rows:
        print(f"  {r['id']:>8}  {r['quarantined_at'][:19]}  {r['topic']}  key={r['key']}  {r['bytes']} B  "
              f"{r['reason']}  blocks {r['blocked']}")
    return 0
