"""Reporting's answers, typed for the OpenAPI document where their shape is fixed. Unknown keys are refused
(``extra="forbid"``): a field added to an answer without its type fails the tests instead of being dropped."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Region(_View):
    code: str = Field(examples=["32.01.01"])
    name: str | None = Field(examples=["Cibinong"])


class RegionChildren(_View):
    """A region, the regions above it (``path``, from the province down) and those one level below (``items``)."""

    region: str = Field(examples=["32.01"])
    name: str | None = Field(examples=["Kabupaten Bogor"])
    path: list[Region]
    items: list[Region]
