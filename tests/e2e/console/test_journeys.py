"""Each journey of the console in a real Chromium against the whole system: an operator registers a case and
sees its referrals appear, the owner answers one, an operator of another desa cannot find it, and the form
shows the API's own field messages in both languages."""

from __future__ import annotations

from typing import Any

import httpx
from slrt.people import Population

from tests.e2e.console.conftest import DESA, OTHER_DESA, Console, sign_in, snap
from tests.support import eventually
from tests.support.tokens import admin


def citizen(seed: int) -> dict[str, Any]:
    body = Population(seed=seed).registration()
    body["citizen"]["nik"] = "320101" + body["citizen"]["nik"][6:]  # born where the desa is, as a NIK says
    return body


async def fill_registration(page: Any, body: dict[str, Any], *, needs: list[str]) -> None:
    c = body["citizen"]
    for field in ("nik", "kk", "name", "phone"):
        await page.fill(f"#{field}", c[field])
    await page.fill("#desa-search", "Karadenan")
    option = page.locator("#desa-options li").first
    await option.wait_for()
    await option.click()
    await page.fill("#street", body["address"]["street"])
    for need in needs:
        await page.check(f"input[name=needs][value='{need}']")
    await page.fill("#description", body["description"])
    await page.select_option("#channel", "puskesos")
    await page.check("#consent")


async def test_an_operator_registers_a_case_and_sees_its_referrals_and_the_owner_answers(
        console: Console, browser: Any) -> None:
    """The desk, the owner, finding, the citizen's status page, and the form's messages in both languages."""
    from playwright.async_api import expect

    page = await sign_in(browser, console, role="operator", region=DESA)
    await expect(page.locator("h1")).to_have_text("Daftarkan kasus")
    await snap(page, "register")
    body = citizen(21)
    await fill_registration(page, body, needs=["PKH"])
    await expect(page.locator("#region_code")).to_have_value(DESA)  # picked by name: Karadenan is 32.01.01.1002
    await page.click("form#register button[type=submit]")
    number = page.locator("#case-number")
    await expect(number).to_have_text(__import__("re").compile(r"^3201-\d{4}-\d{6}$"))
    case_number = await number.inner_text()
    await snap(page, "receipt")

    await page.click("text=Lihat kasus")
    for _ in range(60):  # the referrals appear once routing has dispatched and reporting projected them
        if await page.locator("#referrals tbody tr").count():
            break
        await page.wait_for_timeout(500)
        await page.reload()
    await expect(page.locator("#referrals")).to_contain_text("PKH")
    await snap(page, "case")
    case_id = page.url.rsplit("/", 1)[-1]

    # the programme owner the PKH referral went to answers it from the inbox
    async with httpx.AsyncClient(headers=admin(), timeout=10) as client:
        routed = (await client.get(f"{console.system.url('routing')}/v1/cases/{case_id}")).json()
    referral = next(r for r in routed["referrals"] if r["programme"] == "PKH")
    owner = await sign_in(browser, console, role="owner", region=referral["owner_region"], owner=referral["owner_id"])
    await expect(owner.locator("h1")).to_contain_text("Rujukan masuk")
    await expect(owner.locator(f"#pick-{referral['referral_id']}")).to_be_visible()
    await snap(owner, "inbox")
    await owner.check(f"#pick-{referral['referral_id']}")
    await owner.select_option("#status", "accepted")
    await owner.click("form#answer button[type=submit]")
    await expect(owner.locator(".results .ok")).to_contain_text(referral["referral_id"][:8])

    async def accepted() -> bool:
        async with httpx.AsyncClient(headers=admin(), timeout=10) as client:
            view = (await client.get(f"{console.system.url('routing')}/v1/cases/{case_id}")).json()
        return any(r["referral_id"] == referral["referral_id"] and r["status"] == "accepted"
                   for r in view["referrals"])

    assert await eventually(accepted, timeout=30)
    await page.reload()
    await expect(page.locator(f"tr[data-referral='{referral['referral_id']}']")).to_contain_text("diterima")

    # the operator finds it by number; an operator of the next desa does not
    await page.goto(f"{console.url}/find?q={case_number}")
    await expect(page.locator("#results")).to_contain_text(case_number)
    surname = body["citizen"]["name"].split()[-1]
    await search(page, console, surname)  # by name: in a form's body, never in a URL
    await expect(page.locator("#results")).to_contain_text(case_number)
    await expect(page.locator("#results")).to_contain_text(body["citizen"]["name"])
    await snap(page, "find")
    other = await sign_in(browser, console, role="operator", region=OTHER_DESA)
    await other.goto(f"{console.url}/find?q={case_number}")
    await expect(other.locator("#nothing")).to_be_visible()
    for text in (case_number, surname, body["citizen"]["nik"]):
        await search(other, console, text)
        await expect(other.locator("#nothing")).to_be_visible()
    await other.goto(f"{console.url}/cases/{case_id}")
    await expect(other.locator("#not-found")).to_be_visible()

    # the citizen, with no sign-in: the case number and the phone's last four digits
    citizen_page = await (await browser.new_context(viewport={"width": 360, "height": 640})).new_page()
    await citizen_page.goto(f"{console.url}/status")
    await snap(citizen_page, "status")
    unknown = await check_status(citizen_page, "3201-2026-999999", "0000")
    wrong = await check_status(citizen_page, case_number, "0000" if body["citizen"]["phone"][-4:] != "0000"
                               else "1111")
    assert wrong == unknown  # a wrong pair reads exactly like an unknown case
    await check_status(citizen_page, case_number, body["citizen"]["phone"][-4:])
    await expect(citizen_page.locator("#status")).to_have_text("sedang ditangani")
    await expect(citizen_page.locator("#next-step")).to_contain_text("Pemilik program sedang menangani")
    page_text = await citizen_page.locator("main").inner_text()
    assert body["citizen"]["name"] not in page_text and body["citizen"]["nik"] not in page_text
    await snap(citizen_page, "status-found")

    await the_form_shows_the_api_s_own_messages_as_typed_and_on_submit_in_both_languages(console, browser)


