"""Offline: a page that `make lab` or `make demo` serves asks no host but this machine for anything, while a lesson
runs in it and an explorer moves. (The static site is checked the same way in test_site.py.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.audit import off_host, record_requests
from tests.browser.explorers import EXPLORER, NEW_FRAME, RENDERED
from tests.browser.test_jupyterlab import DONE, IDLE, RUN_ALL_MS

pytestmark = pytest.mark.browser

#: Short, with math, prose, figures and an explorer: what every lesson loads.
START = "00_start_here.ipynb"
#: Voila's page has loaded once every cell has run: slow on a busy machine.
RENDER_MS = 300_000


def move_first_slider(page) -> None:
    """Press End on the first explorer's first slider and wait for the new figure."""
    explorer = page.locator(EXPLORER).first
    figure = explorer.locator("img.loss-lab-figure")
    page.wait_for_function(RENDERED, arg=figure.element_handle())
    before = figure.get_attribute("src")
    explorer.locator(".widget-slider .noUi-handle").first.press("End")
    page.wait_for_function(NEW_FRAME, arg=[figure.element_handle(), before])


def test_jupyterlab_asks_only_this_machine(jupyterlab, lab_page):
    page = lab_page
    requests = record_requests(page)
    page.goto(jupyterlab.url(f"/lab/tree/{START}") + "&reset")
    kernel = page.locator(".jp-StatusBar-TextItem[title^='Change kernel']")
    expect(kernel).to_have_text(IDLE)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(DONE, timeout=RUN_ALL_MS)
    move_first_slider(page)
    assert requests, "no request was recorded"
    assert not off_host(requests), f"JupyterLab's page asked another host: {off_host(requests)}"


def test_voila_asks_only_this_machine(voila, voila_page):
    page = voila_page
    requests = record_requests(page)
    page.goto(voila.url("/"))  # the lesson list `make demo` opens on
    expect(page.get_by_text(START)).to_be_visible()
    page.goto(voila.url(f"/voila/render/{START}"), timeout=RENDER_MS)
    move_first_slider(page)
    assert not off_host(requests), f"Voila's pages asked another host: {off_host(requests)}"
