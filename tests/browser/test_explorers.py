"""Every registered explorer in a real browser, once: all of them on one Voila page (`devtools.notebooks`), each
slider moved to its far end by keyboard, the figure changed and the numbers those settings give."""

import json
from collections.abc import Iterator
from dataclasses import asdict

import pytest
from playwright.sync_api import Page, expect

from devtools.notebooks import EXPLORERS_PAGE
from devtools.pages import VOILA_DONE, VOILA_RENDER
from tests.browser.explorers import EXPLORER, check_explorer, class_name
from tests.browser.served import EXPLORERS

pytestmark = pytest.mark.browser

RENDER_MS = 300_000


@pytest.fixture(scope="module")
def explorers_page(voila, browser) -> Iterator[Page]:
    """The page of explorers, rendered once for all the tests of this module."""
    page = browser.new_page()
    page.add_init_script(VOILA_RENDER)
    page.goto(voila.url(f"/voila/render/{EXPLORERS_PAGE}"), timeout=RENDER_MS)
    page.wait_for_function(VOILA_DONE, timeout=RENDER_MS)  # progressive rendering: the page loads before its cells run
    expect(page.locator(EXPLORER)).to_have_count(len(EXPLORERS))
    assert [class_name(explorer) for explorer in page.locator(EXPLORER).all()] == EXPLORERS
    yield page
    page.close()


@pytest.mark.parametrize("name", EXPLORERS)
def test_explorer_answers_its_sliders(explorers_page, artifacts, name):
    explorer = explorers_page.locator(f".loss-lab-{name}")
    checked = check_explorer(explorers_page, explorer)
    assert checked.predicted, "built with its defaults, its numbers follow from the sliders the page shows"
    explorer.screenshot(path=artifacts / f"explorer-{name}.png")
    (artifacts / f"explorer-{name}.json").write_text(json.dumps(asdict(checked), indent=1))
