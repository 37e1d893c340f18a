"""The latency phase's steps of ``slrt bench pipeline``, read back from either database's rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from slrt.bench.waits import headers_of, seconds


def test_a_time_reads_the_same_from_sqlite_text_and_from_a_postgresql_datetime() -> None:
    at = datetime(2026, 12, 7, 22, 45, 14, 30413, tzinfo=UTC)
    assert seconds("2026-12-07 22:45:14.030413") == at.timestamp()  # SQLite keeps UTC without its offset
    assert seconds(at.astimezone(timezone(timedelta(hours=7)))) == at.timestamp()  # asyncpg: aware, any zone


def test_headers_read_from_json_text_or_from_pairs() -> None:
    pairs = [["ce_id", "e-1"], ["ce_type", "id.slrt.case.registered.v1"]]
    assert headers_of('[["ce_id", "e-1"], ["ce_type", "id.slrt.case.registered.v1"]]') == headers_of(pairs) == {
        "ce_id": "e-1", "ce_type": "id.slrt.case.registered.v1"}
