"""The API of CONTRACT.md "Reporting (8004)": filters by region of any level, status, level, number and overdue;
keyset pagination; stats; exports; every bad query parameter answered 422 naming it; 404 for unknown cases."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import httpx
import pytest
from openpyxl import load_workbook
from slrt_contracts.codes import Level

from tests.integration.reporting.stories import T0, Story, reporting, settings_for, stats_when
from tests.support import eventually
from tests.support.kafka import publish

BOGOR, BOGOR_2, SEMARANG, NABIRE = "32.01.01.1002", "32.01.02.2001", "33.74.01.1001", "94.01.01.1001"


def stories(s) -> dict[str, Story]:  # type: ignore[no-untyped-def]
    """Six cases in four desa of three provinces, each in another state."""
    made = {}
    for n, (name, region) in enumerate([("referred", BOGOR), ("in_progress", BOGOR), ("other_kecamatan", BOGOR_2),
                                        ("resolved", SEMARANG), ("overdue", SEMARANG), ("papua", NABIRE)], start=1):
        story = Story(s, str(uuid.uuid4()), region, n, start=T0.replace(hour=0) + timedelta(hours=n))
        story.registered()
        if name != "papua":
            story.dispatched(f"r-{story.case_id}")
        made[name] = story
    made["in_progress"].answered(f"r-{made['in_progress'].case_id}", "accepted", 2)
    made["resolved"].answered(f"r-{made['resolved'].case_id}", "resolved", 20)
    made["resolved"].milestone("resolved", 20)
    made["overdue"].escalated(Level.KECAMATAN, 72, 8)
    made["overdue"].escalated(Level.KABUPATEN, 192, 22)
    made["overdue"].milestone("overdue", 528, Level.KABUPATEN)
    return made


async def ids(client: httpx.AsyncClient, **params: str) -> tuple[set[str], int]:
    response = await client.get("/v1/cases", params={"limit": "500", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    return {c["case_id"] for c in body["items"]}, body["total"]


BAD = [("/v1/cases", {"limit": "0"}, "limit"), ("/v1/cases", {"limit": "501"}, "limit"),
       ("/v1/cases", {"limit": "many"}, "limit"), ("/v1/cases", {"region": "99.99"}, "region"),
       ("/v1/cases", {"region": "Bogor"}, "region"), ("/v1/cases", {"region": "32.1"}, "region"),
       ("/v1/cases", {"status": "lost"}, "status"), ("/v1/cases", {"level": "galaxy"}, "level"),
       ("/v1/cases", {"overdue": "maybe"}, "overdue"), ("/v1/cases", {"cursor": "garbage"}, "cursor"),
       ("/v1/cases", {"case_number": "3201-26-1"}, "case_number"), ("/v1/cases", {"regoin": "32"}, "regoin"),
       ("/v1/stats", {"region": "00"}, "region"), ("/v1/stats", {"since": "2026"}, "since"),
       ("/v1/export.csv", {"region": "3201x"}, "region"), ("/v1/export.xlsx", {"format": "xls"}, "format"),
       ("/v1/regions", {"region": "99"}, "region"), ("/v1/cases/some-case", {"verbose": "1"}, "verbose")]


async def test_filters_pagination_stats_exports_and_errors(kafka_broker, topic_prefix, database_url) -> None:
    s = settings_for(kafka_broker, topic_prefix, database_url)
    made = stories(s)
    case = {name: story.case_id for name, story in made.items()}
    async with reporting(s) as client:
        await publish(kafka_broker.bootstrap, [r for story in made.values() for r in story.records])
        await stats_when(client, lambda b: b["total"] == 6 and b["overdue"] == 1 and
                         b["by_status"].get("resolved") == 1 and b["by_status"].get("in_progress") == 1)
        everything = set(case.values())
        bogor = {case["referred"], case["in_progress"], case["other_kecamatan"]}
        for region, expected in [("32", bogor), ("3201", bogor), ("32.01", bogor),
                                 ("320101", {case["referred"], case["in_progress"]}),
                                 ("32.01.01.1002", {case["referred"], case["in_progress"]}),
                                 ("3201011002", {case["referred"], case["in_progress"]}),
                                 ("33.74", {case["resolved"], case["overdue"]}), ("94", {case["papua"]}),
                                 ("nasional", everything), ("11", set())]:
            assert await ids(client, region=region) == (expected, len(expected)), region
        assert await ids(client, status="resolved") == ({case["resolved"]}, 1)
        assert await ids(client, status="registered") == ({case["papua"]}, 1)
        assert await ids(client, level="kabupaten") == ({case["overdue"]}, 1)
        assert await ids(client, overdue="true") == ({case["overdue"]}, 1)
        assert await ids(client, overdue="false") == (everything - {case["overdue"]}, 5)
        assert await ids(client, case_number=made["resolved"].number) == ({case["resolved"]}, 1)
        assert await ids(client, region="33", status="resolved", level="desa") == ({case["resolved"]}, 1)

        seen, cursor, pages = [], None, 0
        while True:
            params = {"limit": "4", **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/v1/cases", params=params)).json()
            seen += [c["case_id"] for c in page["items"]]
            pages += 1
            assert page["total"] == 6
            if not (cursor := page["next_cursor"]):
                break
        order = ["papua", "overdue", "resolved", "other_kecamatan", "in_progress", "referred"]  # newest first
        assert seen == [case[n] for n in order] and pages == 2
        item = (await client.get("/v1/cases", params={"region": "94"})).json()["items"][0]
        assert item["region_name"] == "Wonorejo" and item["status"] == "registered" and item["owners"] == []

        stats = (await client.get("/v1/stats", params={"region": "3374"})).json()
        assert stats["region"] == "33.74" and stats["region_name"] == "Kota Semarang" and stats["total"] == 2
        assert stats["by_level"] == {"desa": 1, "kabupaten": 1} and stats["overdue"] == 1
        assert stats["escalation_funnel"] == {"desa": 2, "kecamatan": 1, "kabupaten": 1, "overdue": 1}
        assert stats["sla"] == {"met": 1, "missed": 0} and stats["sla_compliance"] == 1.0
        assert stats["time_to_resolution"]["<1d"] == 1 and stats["mean_resolution_hours"] == 20.0
        national = (await client.get("/v1/stats")).json()
        assert national["region"] == "nasional" and national["total"] == 6
        assert {r["code"]: r["total"] for r in national["by_region"]} == {"32": 3, "33": 2, "94": 1}
        assert sum(national["registered_per_day"].values()) == 6 and national["by_ppks"] == {"24": 6}
        kids = (await client.get("/v1/regions", params={"region": "32.01.01"})).json()
        assert {"code": BOGOR, "name": "Karadenan"} in kids["items"] and len(kids["path"]) == 3

        rows = list(csv.DictReader(io.StringIO((await client.get("/v1/export.csv", params={"region": "33.74"})).text)))
        assert {r["case_id"] for r in rows} == {case["resolved"], case["overdue"]}
        assert {"case_id", "case_number", "region_code", "status", "level", "programmes", "registered_at",
                "resolved_at"} <= set(rows[0])
        done = next(r for r in rows if r["case_id"] == case["resolved"])
        assert done["resolved_at"] and (done["programmes"], done["status"]) == ("PKH", "resolved")
        workbook = await client.get("/v1/export.xlsx", params={"region": "3374"})
        assert workbook.headers["content-disposition"].endswith('slrt-cases-3374.xlsx"')
        table = list(load_workbook(io.BytesIO(workbook.content), read_only=True).active.iter_rows(values_only=True))
        assert table[0][:3] == ("case_id", "case_number", "region_code")
        assert {r[0] for r in table[1:]} == {case["resolved"], case["overdue"]}

        for path, params, name in BAD:
            bad = await client.get(path, params=params)
            assert bad.status_code == 422, (path, params, bad.text)
            assert [d["loc"] for d in bad.json()["detail"]] == [["query", name]], (path, params)
        both = await client.get("/v1/cases", params={"limit": "0", "status": "lost"},
                                headers={"Accept-Language": "en"})
        assert sorted(d["loc"][1] for d in both.json()["detail"]) == ["limit", "status"]
        english = (await client.get("/v1/cases", params={"region": "99.99"}, headers={"Accept-Language": "en"}))
        indonesian = (await client.get("/v1/cases", params={"region": "99.99"}))
        assert english.json()["detail"][0]["msg"] == "no such region"
        assert indonesian.json()["detail"][0]["msg"] == "wilayah tidak dikenal"
        assert (await client.get("/v1/cases/" + "x" * 65)).status_code == 422
        missing = await client.get("/v1/cases/unknown-case")
        assert missing.status_code == 404 and missing.json()["detail"][0]["loc"] == ["path", "case_id"]

        assert (await client.get("/healthz")).status_code == 200
        # ready once both subscriptions (case and notification events) have joined their groups
        await eventually(lambda: _ready(client), timeout=60)
        page = await client.get("/")
        assert page.status_code == 200 and '<html lang="id">' in page.text
        for path in ("/v1/cases", f"/v1/cases/{case['resolved']}", "/v1/stats", "/v1/export.csv"):
            assert "cit_test" not in (await client.get(path)).text  # the pseudonymous citizen is not shown


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).json()["status"] == "ready"


@pytest.mark.parametrize("path", ["/v1/cases", "/v1/stats", "/v1/export.csv"])
async def test_an_empty_system_answers_with_zeros(kafka_broker, topic_prefix, database_url, path) -> None:
    async with reporting(settings_for(kafka_broker, topic_prefix, database_url)) as client:
        response = await client.get(path)
        assert response.status_code == 200
        if path == "/v1/cases":
            assert response.json() == {"items": [], "total": 0, "next_cursor": None}
        elif path == "/v1/stats":
            assert response.json()["total"] == 0 and response.json()["sla_compliance"] is None
        else:
            assert response.text.splitlines()[0].startswith("case_id,case_number,region_code")
