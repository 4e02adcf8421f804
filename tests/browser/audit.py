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


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line per rule and element."""
    return [
        f"{violation['id']} ({violation['impact']}): {node['target'][-1]}: {node['failureSummary']}"
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in SERIOUS
        for node in violation["nodes"]
    ]
