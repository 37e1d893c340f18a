"""``slrt.intake.commands``: agencies' ``case.register`` and ``complaint.file`` commands.

Every readable command is answered on ``slrt.intake.replies`` (keyed like the command) through the outbox,
in the same transaction as its effect; the command's ``ce_source``+``ce_id`` is its idempotency key, so a
redelivered command gets the same answer and makes nothing twice. The data is validated by the same models as
the HTTP bodies; a refusal names every bad field (``loc`` starts with ``data``) with the message in Bahasa
Indonesia, the system's default language. Unreadable messages (no CloudEvent, no JSON object, an unknown
command type) go to the dead letters (``ReliableHandler``) and the partition goes on.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from itertools import groupby
from typing import Any

from pydantic import ValidationError
from slrt_contracts.commands import (
    CaseRegistration,
    CommandAccepted,
    CommandRejected,
    ComplaintBody,
    ErrorItem,
    FileComplaint,
    RegisterCase,
)
from slrt_contracts.envelope import CloudEvent, KafkaRecord, to_kafka
from slrt_contracts.topics import Topics
from slrt_shared.access.policy import door
from slrt_shared.access.principal import Principal
from slrt_shared.access.tokens import TokenRejected
from slrt_shared.consumer import Sender
from slrt_shared.errors import error_items
from slrt_shared.failures import Reason, Unusable
from slrt_shared.outbox import add_to_outbox
from slrt_shared.pseudonyms import Pseudonyms
from slrt_shared.telemetry import trace_headers_of
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.service_layer import registration as uc

INDONESIAN = True  # replies' messages: Bahasa Indonesia, like the HTTP default
DOORS = {ce_type: door("intake", f"slrt.intake.commands {ce_type}")
         for ce_type in (RegisterCase.ce_type, FileComplaint.ce_type)}
FORBIDDEN = {"loc": ["header", "authorization"], "type": "forbidden",
             "msg": "peran atau wilayah pengirim tidak boleh melakukan ini"}


Step = uc.Registering | list[KafkaRecord] | Callable[[AsyncSession], Awaitable[None]]


class CommandHandler:
    """A batch of commands in one transaction: the registrations of the batch together (``register_in``), each
    complaint and refusal in its place, so every reply goes out in the commands' order."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], topics: Topics, pseudonyms: Pseudonyms,
                 wake: Any) -> None:
        self._sessions, self._topics, self._pseudonyms, self._wake = sessions, topics, pseudonyms, wake

    def _reply(self, command: CloudEvent, data: CommandAccepted | CommandRejected) -> KafkaRecord:
        return to_kafka(data, topic=self._topics.intake_replies, source=uc.SOURCE, key=command.key or command.id,
                        event_id=f"reply-{command.id}"[:100], trace_headers=trace_headers_of(command.traceparent))

    async def batch(self, commands: list[tuple[CloudEvent, Sender]]) -> None:
        for command, _ in commands:  # before any work: the batch is then taken one by one, to dead-letter it
            if command.type not in (RegisterCase.ce_type, FileComplaint.ce_type):
                raise Unusable(Reason.UNKNOWN_TYPE, "unknown command type")
        steps = [self._step(command, sender) for command, sender in commands]

        async def work(session: AsyncSession) -> None:
            for registrations, run in groupby(steps, key=lambda step: isinstance(step, uc.Registering)):
                if registrations:
                    await uc.register_in(session, topics=self._topics, pseudonyms=self._pseudonyms,
                                         items=list(run))  # type: ignore[arg-type]
                    continue
                for step in run:
                    if isinstance(step, list):
                        await add_to_outbox(session, t.outbox, step)
                    else:
                        await step(session)  # type: ignore[operator]

        await uc.in_transaction(self._sessions, work)
        self._wake()

    def _step(self, command: CloudEvent, sender: Sender) -> Step:
        if isinstance(sender, TokenRejected):
            return self._rejection(command, [{"loc": ["header", "authorization"], "type": "unauthorized",
                                              "msg": "diperlukan token bearer yang sah pada saat ce_time"}])
        if sender.role not in DOORS[command.type].roles:
            return self._rejection(command, [FORBIDDEN])
        if command.type == RegisterCase.ce_type:
            return self._registration(command, sender)
        return self._complaint(command, sender)

    def _rejection(self, command: CloudEvent, errors: list[dict[str, Any]]) -> list[KafkaRecord]:
        reply = CommandRejected(command_id=command.id, errors=[ErrorItem(**e) for e in errors])
        return [self._reply(command, reply)]

    def _registration(self, command: CloudEvent, sender: Principal) -> Step:
        try:
            reg = CaseRegistration.model_validate(command.data)
        except ValidationError as exc:
            return self._rejection(command, error_items(exc.errors(), indonesian=INDONESIAN, prefix=("data",)))
        if not sender.covers(reg.address.region_code):
            return self._rejection(command, [{**FORBIDDEN, "loc": ["data", "address", "region_code"]}])

        def reply(outcome: uc.Outcome) -> list[KafkaRecord]:
            body = outcome.body
            return [self._reply(command, CommandAccepted(command_id=command.id, case_id=body["case_id"],
                                                         case_number=body["case_number"],
                                                         linked=body.get("linked", False),
                                                         warnings=body.get("warnings", [])))]

        def refused(_: uc.IdempotencyConflict) -> list[KafkaRecord]:
            return self._rejection(command, [{"loc": ["ce_id"], "msg": "ce_id sudah dipakai dengan isi yang lain",
                                              "type": "idempotency_conflict"}])

        return uc.Registering(reg, f"{command.source}|{command.id}"[:200], "command", sender, reply, refused,
                              request_id=command.id, trace_headers=trace_headers_of(command.traceparent))

    def _complaint(self, command: CloudEvent, sender: Principal) -> Step:
        try:
            filed = FileComplaint.model_validate(command.data)
        except ValidationError as exc:
            return self._rejection(command, error_items(exc.errors(), indonesian=INDONESIAN, prefix=("data",)))
        body = ComplaintBody(description=filed.description, referral_id=filed.referral_id)

        def reply(outcome: uc.Outcome) -> list[KafkaRecord]:
            return [self._reply(command, CommandAccepted(command_id=command.id, case_id=filed.case_id,
                                                         complaint_id=outcome.body["complaint_id"]))]

        async def file(session: AsyncSession) -> None:
            try:
                await uc.file_complaint_in(
                    session, topics=self._topics, case_id=filed.case_id, complaint=body, extra=reply,
                    scope=sender.scope, principal=sender, request_id=command.id,
                    trace_headers=trace_headers_of(command.traceparent),
                    complaint_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{command.source}|{command.id}")))
            except uc.CaseNotFound:
                await add_to_outbox(session, t.outbox, self._rejection(
                    command, [{"loc": ["data", "case_id"], "msg": "kasus tidak ditemukan", "type": "not_found"}]))

        return file

