"""``slrt audit <case_id|case_number>``: one case's audit trail from the four services (``GET /v1/audit`` of
each), merged by time, as a table or ``--json``. A case number is resolved to the case id by reporting
(``GET /v1/cases?case_number=``). Asks as an admin: ``--token``, else ``SLRT_DEV_ADMIN_TOKEN``, else a short-lived
token signed with the development key under ``./var/`` (as ``slrt token issue`` makes them)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from slrt_contracts.fields import IDENTIFIER_PATTERN
from slrt_shared.access.devkey import DevKey
from slrt_shared.access.principal import NATIONAL, Principal, Role

from slrt.settings import SERVICES, CliSettings

CASE_NUMBER = re.compile(r"^[0-9]{4}-[0-9]{4}-[0-9]{6}$")
PAGE = 500
SUBJECT = "slrt-audit-cli"


class UnknownCase(Exception):
    """No case has this number (reporting does not know it)."""


@dataclass
class Trail:
    case_id: str
    entries: list[dict[str, Any]] = field(default_factory=list)
    unanswered: dict[str, str] = field(default_factory=dict)  # service -> why its rows are missing


async def resolve_case(reporting: httpx.AsyncClient, case: str) -> str:
    """The case id of ``case``: itself, or the id of the case with that number."""
    if not CASE_NUMBER.match(case):
        return case
    response = await reporting.get("/v1/cases", params={"case_number": case, "limit": 1})
    response.raise_for_status()
    items = response.json()["items"]
    if not items:
        raise UnknownCase(case)
    return str(items[0]["case_id"])


async def _rows(client: httpx.AsyncClient, case_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"case_id": case_id, "limit": PAGE} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/v1/audit", params=params)
        response.raise_for_status()
        page = response.json()
        rows += page["items"]
        if not (cursor := page["next_cursor"]):
            return rows


def _order(entry: dict[str, Any]) -> tuple[datetime, int, int]:
    service = entry.get("service", "")
    rank = SERVICES.index(service) if service in SERVICES else len(SERVICES)
    return datetime.fromisoformat(entry["at"]), rank, int(entry["id"]) if str(entry["id"]).isdigit() else 0


async def collect(clients: Mapping[str, httpx.AsyncClient], case_id: str) -> Trail:
    """Every service's rows of the case, merged by time (ties: service, then row id). A service that does not
    answer is named in ``unanswered``; the others' rows are still merged."""
    names = list(clients)
    answers = await asyncio.gather(*(_rows(clients[n], case_id) for n in names), return_exceptions=True)
    trail = Trail(case_id)
    for name, answer in zip(names, answers, strict=True):
        if isinstance(answer, BaseException):
            trail.unanswered[name] = _why(answer)
        else:
            trail.entries += [{**row, "service": row.get("service", name)} for row in answer]
    trail.entries.sort(key=_order)
    return trail


def _why(error: BaseException) -> str:
    if isinstance(error, httpx.HTTPStatusError):
        return f"answered {error.response.status_code}"
    return type(error).__name__


COLUMNS = ("at", "service", "subject", "role", "action", "request_id", "trace_id", "detail")


def render(trail: Trail) -> str:
    """A plain-text table, one line per row of the trail."""
    def cell(entry: dict[str, Any], column: str) -> str:
        value = entry.get(column)
        if column == "detail":
            return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
        return "" if value is None else str(value)

    lines = [[cell(e, c) for c in COLUMNS] for e in trail.entries]
    widths = [max([len(c), *(len(line[i]) for line in lines)]) for i, c in enumerate(COLUMNS)]
    out = [f"audit trail of case {trail.case_id}: {len(trail.entries)} rows", ""]
    out.append("  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip())
    out += ["  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    return "\n".join(out)


def admin_token(settings: CliSettings, given: str | None) -> str | None:
    """The token to ask with; None when none can be had (an identity provider issues them)."""
    if given:
        return given
    if settings.dev_admin_token:
        return settings.dev_admin_token
    if settings.auth_issuer:
        return None
    key = DevKey.load_or_create(settings.var_dir)
    return key.issue(Principal(sub=SUBJECT, role=Role.ADMIN, scope=NATIONAL), audience=settings.auth_audience,
                     ttl=timedelta(minutes=5))


async def _audit(settings: CliSettings, case: str, *, as_json: bool, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    clients = {name: httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.service_port(name)}", headers=headers,
                                       timeout=30) for name in SERVICES}
    try:
        try:
            case_id = await resolve_case(clients["reporting"], case)
        except UnknownCase:
            print(f"slrt audit: no case has the number {case}", file=sys.stderr)
            return 1
        except httpx.HTTPError as exc:
            print(f"slrt audit: reporting could not resolve the case number ({_why(exc)})", file=sys.stderr)
            return 1
        trail = await collect(clients, case_id)
    finally:
        for client in clients.values():
            await client.aclose()
    if as_json:
        print(json.dumps({"case_id": trail.case_id, "items": trail.entries, "unanswered": trail.unanswered},
                         ensure_ascii=False, indent=2))
    else:
        print(render(trail))
    for name, why in trail.unanswered.items():
        print(f"slrt audit: {name} did not answer ({why}); its rows are missing", file=sys.stderr)
    return 1 if trail.unanswered else 0


def run_audit(settings: CliSettings, *, case: str, as_json: bool, token: str | None) -> int:
    if not re.fullmatch(IDENTIFIER_PATTERN, case):
        print("slrt audit: give a case id or a case number (like 3201-2026-000042)", file=sys.stderr)
        return 2
    bearer = admin_token(settings, token)
    if bearer is None:
        print("slrt audit: SLRT_AUTH_ISSUER is set; pass an admin's token with --token", file=sys.stderr)
        return 2
    return asyncio.run(_audit(settings, case, as_json=as_json, token=bearer))
