"""The dashboard in a real headless browser (Debian's chromium, driven by Playwright; no browser download)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from slrt.people import Population
from slrt_shared.access.principal import Role

from tests.e2e.conftest import System
from tests.support import eventually
from tests.support.tokens import admin, token

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DESA, KECAMATAN = "32.01.01.1002", "32.01.01"
XSS = '<img src=x onerror="window.pwned=1">bukan wewenang'


async def enter_token(page, value: str) -> None:  # type: ignore[no-untyped-def]
    await page.fill("#token", value)
    await page.dispatch_event("#token", "change")


async def _all_reported(client: httpx.AsyncClient, system: System, n: int) -> dict | None:
    stats = (await client.get(f"{system.url('reporting')}/v1/stats")).json()
    referred = stats["by_status"].get("referred", 0)
    return stats if stats["total"] == n and referred == n else None


async def test_dashboard_draws_the_numbers_drills_down_and_shows_a_timeline(system: System, chromium: Path) -> None:
    from playwright.async_api import async_playwright, expect

    population = Population(seed=11)
    bodies = []
    for i in range(6):
        body = population.registration()
        if i < 3:  # three cases in one desa, to drill down to
            body["address"]["region_code"] = DESA
            body["citizen"]["nik"] = f"320101{body['citizen']['nik'][6:]}"
        body["channel"] = "puskesos"
        bodies.append(body)
    async with httpx.AsyncClient(timeout=15, headers=admin()) as client:
        for body in bodies:
            assert (await client.post(f"{system.url('intake')}/v1/cases", json=body)).status_code == 201
        stats = await eventually(lambda: _all_reported(client, system, len(bodies)), timeout=60)
        desa_stats = (await client.get(f"{system.url('reporting')}/v1/stats", params={"region": DESA})).json()
        # an owner's free-text reason that is markup: it stays in routing; the page shows the code's words
        listed = (await client.get(f"{system.url('reporting')}/v1/cases", params={"region": DESA})).json()
        target = listed["items"][0]["case_id"]
        referral = (await client.get(f"{system.url('routing')}/v1/cases/{target}")).json()["referrals"][0]
        answered = await client.post(f"{system.url('routing')}/v1/referrals/{referral['referral_id']}/status",
                                     json={"status": "in_progress", "reason": XSS, "reason_code": "scheduled"})
        assert answered.status_code == 200

        async def reason_reported() -> bool:
            view = (await client.get(f"{system.url('reporting')}/v1/cases/{target}")).json()
            return any(r["reason"] == "dijadwalkan" for r in view["referrals"])

        await eventually(reason_reported, timeout=60)
        stats = (await client.get(f"{system.url('reporting')}/v1/stats")).json()
    assert desa_stats["total"] == 3
    in_kecamatan = sum(1 for b in bodies if b["address"]["region_code"].startswith(KECAMATAN + "."))

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = await browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        opened = await page.goto(system.url("reporting") + "/")
        assert opened is not None and "script-src 'self'" in opened.headers["content-security-policy"]
        # no token: no data, and the page says what it needs
        await expect(page.locator("#updated")).to_contain_text("token")
        assert await page.text_content("#tile-total") == "–"
        # a kecamatan supervisor's token: that kecamatan's cases only
        await enter_token(page, token(Role.SUPERVISOR, KECAMATAN))
        await expect(page.locator("#tile-total")).to_have_text(str(in_kecamatan))
        # a national admin's, typed in as an officer would paste it
        await enter_token(page, token())
        await expect(page.locator("#tile-total")).to_have_text(str(stats["total"]))
        referred_bar = page.locator("#chart-status .row[data-key='referred']")
        assert await referred_bar.get_attribute("data-value") == str(stats["by_status"]["referred"])
        for programme, count in stats["by_programme"].items():
            bar = page.locator(f"#chart-programme .row[data-key='{programme}']")
            assert await bar.get_attribute("data-value") == str(count)
        day_bars = page.locator("#days-svg rect.bar-registered")
        assert sum([int(await day_bars.nth(i).get_attribute("data-value")) for i in range(await day_bars.count())]) \
            == stats["total"]

        # drill down province -> kabupaten -> kecamatan -> desa
        for code in ("32", "32.01", "32.01.01", DESA):
            await page.select_option("#drill", code)
            await expect(page.locator("#crumbs a")).to_have_count(code.count(".") + 2)
        await expect(page.locator("#tile-total")).to_have_text("3")
        await expect(page.locator("#cases tr")).to_have_count(3)
        await page.click(f"#cases tr[data-case='{target}']")
        await page.wait_for_selector("#timeline li[data-type='case.registered']")
        detail = await page.text_content("#case-detail")
        assert "dijadwalkan" in detail and "onerror" not in detail and "bukan wewenang" not in detail
        assert await page.locator("#case-detail img").count() == 0
        assert await page.locator("#timeline li[data-type='referral.dispatched']").count() >= 1
        await page.click("#lang")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        assert "Total cases" in await page.text_content("body")
        assert (await page.get_attribute("#f-number", "placeholder")).startswith("Case number")
        # the export goes with the token, and the token was never stored by the page
        async with page.expect_download() as started:
            await page.click("#export-csv")
        saved = Path(await (await started.value).path())
        exported = await asyncio.to_thread(saved.read_text, encoding="utf-8")
        assert exported.startswith("case_id,") and target in exported and len(exported.splitlines()) == 4
        stored = await page.context.storage_state()  # read by the browser itself: the page's CSP is not in the way
        kept = {item["name"] for origin in stored["origins"] for item in origin.get("localStorage", [])}
        assert kept <= {"slrt.lang"}  # never the token
        await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        await browser.close()
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
