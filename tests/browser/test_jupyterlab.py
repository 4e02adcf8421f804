"""JupyterLab in Chromium, as a learner uses it.

A real lesson and the sample lesson, run whole: Run All finishes, only cells tagged raises-exception show an error,
every explorer renders, and every slider, moved by keyboard, changes the figure and the numbers to what that setting
gives. And every notebook as committed, opened without running it: every stored figure shows, explorers included
(no widget state is stored, so what shows is the PNG stored beside the widget)."""

import json
import re
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lesson_utils.widgets import REGISTRY
from tests.browser.conftest import delete_sessions
from tests.browser.explorers import EXPLORER, check_explorer, class_name
from tests.browser.served import LAB_RUNS, LESSONS, SAMPLE, STORED, STORED_NOTEBOOKS
from tests.lessons import NOTEBOOKS, read

pytestmark = pytest.mark.browser

IDLE = re.compile(r"\| Idle$")
RUN_ALL_MS = 300_000
# Every cell of the notebook in the page, as its model holds it.
CELLS = """() => window.jupyterapp.shell.currentWidget.content.widgets.map(cell => ({
    tags: cell.model.getMetadata('tags') ?? [],
    outputs: cell.model.type !== 'code' ? [] : cell.model.outputs.toJSON().map(out => ({
        error: out.output_type === 'error' ? `${out.ename}: ${out.evalue}` : null,
        widget: out.data?.['application/vnd.jupyter.widget-view+json'] !== undefined,
        text: out.data?.['text/plain'] ?? '',
    })),
}))"""
# Run All is over when every code cell has its count, which JupyterLab sets once the cell's reply and all its
# outputs are in; or when a cell that is not meant to fail has failed, as the kernel then skips the rest. (After any
# error, even an expected one, JupyterLab marks every cell still queued as idle: cell states cannot tell.)
DONE = """() => {
    const code = window.jupyterapp.shell.currentWidget.content.widgets.filter(
        cell => cell.model.type === 'code' && cell.model.sharedModel.getSource().trim() !== '');
    const failed = cell => !(cell.model.getMetadata('tags') ?? []).includes('raises-exception')
        && cell.model.outputs.toJSON().some(out => out.output_type === 'error');
    return code.every(cell => cell.model.executionCount !== null) || code.some(failed);
}"""


def explorers_shown(cells: list[dict]) -> list[str]:
    """The class of every explorer a cell shows, in order: a widget whose repr is `ClassName(...)`."""
    names = [re.match(r"\w*", out["text"])[0] for cell in cells for out in cell["outputs"] if out["widget"]]
    return [name for name in names if name in REGISTRY]


@pytest.mark.parametrize("name", LAB_RUNS, ids=lambda name: Path(name).stem)
def test_run_all_then_move_every_slider(jupyterlab, lab_page, artifacts, name):
    page = lab_page
    start = time.perf_counter()
    page.goto(jupyterlab.url(f"/lab/tree/{name}") + "&reset")  # reset: no notebook left open by another test
    kernel = page.locator(".jp-StatusBar-TextItem[title^='Change kernel']")
    expect(kernel).to_have_text(IDLE)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(DONE, timeout=RUN_ALL_MS)
    expect(kernel).to_have_text(IDLE)
    ran = time.perf_counter()

    cells = page.evaluate(CELLS)
    errors = {
        i: out["error"]
        for i, cell in enumerate(cells)
        for out in cell["outputs"]
        if out["error"] and "raises-exception" not in cell["tags"]
    }
    assert not errors, f"errors in cells not tagged raises-exception: {errors}"
    expected = explorers_shown(cells)
    assert expected or name not in LESSONS, "a lesson explores its loss with at least one explorer"
    explorers = page.locator(EXPLORER)
    expect(explorers).to_have_count(len(expected))
    assert [class_name(explorer) for explorer in explorers.all()] == expected

    checked = [check_explorer(page, explorer) for explorer in explorers.all()]
    if name == SAMPLE.name:  # its last explorer is built from data that the page does not show
        assert [explorer.predicted for explorer in checked] == [True, True, False]
    stem = Path(name).stem
    page.screenshot(path=artifacts / f"jupyterlab-{stem}.png")
    timings = {
        "open_and_run_all_s": round(ran - start, 2),
        "explorers_s": round(time.perf_counter() - ran, 2),
        "explorers": [asdict(explorer) for explorer in checked],
    }
    (artifacts / f"jupyterlab-{stem}.json").write_text(json.dumps(timings, indent=1))


# The cells at these indexes of the notebook open at this path each show a loaded image.
FIGURES_SHOWN = """([path, indexes]) => {
    const notebook = [...window.jupyterapp.shell.widgets('main')].find(widget => widget.context?.path === path);
    const cells = notebook?.content?.widgets ?? [];
    return indexes.every(i => cells[i] && [...cells[i].node.querySelectorAll('.jp-OutputArea-output img')]
        .some(img => img.complete && img.naturalWidth > 0));
}"""
# Open a notebook and bring its tab to the front.
OPEN = """async path => {
    const widget = await window.jupyterapp.commands.execute('docmanager:open', {path});
    window.jupyterapp.shell.activateById(widget.id);
}"""


def stored_figures(name: str) -> tuple[list[int], list[int]]:
    """The cells of a committed notebook that store a PNG: all of them, and those that are explorers."""
    figures, explorers = [], []
    for i, cell in enumerate(read(NOTEBOOKS / name).cells):
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                figures.append(i)
                if re.match(r"\w*", out.data.get("text/plain", ""))[0] in REGISTRY:
                    explorers.append(i)
    return figures, explorers


@pytest.fixture(scope="module")
def lab_app(jupyterlab, browser) -> Iterator[Page]:
    """One JupyterLab tab in which the stored notebooks are opened one after another, as a reader does."""
    page = browser.new_page()
    page.goto(jupyterlab.url("/lab") + "&reset")
    page.wait_for_function("() => window.jupyterapp?.commands.hasCommand('docmanager:open')")
    yield page
    page.close()
    delete_sessions(jupyterlab)


@pytest.mark.parametrize("name", STORED_NOTEBOOKS, ids=lambda name: Path(name).stem)
def test_a_stored_notebook_shows_every_figure_without_running(lab_app, artifacts, name):
    page, path = lab_app, f"{STORED}/{name}"
    figures, explorers = stored_figures(name)
    assert explorers or name not in LESSONS, "a lesson stores the figure of at least one explorer"
    page.evaluate("() => window.jupyterapp.commands.execute('application:close-all')")
    page.evaluate(OPEN, path)
    page.wait_for_function(FIGURES_SHOWN, arg=[path, figures])
    for text in ("Error displaying widget", "Loading widget"):
        expect(page.get_by_text(text)).to_have_count(0)
    images = page.locator(".jp-OutputArea-output img")
    expect(images).to_have_count(len(figures))
    for i in explorers:
        expect(images.nth(figures.index(i))).to_be_visible()
    if explorers:
        images.nth(figures.index(explorers[0])).screenshot(path=artifacts / f"stored-{Path(name).stem}.png")
