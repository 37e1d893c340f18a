"""Every event type projected from the real broker; duplicates counted once; any order of arrival gives the same
case; an invalid event goes to the dead letters without holding up the others."""

from __future__ import annotations

import uuid
from datetime import timedelta

from slrt_contracts.codes import Level, Programme
from slrt_contracts.envelope import KafkaRecord

from tests.integration.reporting.stories import PKH_OWNER, Story, case_when, reporting, settings_for, stats_when
from tests.support import eventually
from tests.support.kafka import TopicReader, publish

DESA = "32.01.01.1002"


def full_story(story: Story) -> list[KafkaRecord]:
    """Every event type, in the order the producers send them."""
    s, r1, r2, r3 = story, f"r1-{story.case_id}", f"r2-{story.case_id}", f"r3-{story.case_id}"
    return [
        s.registered(), s.dispatched(r1), s.dispatched(r2, Programme.PIP, owner="disdik@32.01"),
        s.notified("sent", "sms", 0.01, f"n1-{s.case_id}"),
        s.answered(r1, "accepted", 1),
        # an older producer's free text in ``reason``: reporting keeps the code and its words only
        s.answered(r2, "rejected", 2, reason="Pak Budi bilang: NIK 3201015508950001, 081234567890",
                   reason_code="not_our_authority"),
        s.answered(r1, "in_progress", 3), s.escalated(Level.KECAMATAN, 72, 8),
        s.complaint(f"k1-{s.case_id}", 73), s.escalated(Level.KABUPATEN, 192, 22),
        s.milestone("overdue", 528, Level.KABUPATEN), s.answered(r1, "resolved", 530),
        s.milestone("resolved", 530, Level.KABUPATEN), s.milestone("closed", 700, Level.KABUPATEN),
        s.complaint(f"k2-{s.case_id}", 710), s.milestone("reopened", 710, Level.DESA, 33),
        s.dispatched(r3, seconds=710 * 3600 + 1, deadline_days=33),
        s.notified("failed", "email", 710.1, f"n2-{s.case_id}"),
    ]


COMPARED = ("status", "level", "deadline", "resolved_at", "closed_at", "overdue", "escalated", "owners", "needs",
            "ppks", "case_number", "region_code", "referrals")


async def test_every_event_type_once_in_any_order(kafka_broker, topic_prefix, database_url) -> None:
    s = settings_for(kafka_broker, topic_prefix, database_url)
    in_order, backwards = (Story(s, str(uuid.uuid4()), DESA, n, needs=(Programme.PKH, Programme.PIP)) for n in (1, 2))
    ordered_records, reversed_records = full_story(in_order), full_story(backwards)[::-1]
    poison = KafkaRecord(topic=s.topics.case_events, key=in_order.case_id.encode(), value=b'{"case_id": 1}',
                         headers=[(k, b"poison" if k == "ce_id" else v) for k, v in ordered_records[7].headers])
    async with reporting(s) as client, TopicReader(kafka_broker.bootstrap, f"{s.topics.case_events}.dlt") as dlt:
        # everything twice (a redelivery), the second case backwards, and an invalid event in the middle
        await publish(kafka_broker.bootstrap, [*ordered_records, poison, *ordered_records, *reversed_records])
        # after the duplicates, in the same partitions: once these are projected, so are the duplicates
        await publish(kafka_broker.bootstrap, [in_order.complaint(f"k3-{in_order.case_id}", 720),
                                               in_order.notified("sent", "sms", 720, f"n3-{in_order.case_id}")])

        view = await case_when(client, in_order.case_id, lambda v: v["complaints"] == 3 and
                               v["timeline"][-1]["type"] == "notification.sent")
        twin = await case_when(client, backwards.case_id, lambda v: len(v["timeline"]) == len(reversed_records))
        assert len(view["timeline"]) == len(ordered_records) + 2  # each event once, and the last two
        assert {k: view[k] for k in COMPARED} == {k: twin[k].replace(backwards.case_id, in_order.case_id)
                                                  if isinstance(twin[k], str) else _same_ids(twin[k], backwards,
                                                                                             in_order)
                                                  for k in COMPARED} | {"case_number": view["case_number"]}
        assert [e["type"] for e in twin["timeline"]] == [e["type"] for e in view["timeline"]][:-2]

        assert view["status"] == "referred" and view["level"] == "desa"  # reopened, a new referral out
        assert view["resolved_at"] is None and view["closed_at"] is None and not view["overdue"]
        assert view["deadline"] == (in_order.start + timedelta(days=33)).isoformat()
        assert view["escalated"] and view["owners"] == [PKH_OWNER] and view["complaints"] == 3
        assert view["region"] == {"desa": "Karadenan", "kecamatan": "Cibinong", "kabupaten": "Kabupaten Bogor",
                                  "provinsi": "Jawa Barat"} and view["time_zone"] == "Asia/Jakarta"
        statuses = {r["referral_id"].split("-")[0]: r["status"] for r in view["referrals"]}
        assert statuses == {"r1": "resolved", "r2": "rejected", "r3": "dispatched"}
        rejected = next(r for r in view["referrals"] if r["status"] == "rejected")
        assert (rejected["reason_code"], rejected["reason"]) == ("not_our_authority", "bukan wewenang")
        assert "Pak Budi" not in str(view)  # no free text, masked or not
        assert {e["type"] for e in view["timeline"]} == {
            "case.registered", "referral.dispatched", "notification.sent", "referral.accepted", "referral.rejected",
            "referral.in_progress", "case.escalated", "complaint.filed", "case.overdue", "referral.resolved",
            "case.resolved", "case.closed", "case.reopened", "notification.failed"}
        assert "3201015508950001" not in str(view) and "081234567890" not in str(view)

        stats = await stats_when(client, lambda b: b["total"] == 2, region="32.01.01")
        assert stats["by_status"] == {"referred": 2} and stats["escalated"] == 2
        assert stats["escalation_funnel"] == {"desa": 2, "kecamatan": 2, "kabupaten": 2, "overdue": 0}
        assert stats["notifications"]["sent"] == {"sms": 3} and stats["notifications"]["failed"] == {"email": 2}
        assert stats["notifications"]["delivery_rate"] == {"email": 0.0, "sms": 1.0}
        assert stats["notifications"]["overall_delivery_rate"] == 0.6
        assert stats["sla_by_owner"][PKH_OWNER] == {"met": 0, "missed": 2, "compliance": 0.0, "open": 2}
        assert stats["sla_by_owner"]["disdik@32.01"]["met"] == 2
        assert stats["per_day_by_status"]["closed"] and stats["by_programme_status"]["PIP"] == {"referred": 2}

        async def dead_lettered() -> bool:  # the reader outside the system may still be catching up
            return bool(dlt.records)

        await eventually(dead_lettered, timeout=30)
        assert [e.id for e in dlt.events()] == ["poison"]
        assert dict(dlt.records[0].headers)["x-error-type"] == b"ValidationError"


def _same_ids(value, backwards: Story, in_order: Story):  # type: ignore[no-untyped-def]
    """The other case's referrals with this case's ids, to compare the two field by field."""
    if isinstance(value, list):
        return [_same_ids(v, backwards, in_order) for v in value]
    if isinstance(value, dict):
        return {k: _same_ids(v, backwards, in_order) for k, v in value.items()}
    return value.replace(backwards.case_id, in_order.case_id) if isinstance(value, str) else value
