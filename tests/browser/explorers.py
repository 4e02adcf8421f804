"""An explorer on a page, moved the way a person moves it, and checked against the same class built headless.

Every explorer is a `lesson_utils.widgets.Explorer` with CSS classes `loss-lab-explorer` and
`loss-lab-<ClassName>`, a readout `.loss-lab-readout`, a figure `img.loss-lab-figure` and sliders labelled by
their description. The class built in this process with the slider values shown on the page says what the
readout should read. A notebook may build an explorer from its own data, which the page does not show; such an
explorer is recognised by an initial readout that differs from the headless one, and is only required to change
its readout, to finite numbers, and its figure.
"""

from __future__ import annotations

import html
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator, Page, expect

import lesson_utils.explorers  # noqa: F401  (registers every explorer)
from lesson_utils.widgets import REGISTRY, Explorer

EXPLORER = ".loss-lab-explorer"
NEW_FRAME = "([img, before]) => img.src !== before && img.complete && img.naturalWidth > 0"
RENDERED = "img => img.complete && img.naturalWidth > 0"
NON_FINITE = {"undefined": math.nan, "\u221e": math.inf, "\u2212\u221e": -math.inf}  # as format_number writes them


def class_name(explorer: Locator) -> str:
    (name,) = re.findall(r"\bloss-lab-(?!explorer\b)(\w+)", explorer.get_attribute("class"))
    return name


def plain(readout_html: str) -> str:
    """The text a readout's HTML shows, whitespace collapsed as Playwright compares it."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", readout_html)).split())


def number(text: str) -> float:
    """A number as a slider or a readout shows it (a Unicode minus, words for the non-finite)."""
    return NON_FINITE[text] if text in NON_FINITE else float(text.replace("\u2212", "-"))


def slider_values(headless: Explorer, explorer: Locator) -> dict[str, Any]:
    """The value of every slider on the page, by the control name the class gives its description."""
    names = {control.description: name for name, control in headless.controls.items()}
    values = {}
    for slider in explorer.locator(".widget-slider").all():
        name = names[slider.locator(".widget-label").text_content()]
        values[name] = type(headless.controls[name].value)(number(slider.locator(".widget-readout").text_content()))
    return values


def predicted(headless: Explorer, values: dict[str, Any]) -> str:
    for name, value in values.items():
        headless.controls[name].value = value
    return plain(headless.readout.value)


@dataclass
class Checked:
    """One explorer, moved: its class, whether its numbers were predicted, seconds from key press to new figure."""

    name: str
    predicted: bool
    seconds: list[float]


def check_explorer(page: Page, explorer: Locator) -> Checked:
    """Move every slider of one explorer to its far end, checking the figure and the numbers after each move."""
    name = class_name(explorer)
    figure, readout = explorer.locator("img.loss-lab-figure"), explorer.locator(".loss-lab-readout")
    page.wait_for_function(RENDERED, arg=figure.element_handle())
    expect(readout).not_to_be_empty()
    headless = REGISTRY[name]()
    checked = Checked(name, predicted(headless, slider_values(headless, explorer)) == plain(readout.text_content()), [])
    for handle in explorer.locator(".widget-slider .noUi-handle").all():
        before_src, before_text = figure.get_attribute("src"), readout.text_content()
        before_pixels = figure.screenshot()
        at_end = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
        start = time.perf_counter()
        handle.press("Home" if at_end else "End")
        page.wait_for_function(NEW_FRAME, arg=[figure.element_handle(), before_src])
        checked.seconds.append(round(time.perf_counter() - start, 3))
        if checked.predicted:
            expect(readout).to_have_text(predicted(headless, slider_values(headless, explorer)))
        else:
            expect(readout).not_to_have_text(before_text)
            shown = [number(b) for b in readout.locator("b").all_text_contents()]
            assert shown and all(map(math.isfinite, shown)), f"{name} shows {shown}"
        assert figure.screenshot() != before_pixels, f"{name}: the figure looks the same after the move"
    return checked