async def search(page: Any, console: Console, text: str) -> None:
    await page.goto(f"{console.url}/find")
    await page.fill("#q", text)
    async with page.expect_navigation():
        await page.click("form.search button[type=submit]")


async def check_status(page: Any, case_number: str, last4: str) -> str:
    await page.fill("#case_number", case_number)
    await page.fill("#phone_last4", last4)
    await page.click("main form button[type=submit]")
    await page.wait_for_load_state()
    return await page.locator("#status-error").inner_text() if await page.locator("#status-error").count() else ""


MISTAKES = {
    # field: (what is typed, the API's message in Bahasa Indonesia, in English)
    "nik": ("3201019913950001", "tanggal lahir", "birth date"),
    "region_code": ("32.01.01.9999", "desa", "desa"),
    "needs": (None, "paling sedikit 1", "at least 1"),
    "consent": (None, "persetujuan", "consent"),
}


async def api_messages(console: Console, body: dict[str, Any], lang: str) -> dict[str, str]:
    async with httpx.AsyncClient(headers={**admin(), "accept-language": lang}, timeout=10) as client:
        r = await client.post(f"{console.system.url('intake')}/v1/cases", json=body)
    assert r.status_code == 422
    return {item["loc"][-1] if item["loc"][-1] in MISTAKES else item["loc"][-2]: item["msg"]
            for item in r.json()["detail"]}


async def the_form_shows_the_api_s_own_messages_as_typed_and_on_submit_in_both_languages(
        console: Console, browser: Any) -> None:
    """Run within the journey's test: one system for both (each system costs half a minute to start)."""
    from playwright.async_api import expect

    body = citizen(22)
    wrong = {**body, "citizen": {**body["citizen"], "nik": MISTAKES["nik"][0]},
             "address": {**body["address"], "region_code": MISTAKES["region_code"][0]}, "needs": [], "consent": False}
    for lang in ("id", "en"):
        expected = await api_messages(console, wrong, lang)
        page = await sign_in(browser, console, role="operator", region="32.01.01", lang=lang)
        await page.fill("#nik", MISTAKES["nik"][0])
        await page.fill("#region_code", MISTAKES["region_code"][0])
        await page.check("#consent")
        await page.uncheck("#consent")
        await page.check("input[name=needs][value=PKH]")
        await page.uncheck("input[name=needs][value=PKH]")
        for field in MISTAKES:  # as typed: the console's check, the same model and messages as the API
            await expect(page.locator(f"[data-errors-for={field}]")).to_contain_text(expected[field])
            assert MISTAKES[field][1 if lang == "id" else 2] in expected[field]
        await snap(page, f"register-errors-{lang}")
        await page.click("form#register button[type=submit]")  # on submit: the API's own answer
        for field in MISTAKES:
            await expect(page.locator(f"[data-errors-for={field}]")).to_contain_text(expected[field])
        await expect(page.locator("#nik")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("html")).to_have_attribute("lang", lang)
