"""Registering a batch in one transaction (``register_in``): the same answers as one at a time, in order.

A citizen's second registration in the same batch links to the case made by the first; a key used twice in a
batch gives the first answer again, or a conflict when the body differs; numbers run on per kabupaten/kota
across batches; the outbox holds each case's records and each command's reply in the items' order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from slrt_contracts.commands import CaseRegistration
from slrt_contracts.envelope import KafkaRecord
from slrt_contracts.topics import Topics
from slrt_intake.adapters import tables as t
from slrt_intake.app import MIGRATIONS
from slrt_intake.service_layer import registration as uc
from slrt_intake.service_layer.registrar import Registrar
from slrt_shared import db
from slrt_shared.pseudonyms import PseudonymKey, Pseudonyms
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.unit.shared.registration_rules import VALID, with_value

TOPICS = Topics(prefix="batch.")
PSEUDONYMS = Pseudonyms(PseudonymKey("k1", "k" * 32))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = db.create_engine(database_url)
    await db.upgrade(engine, MIGRATIONS, version_table="alembic_version_intake")
    yield db.session_factory(engine)
    await engine.dispose()


def registration(nik: str, *, region: str = "32.01.01.1002", needs: list[str] | None = None) -> CaseRegistration:
    body = with_value(with_value(VALID, ("citizen", "nik"), nik), ("address", "region_code"), region)
    return CaseRegistration.model_validate(with_value(body, ("needs",), needs or ["PKH"]))


def item(reg: CaseRegistration, key: str | None = None, name: str = "") -> uc.Registering:
    def reply(outcome: uc.Outcome) -> list[KafkaRecord]:
        return [KafkaRecord("batch.replies", name.encode(), str(outcome.status_code).encode())]

    def refused(_: uc.IdempotencyConflict) -> list[KafkaRecord]:
        return [KafkaRecord("batch.replies", name.encode(), b"409")]

    return uc.Registering(reg, key, "command", None, reply, refused, request_id=name or None)


async def register(sessions: async_sessionmaker[AsyncSession], items: list[uc.Registering]) -> list[Any]:
    return await uc.in_transaction(sessions, lambda s: uc.register_in(s, topics=TOPICS, pseudonyms=PSEUDONYMS,
                                                                      items=items))


async def test_a_batch_answers_as_one_at_a_time_would(sessions: async_sessionmaker[AsyncSession]) -> None:
    siti, budi, other = registration("3201015508950001"), registration("3201011508950002"), \
        registration("3203011508950003", region="32.03.01.2001")
    changed_body = registration("3201011508950002", needs=["PIP"])
    results = await register(sessions, [
        item(siti, name="a"), item(siti, name="b"),  # the second links to the case the first made
        item(budi, "key-1", "c"), item(budi, "key-1", "d"),  # the same key and body: the first answer
        item(changed_body, "key-1", "e"),  # the same key, another body: a conflict
        item(other, name="f"),
    ])
    a, b, c, d, e, f = results
    assert (a.status_code, b.status_code) == (201, 200) and b.body["case_id"] == a.body["case_id"]
    assert b.body["linked"] is True and b.body["case_number"] == a.body["case_number"]
    assert c.status_code == 201 and (d.status_code, d.body) == (201, c.body)
    assert isinstance(e, uc.IdempotencyConflict)
    assert f.status_code == 201 and f.body["case_number"] == "3203-" + a.body["case_number"][5:9] + "-000001"
    assert [a.body["case_number"][-6:], c.body["case_number"][-6:]] == ["000001", "000002"]

    async with sessions() as session:
        outbox = (await session.execute(sa.select(t.outbox.c.topic, t.outbox.c.key, t.outbox.c.value)
                                        .order_by(t.outbox.c.id))).all()
        audits = (await session.execute(sa.select(t.audit_log.c.action, t.audit_log.c.request_id)
                                        .order_by(t.audit_log.c.id))).all()
        keys = (await session.execute(sa.select(t.idempotency.c.key))).scalars().all()
        cases = (await session.execute(sa.select(sa.func.count()).select_from(t.cases))).scalar_one()
    replies = [(r.key, r.value) for r in outbox if r.topic == "batch.replies"]
    assert replies == [("a", b"201"), ("b", b"200"), ("c", b"201"), ("e", b"409"), ("f", b"201")]
    first_case = [r.topic for r in outbox[:3]]
    assert first_case == [TOPICS.case_contacts, TOPICS.case_events, "batch.replies"]
    assert [tuple(r) for r in audits] == [("case_registered", "a"), ("case_linked", "b"), ("case_registered", "c"),
                                          ("case_registered", "f")]
    assert keys == ["key-1"] and cases == 3


async def test_numbers_run_on_across_batches_and_a_stored_key_answers_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = await register(sessions, [item(registration("3201015508950001"), "key-9", "a")])
    second = await register(sessions, [item(registration("3201011508950002"), name="b"),
                                       item(registration("3201015508950001"), "key-9", "c")])
    assert first[0].body["case_number"].endswith("-000001")
    assert second[0].body["case_number"].endswith("-000002")
    assert (second[1].status_code, second[1].body) == (201, first[0].body)
    async with sessions() as session:
        replies = (await session.execute(sa.select(t.outbox.c.key).where(t.outbox.c.topic == "batch.replies")
                                         .order_by(t.outbox.c.id))).scalars().all()
    assert replies == ["a", "b"]  # an answer given before is not sent again


async def test_requests_that_arrive_together_are_registered_together_each_with_its_answer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    registrar = Registrar(sessions=sessions, topics=TOPICS, pseudonyms=PSEUDONYMS)
    niks = [f"32010115089500{i:02d}" for i in range(1, 21)]
    items = [item(registration(nik), f"desk-{nik}", nik) for nik in niks]
    items.append(item(registration(niks[0], needs=["PIP"]), f"desk-{niks[0]}", "conflict"))  # a reused key
    results = await asyncio.gather(*(registrar.register(i) for i in items))
    assert isinstance(results[-1], uc.IdempotencyConflict)
    numbers = sorted(r.body["case_number"][-6:] for r in results[:-1])
    assert numbers == [f"{n:06d}" for n in range(1, 21)]  # one case each, numbered without a gap
    async with sessions() as session:
        audited = (await session.execute(sa.select(t.audit_log.c.request_id).order_by(t.audit_log.c.id))).scalars()
        assert list(audited) == niks  # each request's own id, in the order they came
