"""What intake's HTTP routes answer, as models: the OpenAPI document shows every field with an example."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from slrt_contracts.codes import CaseStatus, Channel, Language, Level, Programme

from slrt_intake.domain.status import NextStepCode

CASE_ID = "0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40"
WHEN = "2026-03-02T08:15:00+00:00"


class _View(BaseModel):
    model_config = ConfigDict(extra="allow")


class Registered(_View):
    case_id: str = Field(description="the case's id", examples=[CASE_ID])
    case_number: str = Field(description="per kabupaten/kota and year, for people", examples=["3201-2026-000042"])
    status: CaseStatus = Field(examples=["registered"])
    level: Level = Field(description="where the case is handled now", examples=["desa"])
    warnings: list[str] = Field(description="accepted, but worth a look (`field: code`)",
                                examples=[["citizen.nik: region_mismatch"]])
    linked: bool = Field(description="true: an open case of this citizen already carries these needs; that case "
                                     "is answered (200) and no new one is made", examples=[False])


class RegionPart(_View):
    code: str = Field(description="Kemendagri code, dotted", examples=["32.01.01"])
    name: str | None = Field(description="the name today", examples=["Cibinong"])


class CaseRegion(_View):
    desa: RegionPart = Field(description="desa or kelurahan",
                             examples=[{"code": "32.01.01.1002", "name": "Karadenan"}])
    kecamatan: RegionPart = Field(examples=[{"code": "32.01.01", "name": "Cibinong"}])
    kabupaten: RegionPart = Field(description="kabupaten or kota",
                                  examples=[{"code": "32.01", "name": "Kabupaten Bogor"}])
    provinsi: RegionPart = Field(examples=[{"code": "32", "name": "Jawa Barat"}])


class CitizenView(_View):
    nik: str | None = Field(description="null once erased", examples=["3201015508950001"])
    kk: str | None = Field(description="null once erased", examples=["3201010101200001"])
    name: str | None = Field(description="null once erased", examples=["Siti Aminah"])
    phone: str | None = Field(description="E.164", examples=["+6281234567890"])
    email: str | None = Field(examples=["siti@example.id"])
    language: Language = Field(examples=["id"])


class ComplaintSummary(_View):
    complaint_id: str = Field(examples=["5b0e7c9a-1f3d-4e2b-8a6c-9d4f2e1b7a30"])
    referral_id: str | None = Field(examples=[None])
    filed_at: str = Field(examples=[WHEN])


class CaseSummary(_View):
    case_id: str = Field(examples=[CASE_ID])
    case_number: str = Field(examples=["3201-2026-000042"])
    status: CaseStatus = Field(examples=["referred"])
    level: Level = Field(examples=["desa"])
    region_code: str = Field(description="the desa, dotted", examples=["32.01.01.1002"])
    needs: list[Programme] = Field(examples=[["PKH", "PBI-JK"]])
    channel: Channel = Field(examples=["puskesos"])
    registered_at: str = Field(examples=[WHEN])
    status_changed_at: str | None = Field(description="when routing last moved the status", examples=[WHEN])


REGION_EXAMPLE = {"desa": {"code": "32.01.01.1002", "name": "Karadenan"},
                  "kecamatan": {"code": "32.01.01", "name": "Cibinong"},
                  "kabupaten": {"code": "32.01", "name": "Kabupaten Bogor"},
                  "provinsi": {"code": "32", "name": "Jawa Barat"}}
CITIZEN_EXAMPLE = {"nik": "3201015508950001", "kk": "3201010101200001", "name": "Siti Aminah",
                   "phone": "+6281234567890", "email": "siti@example.id", "language": "id"}
COMPLAINT_EXAMPLE = {"complaint_id": "5b0e7c9a-1f3d-4e2b-8a6c-9d4f2e1b7a30", "referral_id": None, "filed_at": WHEN}
SUMMARY_EXAMPLE = {"case_id": CASE_ID, "case_number": "3201-2026-000042", "status": "referred", "level": "desa",
                   "region_code": "32.01.01.1002", "needs": ["PKH", "PBI-JK"], "channel": "puskesos",
                   "registered_at": WHEN, "status_changed_at": WHEN}


class NamedCase(CaseSummary):
    name: str = Field(description="the citizen's name (personal data: the look-up is audited)",
                      examples=["Siti Aminah"])


class NameMatches(_View):
    items: list[NamedCase] = Field(description="newest first",
                                   examples=[[{**SUMMARY_EXAMPLE, "name": "Siti Aminah"}]])
    more: bool = Field(description="more cases match: narrow the name", examples=[False])


class CaseRecord(CaseSummary):
    region: CaseRegion = Field(description="the desa and the regions it lies in", examples=[REGION_EXAMPLE])
    ppks: list[int] = Field(examples=[[24]])
    warnings: list[str] = Field(examples=[[]])
    erased_at: str | None = Field(description="when the personal data was erased", examples=[None])
    citizen: CitizenView = Field(description="personal data (null once erased)", examples=[CITIZEN_EXAMPLE])
    address: dict[str, object] | None = Field(examples=[{"region_code": "32.01.01.1002", "rt": "003", "rw": "005",
                                                          "street": "Jl. Melati 10"}])
    household: dict[str, object] | None = Field(examples=[{"dtsen_status": "registered", "desil": 2}])
    description: str | None = Field(examples=["Belum menerima bantuan PKH sejak tiga bulan."])
    complaints: list[ComplaintSummary] = Field(description="oldest first", examples=[[COMPLAINT_EXAMPLE]])


class CasePage(_View):
    items: list[CaseSummary] = Field(description="newest first", examples=[[SUMMARY_EXAMPLE]])
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last",
                                    examples=[None])


class ComplaintFiledView(_View):
    complaint_id: str = Field(examples=["5b0e7c9a-1f3d-4e2b-8a6c-9d4f2e1b7a30"])
    case_id: str = Field(examples=[CASE_ID])


class Erased(_View):
    case_id: str = Field(examples=[CASE_ID])
    erased_at: str = Field(description="when the personal data was erased (the first time)", examples=[WHEN])


class ErrorDetail(_View):
    loc: list[str | int] = Field(description="where: body/path/query/header, then the field",
                                 examples=[["body", "citizen", "nik"]])
    msg: str = Field(description="Bahasa Indonesia, or English with Accept-Language: en",
                     examples=["tanggal lahir pada NIK tidak valid (perempuan: tanggal + 40)"])
    type: str = Field(description="the rule broken, stable for programs", examples=["nik_birth_date"])


class Errors(_View):
    detail: list[ErrorDetail] = Field(description="one item per bad field", examples=[[
        {"loc": ["body", "citizen", "nik"], "msg": "tanggal lahir pada NIK tidak valid (perempuan: tanggal + 40)",
         "type": "nik_birth_date"}]])


ERRORS = {"model": Errors}


class AuditRow(_View):
    at: str = Field(examples=[WHEN])
    action: str = Field(description="case_viewed, citizen_cases_viewed, subject_access, personal_data_corrected, "
                                    "personal_data_erased, ...", examples=["case_viewed"])
    actor: str | None = Field(description="the caller's token subject", examples=["operator-karadenan-1"])
    case_id: str | None = Field(examples=[CASE_ID])
    detail: dict[str, object] | None = Field(description="ids and field names, never values", examples=[None])


AUDIT_EXAMPLE = {"at": WHEN, "action": "case_viewed", "actor": "operator-karadenan-1", "case_id": CASE_ID,
                 "detail": None}
CONTACTS_EXAMPLE = {"topic": "slrt.case.contacts", "key": CASE_ID, "value": {
    "case_id": CASE_ID, "case_number": "3201-2026-000042", "name": "Siti Aminah", "phone": "+6281234567890",
    "email": "siti@example.id", "language": "id"}}
HELD_EXAMPLE = {"service": "reporting", "by": "case_id", "read_at": "GET /v1/cases/{case_id} (reporting, port 8004)",
                "holds_en": "the case's timeline without personal data",
                "holds_id": "riwayat kasus tanpa data pribadi"}


class ContactsAsPublished(_View):
    topic: str = Field(examples=["slrt.case.contacts"])
    key: str = Field(description="the case id", examples=[CASE_ID])
    value: dict[str, object] | None = Field(description="the record; null: erased (a tombstone)",
                                            examples=[CONTACTS_EXAMPLE["value"]])


class SubjectAccessCase(CaseRecord):
    citizen_ref: str = Field(description="the pseudonym of the NIK on slrt.case.events", examples=["cr1_9f2b7c1d"])
    consent: bool | None = Field(examples=[True])
    contacts: ContactsAsPublished = Field(description="the case's record on slrt.case.contacts",
                                          examples=[CONTACTS_EXAMPLE])
    referral_owners: list[dict[str, str]] = Field(description="the owners routing addressed the referrals to",
                                                  examples=[[{"referral_id": "4f7c2a9e", "owner_id": "dinsos-pkh@32.01",
                                                              "programme": "PKH"}]])
    audit: list[AuditRow] = Field(description="who read or changed the case, oldest first",
                                  examples=[[AUDIT_EXAMPLE]])


class HeldElsewhere(_View):
    service: str = Field(examples=["routing"])
    by: str = Field(examples=["case_id"])
    read_at: str | None = Field(examples=["GET /v1/cases/{case_id} (routing, port 8002)"])
    holds_en: str = Field(examples=["referrals, owners' answers and reasons, escalation notes"])
    holds_id: str = Field(examples=["rujukan, jawaban dan alasan pemilik program, catatan eskalasi"])


class SubjectAccess(_View):
    citizen_ref: str | None = Field(description="the pseudonym; null when no case is in scope", examples=[None])
    requested_at: str = Field(examples=[WHEN])
    answered_at: str = Field(description="at once: the same request, the time of its audit row", examples=[WHEN])
    cases: list[SubjectAccessCase] = Field(description="oldest first; empty: unknown NIK or none in scope",
                                           examples=[[]])
    citizen_audit: list[AuditRow] = Field(description="look-ups of the citizen (not of one case)",
                                          examples=[[{**AUDIT_EXAMPLE, "action": "citizen_cases_viewed",
                                                      "case_id": None, "detail": {"cases": 1}}]])
    erasures: list[dict[str, str]] = Field(examples=[[{"case_id": CASE_ID, "erased_at": WHEN}]])
    held_elsewhere: list[HeldElsewhere] = Field(description="what the other services hold, by case id",
                                                examples=[[HELD_EXAMPLE]])


class CorrectedCase(_View):
    case_id: str = Field(examples=[CASE_ID])
    fields: list[str] = Field(description="the fields changed (none: the values were already so)",
                              examples=[["phone", "address.street"]])


class Corrected(_View):
    case_id: str = Field(examples=[CASE_ID])
    corrected_at: str = Field(examples=[WHEN])
    cases: list[CorrectedCase] = Field(description="the named case first, then the citizen's other open cases in "
                                                   "scope", examples=[[{"case_id": CASE_ID, "fields": ["phone"]}]])


class _Closed(BaseModel):
    """An answer that refuses keys it does not list: a field the use case adds without adding it here fails
    instead of reaching the public."""

    model_config = ConfigDict(extra="forbid")


class NextStepView(_Closed):
    code: NextStepCode = Field(description="stable, for programs", examples=["awaiting_owner"])
    id: str = Field(description="in Bahasa Indonesia",
                    examples=["Kasus Anda sudah dirujuk ke pemilik program dan menunggu tanggapannya."])
    en: str = Field(description="in English", examples=["Your case was referred to the programme owner and awaits "
                                                        "their answer."])


class PublicStatus(_Closed):
    """What a citizen is told of their case: no name, NIK, phone, address, description, region or owner."""

    case_number: str = Field(description="as intake writes it", examples=["3201-2026-000042"])
    status: CaseStatus = Field(examples=["referred"])
    level: Level = Field(description="where the case is handled now", examples=["desa"])
    next_step: NextStepView = Field(description="what happens next, as a code and in words", examples=[{
        "code": "awaiting_owner", "id": "Kasus Anda sudah dirujuk ke pemilik program dan menunggu tanggapannya.",
        "en": "Your case was referred to the programme owner and awaits their answer."}])
    updated_at: str = Field(description="when the status last changed (or the case was registered)",
                            json_schema_extra={"format": "date-time"}, examples=[WHEN])
