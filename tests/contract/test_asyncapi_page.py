"""``/asyncapi.html``: each service's AsyncAPI document as a page to read, offline (no script, no other origin)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.contract.test_asyncapi_services import APPS, client


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: set[str] = set()
        self.tags: set[str] = set()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        href = found.get("href") or ""
        if href.startswith("#"):
            self.links.add(href[1:])
        self.sources += [v for k, v in attrs if k in ("src", "href") and v and "://" in v]


@pytest.mark.parametrize("service", sorted(APPS))
def test_the_page_shows_every_topic_message_and_field_with_working_links(service: str, tmp_path: Path) -> None:
    served = client(service, tmp_path)
    doc = served.get("/asyncapi").json()
    response = served.get("/asyncapi.html")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "script-src" not in response.headers["content-security-policy"]
    html = response.text
    parsed = Anchors()
    parsed.feed(html)
    assert "script" not in parsed.tags and parsed.sources == []  # readable offline, nothing fetched elsewhere
    assert '<html lang="en">' in html
    assert parsed.links and parsed.links <= parsed.ids  # every in-page link lands somewhere
    for channel in doc["channels"].values():
        assert f"<code>{channel['address']}</code>" in html
    for message in doc["components"]["messages"].values():
        assert message["name"] in html
    for name, schema in doc["components"]["schemas"].items():
        assert f'id="schema-{name}"' in html
        for field in schema.get("properties", {}):
            assert f"<code>{field}</code>" in html
    for server in doc["servers"].values():
        assert f"<code>{server['host']}</code>" in html


def test_rules_and_examples_are_spelled_out(tmp_path: Path) -> None:
    html = client("intake", tmp_path).get("/asyncapi.html").text
    nik = html[html.index('id="schema-Citizen"'):].split("</tr>")
    row = next(r for r in nik if "<code>nik</code>" in r)
    assert "required" in row and "matches ^[0-9]{16}$" in row and "e.g. <code>&#34;3201015508950001&#34;</code>" in row
