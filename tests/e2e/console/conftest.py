"""The console as ``slrt dev`` runs it (a process beside the four services, calling their APIs), and a real
Chromium driven by Playwright (Debian's, no browser download)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from slrt.chaos.processes import ServiceProcess
from slrt_shared.embedded_broker import EmbeddedBroker

from tests.e2e.conftest import System, _system

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
SIZES = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1366, "height": 768}}
DESA, OTHER_DESA = "32.01.01.1002", "32.01.01.1003"


@dataclass
class Console:
    url: str
    system: System


def start_console(system: System, service_processes: Callable[..., ServiceProcess]) -> Console:
    """The console beside the system; intake there counts citizens' look-ups by the address the console appends
    (``SLRT_STATUS_TRUSTED_PROXIES=1`` in the system's environment, as ``slrt dev`` sets it)."""
    env = {**system.env, **{f"SLRT_CONSOLE_{name.upper()}_URL": system.url(name)
                            for name in ("intake", "routing", "reporting")}}
    process = service_processes("console", env)
    process.wait_ready()
    return Console(process.url, system)


@pytest.fixture
def console(system: System, service_processes: Callable[..., ServiceProcess]) -> Iterator[Console]:
    yield start_console(system, service_processes)


@pytest.fixture
def drill_console(tmp_path: Path, broker_factory: Callable[[], EmbeddedBroker],
                  service_processes: Callable[..., ServiceProcess]) -> Iterator[Console]:
    """An SLA drill: each level's deadline 8 seconds after the last (long enough to escalate by hand first)."""
    for system in _system(tmp_path, broker_factory, service_processes, {"SLRT_SLA_OVERRIDE_SECONDS": "8"}):
        yield start_console(system, service_processes)


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright, expect

    # Each page is a round trip through the console to a service: on a loaded 2-core machine, more than the
    # default 5 seconds may pass before it is there.
    expect.set_options(timeout=15_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=str(chromium), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield launched
        await launched.close()


async def sign_in(browser: Any, console: Console, *, role: str, region: str, owner: str = "",
                  lang: str = "id") -> Any:
    """A new browser context (its own cookies) signed in through the development sign-in page."""
    context = await browser.new_context(viewport=SIZES["desktop"])
    page = await context.new_page()
    if lang == "en":
        await page.goto(f"{console.url}/lang/en?next=/signin")
    await page.goto(f"{console.url}/signin")
    await page.select_option("#role", role)
    await page.fill("#region", region)
    if owner:
        await page.fill("#owner", owner)
    await page.click("button[type=submit]")
    return page


async def snap(page: Any, name: str) -> None:
    """The screen at a phone's and an office desktop's size, each checked by axe-core (WCAG 2.1 A and AA)."""
    for size, viewport in SIZES.items():
        await page.set_viewport_size(viewport)
        await page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
        await assert_accessible(page, f"{name} ({size})")
    await page.set_viewport_size(SIZES["desktop"])


async def assert_accessible(page: Any, where: str) -> None:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                                                   "wcag21aa"]}})
    found = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
             for v in results.response["violations"]]
    assert found == [], f"{where}: {found}"
