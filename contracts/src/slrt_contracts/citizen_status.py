"""The body of the citizens' public status look-up (``POST /v1/status`` on intake): the case number from the
receipt and the last four digits of the phone registered with the case. It is the one ``/v1`` route without a
token, so the body is all that is checked: unknown keys are refused, and no message repeats the input.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from slrt_contracts.fields import custom_error

#: ``KKKK-YYYY-NNNNNN`` as intake writes it (kabupaten/kota code, year, sequence of six digits or more) and every
#: service shows and looks it up
CASE_NUMBER_WRITTEN = r"^[0-9]{4}-[0-9]{4}-[0-9]{6,9}$"
#: a case number as a citizen may type it: the dashes may be left out
CASE_NUMBER_PATTERN = r"^[0-9]{4}-?[0-9]{4}-?[0-9]{6,9}$"
LAST4_PATTERN = r"^[0-9]{4}$"
_CASE_NUMBER = re.compile(CASE_NUMBER_PATTERN)
_LAST4 = re.compile(LAST4_PATTERN)


def _case_number(value: str) -> str:
    if not _CASE_NUMBER.fullmatch(value):
        raise custom_error("case_number_format", "not a case number (KKKK-YYYY-NNNNNN, as on the receipt)",
                           "bukan nomor kasus (KKKK-YYYY-NNNNNN, seperti pada tanda terima)")
    digits = value.replace("-", "")
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"


def _last4(value: str) -> str:
    if not _LAST4.fullmatch(value):
        raise custom_error("phone_last4_format", "four digits: the last four of the phone number given for the case",
                           "empat angka: empat angka terakhir nomor telepon yang didaftarkan pada kasus")
    return value


CaseNumber = Annotated[str, StringConstraints(max_length=19), AfterValidator(_case_number)]
PhoneLast4 = Annotated[str, StringConstraints(max_length=4), AfterValidator(_last4)]


class StatusRequest(BaseModel):
    """A citizen asks how their case stands: the answer is the status and the next step, nothing personal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_number: CaseNumber = Field(description="the case number on the receipt (`KKKK-YYYY-NNNNNN`)",
                                    examples=["3201-2026-000042"], json_schema_extra={"pattern": CASE_NUMBER_PATTERN})
    phone_last4: PhoneLast4 = Field(description="the last four digits of the phone number given for the case",
                                    examples=["7890"], json_schema_extra={"pattern": LAST4_PATTERN})
