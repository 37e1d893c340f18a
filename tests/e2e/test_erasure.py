"""Erasure everywhere (UU 27/2022): after an admin erases a citizen, a scan of every service's database, every
API answer, every service's log, the public case events and what the SMTP server and the SMS gateway received
finds none of the citizen's NIK, KK, name, phone, e-mail, address or descriptions, nor the owner's and the
supervisor's free text about them. Kept, as ``docs/privacy.md`` lists: the recipient addresses at the mail
server and SMS gateway (outside SLRT) and the compacted contacts topic until compaction."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx

from tests.e2e.conftest import SERVICES, System
from tests.support import eventually
from tests.support.kafka import TopicReader
from tests.support.tokens import admin

NIK, KK = "3201014104900007", "3201012003150004"
CITIZEN = {"nik": NIK, "kk": KK, "name": "Wulan Sekarsari", "phone": "081377775555",
           "email": "wulan.sekarsari@example.id"}
STREET, DESCRIPTION = "Jl. Kenanga Ungu 77", "Atap rumah runtuh sejak banjir bulan lalu."
COMPLAINT, REASON, NOTE = "Petugas belum datang ke gang kami.", "ALASAN PRIBADI suami sakit", "CATATAN PRIBADI 4242"
ESCALATION = "ESKALASI PRIBADI kepala desa lalai"
#: what must be nowhere afterwards (the phone as digits after the trunk prefix: 0813... and +62813... alike)
SECRETS = (NIK, KK, "Wulan Sekarsari", "Sekarsari", "81377775555", "wulan.sekarsari", "Kenanga Ungu",
           "runtuh sejak banjir", "belum datang ke gang", "ALASAN PRIBADI", "CATATAN PRIBADI", "ESKALASI PRIBADI")


def registration(needs: list[str]) -> dict[str, Any]:
    return {"citizen": CITIZEN, "address": {"region_code": "32.01.01.1002", "rt": "007", "rw": "002",
                                            "street": STREET},
            "household": {"dtsen_status": "registered", "desil": 1}, "ppks": [], "needs": needs,
            "description": DESCRIPTION, "channel": "puskesos", "consent": True}


def found_in(where: str, text: str) -> list[str]:
    return [f"{where}: {secret}" for secret in SECRETS if secret in text]


def database_findings(system: System) -> list[str]:
    findings = []
    for service in SERVICES:
        path = system.env[f"SLRT_{service.upper()}_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
        with sqlite3.connect(path) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608 (names from the schema)
                findings += found_in(f"{service} database, table {table}", repr(rows))
    return findings


def sink_findings(system: System) -> list[str]:
    """What the citizen and the officers received, without the recipient addresses (the providers keep those)."""
    findings = []
    for message in system.sms.requests:
        findings += found_in(f"SMS to {message['to'][-4:]}", message["message"])
    for mail in system.mailbox.messages:
        parts = [str(mail.get("Subject", ""))] + [
            part.get_payload(decode=True).decode("utf-8", "replace") for part in mail.walk()
            if not part.is_multipart()]
        findings += found_in("e-mail", " ".join(parts))
    return findings


async def api_findings(client: httpx.AsyncClient, system: System, case_ids: list[str]) -> list[str]:
    paths = [("intake", f"/v1/citizens/{NIK}/cases"), ("reporting", "/v1/cases"), ("reporting", "/v1/export.csv"),
             ("routing", "/v1/referrals")]
    for case_id in case_ids:
        paths += [("intake", f"/v1/cases/{case_id}"), ("routing", f"/v1/cases/{case_id}"),
                  ("reporting", f"/v1/cases/{case_id}")]
        paths += [(service, f"/v1/audit?case_id={case_id}") for service in SERVICES]
    findings = []
    for service, path in paths:
        response = await client.get(f"{system.url(service)}{path}")
        findings += found_in(f"{service} GET {path} ({response.status_code})", response.text)
    for accept in ("application/json", "text/html"):  # the citizen's own copy of what is held: their NIK only
        response = await client.post(f"{system.url('intake')}/v1/citizens/subject-access", json={"nik": NIK},
                                     headers={"accept": accept})
        findings += [f for f in found_in(f"intake subject access ({accept})", response.text) if NIK not in f]
    return findings


async def test_after_erasure_nothing_of_the_citizen_is_left(system: System) -> None:
    async with httpx.AsyncClient(timeout=15, headers=admin()) as client, \
            TopicReader(system.broker.bootstrap, "slrt.case.events") as events:
        intake, routing = system.url("intake"), system.url("routing")
        first = (await client.post(f"{intake}/v1/cases", json=registration(["PKH"]))).json()
        second = (await client.post(f"{intake}/v1/cases", json=registration(["PIP"]))).json()
        case_ids = [first["case_id"], second["case_id"]]
        assert len(set(case_ids)) == 2, (first, second)
        complaint = await client.post(f"{intake}/v1/cases/{first['case_id']}/complaints",
                                      json={"description": COMPLAINT})
        assert complaint.status_code == 201, complaint.text

        async def referral_of_first() -> str | None:
            refs = (await client.get(f"{routing}/v1/cases/{first['case_id']}")).json().get("referrals") or []
            return refs[0]["referral_id"] if refs else None

        referral_id = await eventually(referral_of_first, timeout=60)
        answered = await client.post(f"{routing}/v1/referrals/{referral_id}/status",
                                     json={"status": "rejected", "reason": REASON, "note": NOTE})
        assert answered.status_code == 200, answered.text
        escalated = await client.post(f"{routing}/v1/cases/{second['case_id']}/escalate",
                                      json={"reason": ESCALATION})
        assert escalated.status_code == 200, escalated.text

        async def told_of_rejection() -> bool:
            return any(first["case_number"] in m["message"] and "tolak" in m["message"]
                       for m in system.sms.requests)

        await eventually(told_of_rejection, timeout=60)
        # before: the scan sees the citizen where the system legitimately holds them (it can fail)
        before = database_findings(system)
        assert any(f.startswith("intake database") and NIK in f for f in before), before
        assert any(f.startswith("routing database") and "ALASAN PRIBADI" in f for f in before), before

        erased = await client.post(f"{intake}/v1/citizens/erasure", json={"nik": NIK, "reason": "citizen_request"})
        assert erased.status_code == 200, erased.text
        assert sorted(e["case_id"] for e in erased.json()["erased"]) == sorted(case_ids)

        async def every_service_forgot() -> bool:
            return not database_findings(system) and not await api_findings(client, system, case_ids)

        try:
            await eventually(every_service_forgot, timeout=90, interval=0.5)
        finally:
            findings = database_findings(system) + await api_findings(client, system, case_ids)
            assert findings == []
        for case_id in case_ids:
            shown = (await client.get(f"{system.url('reporting')}/v1/cases/{case_id}")).json()
            assert "case.erased" in [entry["type"] for entry in shown["timeline"]]
        for service, action in (("intake", "personal_data_erased"), ("routing", "personal_data_forgotten"),
                                ("notification", "personal_data_forgotten"),
                                ("reporting", "personal_data_forgotten")):  # each honoured it, in its audit trail
            trail = (await client.get(f"{system.url(service)}/v1/audit", params={"case_id": first["case_id"]})).json()
            assert action in [row["action"] for row in trail["items"]], (service, trail)
        for service in SERVICES:
            assert found_in(f"{service} log", system.services[service].log_text()) == []
        assert sink_findings(system) == []
        await events.read_to_end()
        assert [found_in("slrt.case.events", repr(r)) for r in events.records if found_in("", repr(r))] == []
        kinds = [e.type for e in events.events("slrt.case.events", key=first["case_id"])]
        assert "id.slrt.case.erased.v1" in kinds
