"""A lesson in demo mode, as a class sees it: Voila shows its prose while the cells still run, renders it with the
code hidden, an explorer responds to its sliders, and the kernel of a page that has gone is culled. (Every explorer
is driven in Voila by test_explorers.)"""

import json
import time
from dataclasses import asdict
from pathlib import Path

import pytest
from playwright.sync_api import expect

from devtools.pages import VOILA_DONE
from devtools.servers import wait_until
from tests.browser.explorers import EXPLORER, check_explorer
from tests.browser.served import SAMPLE, VOILA_RUNS
from tests.lessons import SELECTED

pytestmark = pytest.mark.browser

RENDER_MS = 300_000


@pytest.mark.parametrize("name", VOILA_RUNS, ids=lambda name: Path(name).stem)
def test_lesson_in_demo_mode(voila, voila_page, artifacts, name):
    page = voila_page
    start = time.perf_counter()
    page.goto(voila.url(f"/voila/render/{name}"), timeout=RENDER_MS)
    page.wait_for_function(VOILA_DONE, timeout=RENDER_MS)
    rendered = time.perf_counter()
    render = page.evaluate("window.lossLabRender")
    assert "prose" in render, "the page showed no prose until every cell had run (progressive rendering is off)"
    explorer = page.locator(EXPLORER).first
    expect(explorer).to_be_visible()
    code_cells = page.locator(".jp-CodeCell")
    assert code_cells.count() > 0 and code_cells.locator(".jp-InputArea").count() == 0, "the code shows"
    # Pitfalls show torch's own message, not Voila's stand-in for any error.
    expect(page.get_by_text("There was an error when executing cell")).to_have_count(0)

    checked = check_explorer(page, explorer)
    stem = Path(name).stem
    page.screenshot(path=artifacts / f"voila-{stem}.png")
    timings = {
        "prose_s": round(render["prose"] / 1000, 2),
        "render_s": round(rendered - start, 2),
        "explorer": asdict(checked),
    }
    (artifacts / f"voila-{stem}.json").write_text(json.dumps(timings, indent=1))


@pytest.mark.skipif(bool(SELECTED), reason="culling is the server's: the loop for one lesson leaves it out")
def test_the_kernel_of_a_closed_page_is_culled(voila, voila_page):
    page = voila_page
    page.goto(voila.url(f"/voila/render/{SAMPLE.name}"), timeout=RENDER_MS)
    page.wait_for_function(VOILA_DONE, timeout=RENDER_MS)
    kernel = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
    assert voila.api("GET", f"/api/kernels/{kernel}")[0] == 200
    page.close()  # as a tab that is simply gone: no unload handler runs
    wait_until(
        lambda: voila.api("GET", f"/api/kernels/{kernel}")[0] == 404,
        seconds=60,
        failure=lambda: f"the kernel of a closed page was not culled:\n{voila.log.read_text()[-2000:]}",
    )
