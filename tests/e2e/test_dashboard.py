"""The dashboard in a real headless browser (Debian's chromium, driven by Playwright; no browser download)."""

from __future__ import annotations

from pathlib import Path

import httpx
from slrt.people import Population

from tests.e2e.conftest import System
from tests.support import eventually
from tests.support.tokens import admin, token

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DESA = "32.01.01.1002"


async def _all_reported(client: httpx.AsyncClient, system: System, n: int) -> dict | None:
    stats = (await client.get(f"{system.url('reporting')}/v1/stats")).json()
    referred = stats["by_status"].get("referred", 0)
    return stats if stats["total"] == n and referred == n else None


async def test_dashboard_draws_the_numbers_drills_down_and_shows_a_timeline(system: System, chromium: Path) -> None:
    from playwright.async_api import async_playwright

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
    assert desa_stats["total"] == 3

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        await page.goto(system.url("reporting") + "/")
        await page.fill("#token", token())  # a national admin's, typed in as an officer would paste it
        await page.dispatch_event("#token", "change")
        await page.wait_for_function("document.getElementById('tile-total').textContent !== '–'")
        assert await page.text_content("#tile-total") == str(stats["total"])
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
            await page.wait_for_function(f"[...document.querySelectorAll('#crumbs a')].length > {code.count('.') + 1}")
        await page.wait_for_function("document.getElementById('tile-total').textContent === '3'")
        await page.wait_for_function("document.querySelectorAll('#cases tr').length === 3")
        await page.click("#cases tr >> nth=0")
        await page.wait_for_selector("#timeline li[data-type='case.registered']")
        assert await page.locator("#timeline li[data-type='referral.dispatched']").count() >= 1
        await page.click("#lang")
        await page.wait_for_function("document.documentElement.lang === 'en'")
        assert "Total cases" in await page.text_content("body")
        assert (await page.get_attribute("#f-number", "placeholder")).startswith("Case number")
        await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        await browser.close()
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
