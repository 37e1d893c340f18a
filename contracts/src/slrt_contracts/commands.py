"""``slrt.intake.commands`` / ``slrt.intake.replies``, and the case registration body they share with HTTP.

The registration body is validated here, once, for both entrances (``POST /v1/cases`` and the
``case.register`` command). Every error names its field; no message repeats the input value.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from slrt_contracts.base import EventData
from slrt_contracts.codes import Channel, DtsenStatus, Language, Programme
from slrt_contracts.fields import (
    IDENTIFIER_PATTERN,
    Email,
    Identifier,
    Kk,
    Nik,
    Phone,
    Prose,
    RegionCode,
    RtRw,
    Text,
    custom_error,
    single_line,
)
from slrt_contracts.topics import INTAKE_COMMANDS, INTAKE_REPLIES

_custom = custom_error  # the name this module used first
_SIXTEEN_DIGITS = {"pattern": "^[0-9]{16}$"}
_RT_RW_PATTERN = {"pattern": "^[0-9]{1,3}$"}
_STREET = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(single_line)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citizen(_Body):
    nik: Nik = Field(description="16 digits; real birth date (women DD+40); serial not 0000",
                     examples=["3201015508950001"], json_schema_extra=_SIXTEEN_DIGITS)
    kk: Kk = Field(description="family card number, 16 digits", examples=["3201010101200001"],
                   json_schema_extra=_SIXTEEN_DIGITS)
    name: Text = Field(min_length=1, max_length=100, description="the citizen's name", examples=["Siti Aminah"])
    phone: Phone | None = Field(default=None, description="Indonesian number, stored as +62...",
                                examples=["081234567890"])
    email: Email | None = Field(default=None, description="e-mail address", examples=["siti@example.id"],
                                json_schema_extra={"format": "email"})
    language: Language = Field(default=Language.ID, description="language of messages to the citizen",
                               examples=["id"])


class Address(_Body):
    region_code: RegionCode = Field(description="a desa/kelurahan code (83,762 exist), dotted or not",
                                    examples=["32.01.01.1002"])
    rt: RtRw | None = Field(default=None, description="rukun tetangga, 1-3 digits", examples=["003"],
                            json_schema_extra=_RT_RW_PATTERN)
    rw: RtRw | None = Field(default=None, description="rukun warga, 1-3 digits", examples=["005"],
                            json_schema_extra=_RT_RW_PATTERN)
    street: _STREET | None = Field(
        default=None, description="street and house number", examples=["Jl. Melati 10"])


class Household(_Body):
    dtsen_status: DtsenStatus = Field(default=DtsenStatus.UNKNOWN,
                                      description="`not_registered` adds the DTSEN need", examples=["registered"])
    desil: int | None = Field(default=None, ge=1, le=10, description="DTSEN welfare decile", examples=[2])


CITIZEN_EXAMPLE = {"nik": "3201015508950001", "kk": "3201010101200001", "name": "Siti Aminah",
                   "phone": "081234567890", "email": "siti@example.id"}
ADDRESS_EXAMPLE = {"region_code": "32.01.01.1002", "rt": "003", "rw": "005", "street": "Jl. Melati 10"}


class CaseRegistration(_Body):
    citizen: Citizen = Field(description="who asks for help (personal data: kept by intake only)",
                             examples=[CITIZEN_EXAMPLE])
    address: Address = Field(description="where the citizen lives now", examples=[ADDRESS_EXAMPLE])
    household: Household = Field(default_factory=Household, description="the household's DTSEN standing",
                                 examples=[{"dtsen_status": "registered", "desil": 2}])
    ppks: list[Annotated[int, Field(ge=1, le=26)]] = Field(default_factory=list, max_length=26,
                                                           description="PPKS ordinals 1-26", examples=[[24]])
    needs: list[Programme] = Field(min_length=1, max_length=13, description="programme codes",
                                   examples=[["PKH", "PBI-JK"]])
    description: Prose = Field(min_length=1, max_length=2000, description="the need or complaint, in words",
                               examples=["Belum menerima bantuan PKH sejak tiga bulan."])
    channel: Channel = Field(description="where the case was taken in", examples=["puskesos"])
    consent: bool = Field(strict=True, examples=[True],
                          description="must be true: the citizen agreed to the processing of their data")

    @field_validator("consent")
    @classmethod
    def _consent_given(cls, value: bool) -> bool:
        if value is not True:
            raise _custom("consent_required", "consent must be true", "persetujuan (consent) harus true")
        return value

    @field_validator("ppks", "needs")
    @classmethod
    def _no_repeats(cls, value: list[Any]) -> list[Any]:
        if len(set(value)) != len(value):
            raise _custom("duplicate_items", "items must not repeat", "isi daftar tidak boleh berulang")
        return value

    def all_needs(self) -> list[Programme]:
        """The needs, with ``DTSEN`` added for a household not in DTSEN."""
        needs = list(self.needs)
        if self.household.dtsen_status is DtsenStatus.NOT_REGISTERED and Programme.DTSEN not in needs:
            needs.append(Programme.DTSEN)
        return needs


class ComplaintBody(_Body):
    description: Prose = Field(min_length=1, max_length=2000, description="what went wrong, in words",
                               examples=["Rujukan PKH belum ada jawaban dari dinas."])
    referral_id: Identifier | None = Field(default=None, description="the referral complained about, if one",
                                           examples=["4f7c2a9e-3b1d-4c55-9a0e-2d8f6b1c7e21"],
                                           json_schema_extra={"pattern": IDENTIFIER_PATTERN})


class RegisterCase(EventData, CaseRegistration):
    ce_type: ClassVar[str] = "id.slrt.case.register.v1"
    topic: ClassVar[str] = INTAKE_COMMANDS


class FileComplaint(EventData, ComplaintBody):
    ce_type: ClassVar[str] = "id.slrt.complaint.file.v1"
    topic: ClassVar[str] = INTAKE_COMMANDS
    case_id: Identifier = Field(description="the case complained about",
                                examples=["0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40"],
                                json_schema_extra={"pattern": IDENTIFIER_PATTERN})


class ErrorItem(BaseModel):
    model_config = ConfigDict(frozen=True)
    loc: list[str | int]
    msg: str
    type: str


class CommandAccepted(EventData):
    ce_type: ClassVar[str] = "id.slrt.command.accepted.v1"
    topic: ClassVar[str] = INTAKE_REPLIES
    command_id: str
    case_id: str
    case_number: str | None = None
    complaint_id: str | None = None
    linked: bool = False
    warnings: list[str] = Field(default_factory=list, description="accepted, but worth a look (`field: code`)")


class CommandRejected(EventData):
    ce_type: ClassVar[str] = "id.slrt.command.rejected.v1"
    topic: ClassVar[str] = INTAKE_REPLIES
    command_id: str
    errors: list[ErrorItem]
