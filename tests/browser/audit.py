"""What any page is checked for beyond its content: which hosts it asks for anything, and what axe-core finds."""

from __future__ import annotations

from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

#: This machine. Requests to these, and URLs that name no host (data:, blob:), stay here.
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
SERIOUS = {"serious", "critical"}


def record_requests(page: Page) -> list[str]:
    """Every URL the page requests from now on (documents, scripts, styles, fonts, images, XHR, websockets)."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda websocket: urls.append(websocket.url))
    return urls


def off_host(urls: list[str]) -> list[str]:
    """The requested URLs that go to another machine."""
    return sorted({url for url in urls if urlsplit(url).netloc and urlsplit(url).hostname not in LOCAL_HOSTS})


def serious_violations(page: Page, *, chrome: dict[str, str] | None = None) -> list[str]:
    """axe-core's serious and critical violations on the page, one line per rule and element.

    `chrome` maps a CSS selector to why it is left out: elements of the server's own page (Voila's, JupyterLab's),
    not of the lesson. An element is left out only when one of its axe targets matches a selector exactly.
    """
    found = Axe().run(page).response["violations"]
    left_out = set(chrome or {})
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}: {violation['help']}"
        for violation in found
        if violation["impact"] in SERIOUS
        for node in violation["nodes"]
        if not left_out & set(map(str, node["target"]))
    ]
