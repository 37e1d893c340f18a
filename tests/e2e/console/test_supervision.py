"""A kecamatan supervisor in an SLA drill (every level's deadline 8 seconds after the last): a case turns overdue
on the supervision screen, and another is escalated by hand with a reason."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.console.conftest import DESA, Console, sign_in, snap
from tests.e2e.console.test_journeys import citizen
from tests.support.tokens import admin

KECAMATAN = "32.01.01"


async def register(console: Console, seed: int) -> dict[str, Any]:
    body = citizen(seed)
    body["address"]["region_code"] = DESA
    async with httpx.AsyncClient(headers=admin(), timeout=10) as client:
        r = await client.post(f"{console.system.url('intake')}/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_supervisor_sees_a_case_turn_overdue_and_escalates_another_by_hand(
        drill_console: Console, browser: Any) -> None:
    from playwright.async_api import expect

    console = drill_console
    late = await register(console, 31)
    page = await sign_in(browser, console, role="supervisor", region=KECAMATAN)
    await expect(page.locator("h1")).to_contain_text("Pengawasan")
    overdue_row = page.locator(f"#list-overdue tr[data-case='{late['case_number']}']")
    for _ in range(160):  # desa, kecamatan and kabupaten deadlines pass in about 24 seconds
        if await overdue_row.count():
            break
        await page.wait_for_timeout(500)
        await page.reload()
    await expect(overdue_row).to_contain_text("terlambat")
    await snap(page, "supervise")

    fresh = await register(console, 32)
    await page.goto(f"{console.url}/cases/{fresh['case_id']}")
    for _ in range(20):  # until reporting has projected it
        if await page.locator("#escalate-reason").count():
            break
        await page.wait_for_timeout(250)
        await page.reload()
    await page.fill("#escalate-reason", "keluhan berulang, desa belum menindaklanjuti")
    await page.click("form[action$='/escalate'] button[type=submit]")
    await expect(page.locator("p.ok")).to_contain_text("Kasus dieskalasi ke")
    async with httpx.AsyncClient(headers=admin(), timeout=10) as client:
        view = (await client.get(f"{console.system.url('routing')}/v1/cases/{fresh['case_id']}")).json()
    assert [e["note"] for e in view["escalations"]] == ["keluhan berulang, desa belum menindaklanjuti"]

    # and reassigns its referral to another owner with authority, from the case's page
    await page.goto(f"{console.url}/cases/{fresh['case_id']}")
    await page.locator("a.reassign").first.click()
    await expect(page.locator("#owner_id")).to_contain_text("slrt@32.01")
    await snap(page, "reassign")
    await page.select_option("#owner_id", "slrt@32.01")
    await page.fill("#reassign-reason", "dinas belum menjawab")
    await page.click("main form button[type=submit]")
    await expect(page.locator("p.ok")).to_contain_text("Rujukan dialihkan")
    async with httpx.AsyncClient(headers=admin(), timeout=10) as client:
        view = (await client.get(f"{console.system.url('routing')}/v1/cases/{fresh['case_id']}")).json()
    moved = [r for r in view["referrals"] if r["replaced_by"] is not None]
    new = [r for r in view["referrals"] if r["note"] == "dinas belum menjawab"]
    assert len(moved) == 1 and [(r["owner_id"], r["replaced_by"]) for r in new] == [("slrt@32.01", None)]
    assert moved[0]["replaced_by"] == new[0]["referral_id"]

    await page.goto(f"{console.url}/dashboard")
    await expect(page.locator("#total")).not_to_have_text("0")
    await snap(page, "dashboard")
