"""The bodies of the citizens' rights routes (UU 27/2022): subject access (``POST /v1/citizens/subject-access``)
and correction (``PATCH /v1/cases/{case_id}/citizen``).

The NIK travels in a body, never in a URL. A correction's fields are validated with the same types, limits and
messages as registration (``slrt_contracts.commands``): a phone is an Indonesian number stored as
``+62...``, an e-mail an address, RT/RW 1-3 digits, and no string holds control characters.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from slrt_contracts.fields import Email, Nik, Phone, RegionCode, RtRw, custom_error, single_line

_SIXTEEN_DIGITS = {"pattern": "^[0-9]{16}$"}
_RT_RW_PATTERN = {"pattern": "^[0-9]{1,3}$"}
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                 AfterValidator(single_line)]
Street = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(single_line)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubjectAccessRequest(_Body):
    nik: Nik = Field(description="the citizen's NIK (16 digits); in the body so that it reaches no URL or log",
                     examples=["3201015508950001"], json_schema_extra=_SIXTEEN_DIGITS)


class NameSearch(_Body):
    """An officer looks for a citizen's cases by name, within the officer's scope."""

    name: str = Field(min_length=3, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$", examples=["Siti Aminah"],
                      description="three letters at least; cases whose name holds it, ignoring case; in the body so "
                                  "that it reaches no URL or log")


class AddressCorrection(_Body):
    """RT, RW and street of the address. ``region_code`` may be sent unchanged (a client re-sending the whole
    address); another desa is refused (422): the region chose the case's routing and owners, so a citizen who
    moved registers anew or asks the SLRT office."""

    region_code: RegionCode | None = Field(default=None, description="only the case's own desa is accepted",
                                           examples=["32.01.01.1002"])
    rt: RtRw | None = Field(default=None, description="rukun tetangga, 1-3 digits; null removes it",
                            examples=["004"], json_schema_extra=_RT_RW_PATTERN)
    rw: RtRw | None = Field(default=None, description="rukun warga, 1-3 digits; null removes it",
                            examples=["005"], json_schema_extra=_RT_RW_PATTERN)
    street: Street | None = Field(default=None, description="street and house number; null removes it",
                                  examples=["Jl. Kenanga 3"])

    def corrections(self) -> dict[str, str | None]:
        """The address fields sent (not ``region_code``), by name: absent ones stay as they are."""
        return {name: getattr(self, name) for name in ("rt", "rw", "street") if name in self.model_fields_set}


class CitizenCorrection(_Body):
    """Any of name, phone, e-mail and address; a field not sent stays as it is, ``null`` removes a phone or an
    e-mail (a name cannot be removed)."""

    name: Name | None = Field(default=None, description="the citizen's name",
                              examples=["Siti Aminah Rahayu"])
    phone: Phone | None = Field(default=None, description="Indonesian number, stored as +62...; null removes it",
                                examples=["081298765432"])
    email: Email | None = Field(default=None, description="e-mail address; null removes it",
                                examples=["siti.aminah@example.id"], json_schema_extra={"format": "email"})
    address: AddressCorrection | None = Field(default=None, description="RT, RW and street",
                                              examples=[{"rt": "004", "street": "Jl. Kenanga 3"}])

    @field_validator("name")
    @classmethod
    def _name_not_removed(cls, value: str | None) -> str | None:
        if value is None:  # runs only when sent: ``"name": null``
            raise custom_error("name_required", "a name cannot be removed", "nama tidak dapat dihapus")
        return value

    @model_validator(mode="after")
    def _something_to_correct(self) -> CitizenCorrection:
        if not self.model_fields_set:
            raise custom_error("nothing_to_correct", "send at least one of name, phone, email, address",
                               "kirim paling sedikit satu dari name, phone, email, address")
        return self

    def contact_corrections(self) -> dict[str, str | None]:
        """name, phone, e-mail as sent (absent ones stay as they are)."""
        return {name: getattr(self, name) for name in ("name", "phone", "email") if name in self.model_fields_set}
