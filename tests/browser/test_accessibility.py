"""Accessible demo mode: every explorer is used by keyboard alone, its figure says in words what it shows, and
axe-core finds no serious or critical violation that the lessons cause. (The static site is audited in
test_site.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from devtools.notebooks import EXPLORERS_PAGE
from devtools.pages import VOILA_DONE
from tests.browser.audit import serious_violations
from tests.browser.explorers import EXPLORER, NEW_FRAME, RENDERED, class_name
from tests.browser.served import EXPLORERS, VOILA_RUNS
from tests.lessons import NOTEBOOKS, figures, read

pytestmark = pytest.mark.browser

RENDER_MS = 300_000
#: A static figure as JupyterLab's renderer, which Voila uses, draws it (the template gives it its alt text).
STATIC_FIGURE = ".jp-RenderedImage > img"


def open_explorers(voila, page: Page) -> None:
    """The page of every explorer (the one tests/browser/test_explorers.py drives), every cell run."""
    page.goto(voila.url(f"/voila/render/{EXPLORERS_PAGE}"), timeout=RENDER_MS)
    page.wait_for_function(VOILA_DONE, timeout=RENDER_MS)
    expect(page.locator(EXPLORER)).to_have_count(len(EXPLORERS))


def tab_to(page: Page, control: Locator, *, presses: int = 12) -> None:
    """Press Tab, as a keyboard user does, until the control has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if control.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{presses} presses of Tab did not reach {control}")


def press_until_changed(page: Page, key: str, figure: Locator, readout: Locator, *, what: str, presses: int = 5):
    """Press a key on the focused control until the explorer's figure changes (one arrow step at a flat part of a
    curve can leave it as it was); Home and End, which go to either end, must change the numbers shown too. The
    figure's text alternative (its title) follows, with every number the readout shows."""
    before_src, before_text = figure.get_attribute("src"), readout.text_content()
    before_title = figure.get_attribute("title")
    for _ in range(presses):
        page.keyboard.press(key)
        try:
            page.wait_for_function(NEW_FRAME, arg=[figure.element_handle(), before_src], timeout=5_000)
        except PlaywrightTimeoutError:
            continue
        if key in ("Home", "End"):
            expect(readout, f"{what}: {key} left the numbers as they were").not_to_have_text(before_text)
            expect(figure, f"{what}: the alt text is stale").not_to_have_attribute("title", before_title)
        for shown in readout.locator("b").all_text_contents():
            number = re.compile(re.escape(shown))
            expect(figure, f"{what}: the alt text lacks {shown}").to_have_attribute("title", number)
        return
    raise AssertionError(f"{what}: {presses} presses of {key} left the figure as it was")


def test_every_explorer_by_keyboard_alone(voila, voila_page):
    page = voila_page
    open_explorers(voila, page)
    for explorer in page.locator(EXPLORER).all():
        figure, readout = explorer.locator("img.loss-lab-figure"), explorer.locator(".loss-lab-readout")
        page.wait_for_function(RENDERED, arg=figure.element_handle())
        for handle in explorer.locator(".widget-slider .noUi-handle").all():
            tab_to(page, handle)
            at_end = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
            for key in ("Home", "End", "ArrowLeft") if at_end else ("End", "Home", "ArrowRight"):
                what = f"{class_name(explorer)}, slider {handle.get_attribute('aria-label')!r}"
                press_until_changed(page, key, figure, readout, what=what)


def audited(page: Page) -> list[str]:
    """The serious violations on a rendered Voila page, once every explorer shows its figure."""
    expect(page.locator(EXPLORER).first).to_be_visible()
    for figure in page.locator("img.loss-lab-figure").all():
        page.wait_for_function(RENDERED, arg=figure.element_handle())
    page.wait_for_load_state("networkidle")
    return serious_violations(page)


def test_every_explorer_passes_the_audit(voila, voila_page):
    open_explorers(voila, voila_page)
    assert not audited(voila_page)


#: The start page and the first lesson: prose, math, tables, figures, explorers, pitfalls' errors and solutions.
#: The static site's test audits every lesson's content.
#: (The loop for one lesson, `make test LESSON=...`, leaves them out: the site's audit covers that lesson.)
@pytest.mark.parametrize("name", VOILA_RUNS and ["00_start_here.ipynb", *VOILA_RUNS], ids=lambda name: Path(name).stem)
def test_lessons_pass_the_audit_in_demo_mode(voila, voila_page, name):
    voila_page.goto(voila.url(f"/voila/render/{name}"), timeout=RENDER_MS)
    voila_page.wait_for_function(VOILA_DONE, timeout=RENDER_MS)
    assert not audited(voila_page)
    figures = voila_page.locator(STATIC_FIGURE)
    assert figures.count() == len(static_alts(name)) > 0, "every static figure of the lesson is drawn"
    assert [figure.get_attribute("alt") for figure in figures.all()] == static_alts(name), (
        "each static figure's alt text is the one the lesson stores with it"
    )


def static_alts(name: str) -> list[str]:
    """The alt text of every static figure stored in the notebook, in order (an explorer's PNG is its widget here)."""
    return [figure.alt for figure in figures(read(NOTEBOOKS / name)) if not figure.explorer]
