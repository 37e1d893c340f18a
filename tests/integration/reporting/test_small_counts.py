"""Small counts of sensitive PPKS (docs/privacy.md, "Small counts") through the API: an analyst sees neither a
small count nor one that subtraction would give back, in stats, lists, a case or the exports; an admin sees the
true figures.

Sensitive here: 16 (HIV/AIDS) and 19 (violence); threshold 5. Kecamatan 13.02.03 has two desa only:
X (13.02.03.2001): two cases of 16, one of 19, three of 24; Y (13.02.03.2002): six of 16, six of 24.
Z (33.74.01.1001) and W (94.01.01.1001, Papua): six each of 16, 19 and 24. Nowhere else any case.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
from openpyxl import load_workbook
from slrt_shared.access.principal import NATIONAL, Role

from tests.integration.reporting.stories import Story, reporting, settings_for, stats_when
from tests.support.kafka import publish
from tests.support.tokens import admin, auth

X, Y, KECAMATAN, Z, W = "13.02.03.2001", "13.02.03.2002", "13.02.03", "33.74.01.1001", "94.01.01.1001"
CASES = {X: [(16,)] * 2 + [(19,)] + [(24,)] * 3, Y: [(16,)] * 6 + [(24,)] * 6,
         Z: [(16,)] * 6 + [(19,)] * 6 + [(24,)] * 6, W: [(16,)] * 6 + [(19,)] * 6 + [(24,)] * 6}
HIDDEN = {"16": None, "19": None}
ANALYST = auth(Role.ANALYST, NATIONAL)


async def stats(client: httpx.AsyncClient, region: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/v1/stats", params={"region": region}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def unexplained(figures: dict[str, Any]) -> int:
    """What subtraction leaves: the region's cases minus every shown PPKS cell."""
    return figures["total"] - sum(n for n in figures["by_ppks"].values() if n is not None)


async def test_an_analyst_sees_no_small_count_of_a_sensitive_ppks(kafka_broker, topic_prefix, database_url) -> None:
    s = settings_for(kafka_broker, topic_prefix, database_url).model_copy(
        update={"reporting_sensitive_ppks": [16, 19], "reporting_small_count_threshold": 5})
    n, records, kinds = 0, [], {}
    for region, cases in CASES.items():
        for ppks in cases:
            n += 1
            story = Story(s, str(uuid.uuid4()), region, n, ppks=ppks)
            story.registered()
            records += story.records
            kinds[story.case_id] = ppks
    async with reporting(s) as client:
        await publish(kafka_broker.bootstrap, records)
        await stats_when(client, lambda b: b["total"] == len(kinds))

        # an admin: the true figures
        assert (await stats(client, X, admin()))["by_ppks"] == {"16": 2, "19": 1, "24": 3}
        assert (await stats(client, Y, admin()))["by_ppks"] == {"16": 6, "24": 6}
        truth = await stats(client, "13", admin())
        assert truth["by_ppks"] == {"16": 8, "19": 1, "24": 9} and truth["suppressed"] == []

        seen = {region: await stats(client, region, ANALYST) for region in (
            "nasional", "13", "33", "94", "13.02", KECAMATAN, X, Y, "33.74", Z, W, "11")}
        # enough cases with it and enough without: shown as they are
        assert seen["nasional"]["by_ppks"] == {"16": 20, "19": 13, "24": 21} and seen["nasional"]["suppressed"] == []
        assert seen["94"]["by_ppks"] == seen[W]["by_ppks"] == {"16": 6, "19": 6, "24": 6}
        # X's small counts are hidden; 13 hides 19 (one case) and so 16 with it
        assert seen[X]["by_ppks"] == {**HIDDEN, "24": 3} and seen[X]["suppressed"] == ["by_ppks.16", "by_ppks.19"]
        assert seen["13"]["by_ppks"] == seen["13.02"]["by_ppks"] == seen[KECAMATAN]["by_ppks"] == {**HIDDEN, "24": 9}
        # 33 would show its sixes, but then nasional minus 33 and 94 would give 13's: the next-smallest province
        # hides them too, and so does everything below it that has cases (33's sum would be theirs)
        assert seen["33"]["by_ppks"] == seen["33.74"]["by_ppks"] == seen[Z]["by_ppks"] == {**HIDDEN, "24": 6}
        # Y's six would show, but its 19 (no case) would be hidden alone: 16 is hidden with it
        assert seen[Y]["by_ppks"] == {**HIDDEN, "24": 6}
        # an empty region, or one outside the scope, looks like a region with a few: nothing shown
        assert seen["11"]["by_ppks"] == HIDDEN and seen["11"]["total"] == 0
        assert (await stats(client, Y, auth(Role.ANALYST, "33")))["by_ppks"] == HIDDEN
        # the same answer whatever the analyst's scope
        assert (await stats(client, Y, auth(Role.ANALYST, Y)))["by_ppks"] == seen[Y]["by_ppks"]
        # no subtraction gives a hidden count back: never one hidden cell alone in a region, nor one hidden
        # province under nasional, and every total stays what it is
        for region, figures in seen.items():
            assert len(figures["suppressed"]) != 1, region
        provinces = [seen[p]["by_ppks"]["16"] for p in ("13", "33", "94")]
        assert provinces.count(None) == 2 and seen["13"]["total"] == 18 and unexplained(seen[X]) == 3
        assert (await stats(client, X, auth(Role.SUPERVISOR, "13")))["by_ppks"] == {"16": 2, "19": 1, "24": 3}
        assert (await stats(client, X, auth(Role.OPERATOR, X)))["suppressed"] == []

        # rows never carry a sensitive PPKS for an analyst; the admin's do
        for region in (KECAMATAN, Z):
            listed = (await client.get("/v1/cases", params={"region": region, "limit": "500"}, headers=ANALYST)
                      ).json()
            assert listed["total"] == (len(CASES[X]) + len(CASES[Y]) if region == KECAMATAN else len(CASES[Z]))
            assert {tuple(c["ppks"]) for c in listed["items"]} == {(), (24,)}
            rows = list(csv.DictReader(io.StringIO((await client.get(
                "/v1/export.csv", params={"region": region}, headers=ANALYST)).text)))
            assert len(rows) == listed["total"] and {r["ppks"] for r in rows} == {"", "24"}
            true_rows = list(csv.DictReader(io.StringIO((await client.get(
                "/v1/export.csv", params={"region": region}, headers=admin())).text)))
            assert {r["case_id"]: r["ppks"] for r in true_rows} == {
                r["case_id"]: " ".join(map(str, kinds[r["case_id"]])) for r in rows}
        one = next(case for case, ppks in kinds.items() if ppks == (16,))
        assert (await client.get(f"/v1/cases/{one}", headers=ANALYST)).json()["ppks"] == []
        assert (await client.get(f"/v1/cases/{one}", headers=admin())).json()["ppks"] == [16]
        workbook = await client.get("/v1/export.xlsx", params={"region": KECAMATAN}, headers=ANALYST)
        table = list(load_workbook(io.BytesIO(workbook.content), read_only=True).active.iter_rows(values_only=True))
        column = table[0].index("ppks")
        assert len(table) == 1 + len(CASES[X]) + len(CASES[Y]) and {r[column] for r in table[1:]} <= {None, "", "24"}
