"""The static site `make site` builds, read in Chromium as someone without Python reads it: every lesson has its page
(the start page as index.html), every stored figure shows, every explorer says where it is live, math is typeset,
no internal link is broken, nothing is fetched from another host, and axe-core finds no serious violation."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import nbformat
import pytest
from playwright.sync_api import Page

from devtools.servers import ROOT
from tests.browser.audit import off_host, record_requests, serious_violations
from tests.lessons import all_notebooks, selected
from tests.lessons import figures as stored_figures

pytestmark = pytest.mark.browser

ALL_IMAGES_LOADED = "() => [...document.images].every(img => img.complete && img.naturalWidth > 0)"
#: Resolves once MathJax (on the pages that have math) has typeset the page.
TYPESET = "() => window.MathJax?.startup?.promise.then(() => true) ?? false"
#: Every link on the page (resolved) and every id a link can point at.
LINKS_AND_IDS = """() => ({
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id]')].map(el => el.id),
})"""


def page_name(notebook: Path) -> str:
    return "index.html" if notebook.name == "00_start_here.ipynb" else f"{notebook.stem}.html"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        """Served quietly: the test reports what failed."""


@pytest.fixture(scope="module")
def site(chromium, tmp_path_factory, artifacts) -> Iterator[str]:
    """The site built once as `make site` builds it, served on 127.0.0.1 like any static host: its base URL."""
    out = tmp_path_factory.mktemp("site") / "site"
    built = subprocess.run(
        [sys.executable, "scripts/build_site.py", "--out", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    (artifacts / "site-build.log").write_text(built.stdout + built.stderr)
    assert built.returncode == 0, f"make site failed:\n{built.stdout}\n{built.stderr}"
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def site_page(browser) -> Iterator[Page]:
    page = browser.new_page()
    yield page
    page.close()


def test_every_page_reads_without_python(site, site_page, artifacts):
    page = site_page
    requests = record_requests(page)
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    links: dict[str, list[str]] = {}
    ids: dict[str, set[str]] = {}
    for notebook in all_notebooks():
        url = urljoin(site, page_name(notebook))
        page.goto(url)
        nb = nbformat.read(notebook, as_version=4)
        cells = nb.cells
        outputs = [output for cell in cells if cell.cell_type == "code" for output in cell.outputs]
        figures = sum("image/png" in output.get("data", {}) for output in outputs)
        explorers = sum(figure.explorer for figure in stored_figures(nb))
        assert page.locator("article img").count() == figures, f"{url}: every stored figure, once"
        alts = [image.get_attribute("alt") for image in page.locator("article img").all()]
        assert alts == [figure.alt for figure in stored_figures(nb)], (
            f"{url}: each figure's alt text is the one its notebook stores (not its file name)"
        )
        page.wait_for_function(ALL_IMAGES_LOADED)
        assert page.locator(".loss-lab-live").count() == explorers, f"{url}: a line under every explorer"
        if any("$" in cell.source for cell in cells if cell.cell_type == "markdown"):
            assert page.evaluate(TYPESET), f"{url}: no MathJax"  # served by the site itself
            assert page.locator("mjx-container").count() > 0, f"{url}: the math is not typeset"
        assert page.locator("article h1").count() == 1, f"{url}: one title"
        found = page.evaluate(LINKS_AND_IDS)
        links[url], ids[url] = found["links"], set(found["ids"])
        page.screenshot(path=artifacts / f"site-{notebook.stem}.png")
    # Navigation: the start page reaches every lesson.
    assert {urljoin(site, page_name(notebook)) for notebook in all_notebooks()} <= set(links[site + "index.html"]) | {
        site + "index.html"
    }
    broken = []
    for source, targets in links.items():
        for target in targets:
            address, fragment = urldefrag(target)
            if urlsplit(address).netloc != urlsplit(site).netloc:
                continue  # a link out (the theme's credits) is not fetched by reading the page
            if address not in ids:
                page.goto(address)  # an internal page this test did not open yet (search, index)
                ids[address] = set(page.evaluate(LINKS_AND_IDS)["ids"])
            if fragment and fragment not in ids[address]:
                broken.append(f"{source} -> {target}")
    assert not broken, f"internal links to no such place: {broken}"
    assert not failed, f"requests that failed: {failed}"
    assert not off_host(requests), f"the site asked another host: {off_host(requests)}"


@pytest.mark.parametrize("notebook", selected(all_notebooks()), ids=lambda path: path.stem)
def test_no_serious_accessibility_violations(site, site_page, notebook):
    site_page.goto(urljoin(site, page_name(notebook)))
    site_page.evaluate(TYPESET)
    assert not serious_violations(site_page)
