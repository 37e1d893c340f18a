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
from typing import Any

from pydantic import ValidationError
from slrt_shared.access.policy import door
from slrt_shared.access.principal import Principal
from slrt_shared.access.tokens import TokenRejected
from slrt_shared.consumer import Sender
from slrt_shared.contracts.commands import (
    CaseRegistration,
    CommandAccepted,
    CommandRejected,
    ComplaintBody,
    ErrorItem,
    FileComplaint,
    RegisterCase,
)
from slrt_shared.contracts.envelope import CloudEvent, KafkaRecord, to_kafka
from slrt_shared.errors import error_items
from slrt_shared.failures import Reason, Unusable
from slrt_shared.outbox import add_to_outbox
from slrt_shared.pseudonyms import Pseudonyms
from slrt_shared.request_ids import bound_request_id
from slrt_shared.telemetry import current_trace_headers
from slrt_shared.topics import Topics
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.service_layer import registration as uc

INDONESIAN = True  # replies' messages: Bahasa Indonesia, like the HTTP default
DOORS = {ce_type: door("intake", f"slrt.intake.commands {ce_type}")
         for ce_type in (RegisterCase.ce_type, FileComplaint.ce_type)}
FORBIDDEN = {"loc": ["header", "authorization"], "type": "forbidden",
             "msg": "peran atau wilayah pengirim tidak boleh melakukan ini"}


class CommandHandler:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], topics: Topics, pseudonyms: Pseudonyms,
                 wake: Any) -> None:
        self._sessions, self._topics, self._pseudonyms, self._wake = sessions, topics, pseudonyms, wake

    def _reply(self, command: CloudEvent, data: CommandAccepted | CommandRejected) -> KafkaRecord:
        return to_kafka(data, topic=self._topics.intake_replies, source=uc.SOURCE,
                        key=command.key or command.id, event_id=f"reply-{command.id}"[:100],
                        trace_headers=current_trace_headers())

    async def __call__(self, command: CloudEvent, sender: Sender) -> None:
        if command.type not in (RegisterCase.ce_type, FileComplaint.ce_type):
            raise Unusable(Reason.UNKNOWN_TYPE, "unknown command type")
        if isinstance(sender, TokenRejected):
            await self._reject(command, [{"loc": ["header", "authorization"], "type": "unauthorized",
                                          "msg": "diperlukan token bearer yang sah pada saat ce_time"}])
        elif sender.role not in DOORS[command.type].roles:
            await self._reject(command, [FORBIDDEN])
        elif command.type == RegisterCase.ce_type:
            with bound_request_id(command.id):  # the audit trail names the command as a request
                await self._register(command, sender)
        else:
            with bound_request_id(command.id):
                await self._complaint(command, sender)
        self._wake()

    async def _reject(self, command: CloudEvent, errors: list[dict[str, Any]]) -> None:
        reply = CommandRejected(command_id=command.id, errors=[ErrorItem(**e) for e in errors])
        async with self._sessions() as session, session.begin():
            await add_to_outbox(session, t.outbox, [self._reply(command, reply)])

    async def _register(self, command: CloudEvent, sender: Principal) -> None:
        try:
            reg = CaseRegistration.model_validate(command.data)
        except ValidationError as exc:
            await self._reject(command, error_items(exc.errors(), indonesian=INDONESIAN, prefix=("data",)))
            return
        if not sender.covers(reg.address.region_code):
            await self._reject(command, [{**FORBIDDEN, "loc": ["data", "address", "region_code"]}])
            return

        def reply(outcome: uc.Outcome) -> list[KafkaRecord]:
            body = outcome.body
            return [self._reply(command, CommandAccepted(command_id=command.id, case_id=body["case_id"],
                                                         case_number=body["case_number"],
                                                         linked=body.get("linked", False),
                                                         warnings=body.get("warnings", [])))]

        try:
            await uc.register_case(sessions=self._sessions, topics=self._topics, pseudonyms=self._pseudonyms,
                                   registration=reg, idempotency_key=f"{command.source}|{command.id}"[:200],
                                   idempotency_scope="command", extra=reply, principal=sender)
        except uc.IdempotencyConflict:
            await self._reject(command, [{"loc": ["ce_id"], "msg": "ce_id sudah dipakai dengan isi yang lain",
                                          "type": "idempotency_conflict"}])

    async def _complaint(self, command: CloudEvent, sender: Principal) -> None:
        try:
            filed = FileComplaint.model_validate(command.data)
        except ValidationError as exc:
            await self._reject(command, error_items(exc.errors(), indonesian=INDONESIAN, prefix=("data",)))
            return
        body = ComplaintBody(description=filed.description, referral_id=filed.referral_id)

        def reply(outcome: uc.Outcome) -> list[KafkaRecord]:
            return [self._reply(command, CommandAccepted(command_id=command.id, case_id=filed.case_id,
                                                         complaint_id=outcome.body["complaint_id"]))]

        try:
            await uc.file_complaint(sessions=self._sessions, topics=self._topics, case_id=filed.case_id,
                                    complaint=body, extra=reply, scope=sender.scope, principal=sender,
                                    complaint_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{command.source}|{command.id}")))
        except uc.CaseNotFound:
            await self._reject(command, [{"loc": ["data", "case_id"], "msg": "kasus tidak ditemukan",
                                          "type": "not_found"}])
