"""How fast every explorer answers its controls, against the naive way; the lessons under nbval; a real browser.

In the browser: every explorer's slider in Voila and in JupyterLab, and every lesson in Voila (when its prose shows,
when its first explorer answers, its kernel's memory). Run it with `make bench` (options:
`.venv/bin/python -m benchmarks.bench --help`). It prints tables and, as its last line, one JSON object with every
figure. Times are wall-clock on the machine it runs on, so it reports the
machine's load too: on a shared machine, run it twice and compare.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

import lesson_utils.explorers  # noqa: F401  (importing it registers every explorer)
from devtools.controls import sweep
from devtools.notebooks import explorers_notebook
from devtools.pages import VOILA_DONE, VOILA_RENDER
from devtools.servers import CHROMIUM_FLAGS, free_port, isolated_env, jupyterlab_argv, serve, voila_argv
from lesson_utils.widgets import REGISTRY, Explorer

ROOT = Path(__file__).resolve().parent.parent
NBVAL = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "sanitize.cfg")]
#: The controls drawn as a .widget-slider (a noUiSlider whose handle takes arrow keys).
SLIDERS = (widgets.FloatSlider, widgets.IntSlider, widgets.FloatLogSlider)
#: Installed in the page: time from a key going down on a slider handle to the figure's <img> getting a new src.
STEP_TIMER = """([handle, image]) => {
    const steps = [];
    handle.addEventListener("keydown", () => steps.push({start: performance.now()}), true);
    new MutationObserver(() => {
        const last = steps[steps.length - 1];
        if (last && last.end === undefined) last.end = performance.now();
    }).observe(image, {attributes: true, attributeFilter: ["src"]});
    window.lossLabSteps = steps;
}"""
#: JupyterLab renders every cell, so that every explorer of a long notebook is on the page at once.
UNWINDOWED = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
#: A Voila page's first explorer has its figure, or every cell has run and there is none.
FIRST_EXPLORER = f"document.querySelector('.loss-lab-explorer img.loss-lab-figure') !== null || {VOILA_DONE}"


def percentiles(seconds: Sequence[float]) -> tuple[float, float]:
    """The median and the 95th percentile, in milliseconds."""
    p50, p95 = np.percentile(np.asarray(seconds) * 1000, [50, 95])
    return round(float(p50), 2), round(float(p95), 2)


def naive_update(explorer: Explorer, values: dict[str, Any]) -> float:
    """Seconds for one update the common way: a new pyplot figure, drawn, updated, saved with a tight bbox."""
    start = time.perf_counter()
    figure = plt.figure(figsize=explorer.figsize, dpi=explorer.dpi, layout="constrained")
    art = explorer.draw(figure)
    explorer.update(art, explorer.Settings(**values))
    figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    plt.close(figure)
    return time.perf_counter() - start


def bench_explorer(cls: type[Explorer], updates: int) -> dict[str, Any]:
    """Time each control change from setting it to the new PNG in ``image.value``, then the same updates naively."""
    explorer = cls()
    seconds, states = [], []
    for control, attribute, value in sweep(explorer, updates):
        frame = explorer.image.value
        start = time.perf_counter()
        setattr(control, attribute, value)
        seconds.append(time.perf_counter() - start)
        if explorer.image.value is frame:
            raise RuntimeError(f"{cls.__name__}: setting {control.description!r} to {value!r} drew no new frame")
        states.append(explorer.values())
    naive = [naive_update(explorer, values) for values in states]
    p50, p95 = percentiles(seconds)
    naive_p50, naive_p95 = percentiles(naive)
    return {
        "updates": len(seconds),
        "p50_ms": p50,
        "p95_ms": p95,
        "naive_p50_ms": naive_p50,
        "naive_p95_ms": naive_p95,
        "speedup": round(naive_p50 / p50, 1),
    }


class CellTimes:
    """A pytest plugin that keeps the report of every phase of every test (with nbval: every code cell)."""

    def __init__(self) -> None:
        self.reports: list[pytest.TestReport] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep one report."""
        self.reports.append(report)


def bench_lesson(path: Path) -> dict[str, Any]:
    """Run a notebook under strict nbval: kernel start and its first code cell (imports, setup) vs all the rest."""
    times = CellTimes()
    with contextlib.redirect_stdout(io.StringIO()) as log:
        code = pytest.main([str(path), *NBVAL, "-q", "-p", "no:cacheprovider"], plugins=[times])
    if code != pytest.ExitCode.OK:
        print(log.getvalue(), file=sys.stderr)
    # nbval starts the kernel while setting up the first cell, so the first setup holds the kernel's start.
    setups = [report.duration for report in times.reports if report.when == "setup"]
    calls = [report.duration for report in times.reports if report.when == "call"]
    return {
        "startup_s": round(setups[0] + calls[0], 2),
        "work_s": round(sum(setups[1:]) + sum(calls[1:]), 2),
        "cells": len(calls),
        "passed": code == pytest.ExitCode.OK,
    }


def time_steps(page: Page, name: str, steps: int) -> tuple[list[float], int]:
    """Arrow-key the explorer's first slider until ``steps`` presses changed the figure, towards its farther end and
    back from either end (a slider with fewer positions than steps is stepped to and fro): their seconds, and how
    many presses left the figure as it was."""
    explorer = page.locator(f".loss-lab-{name}")
    handle = explorer.locator(".widget-slider .noUi-handle").first
    image = explorer.locator("img.loss-lab-figure")
    page.evaluate(STEP_TIMER, [handle.element_handle(), image.element_handle()])
    low, high = (float(handle.get_attribute(f"aria-value{end}")) for end in ("min", "max"))
    value = float(handle.get_attribute("aria-valuenow"))
    key = "ArrowRight" if high - value >= value - low else "ArrowLeft"
    unchanged = 0
    for _ in range(2 * steps):
        value = float(handle.get_attribute("aria-valuenow"))
        if value >= high:
            key = "ArrowLeft"
        elif value <= low:
            key = "ArrowRight"
        handle.press(key)
        try:
            page.wait_for_function("window.lossLabSteps.at(-1).end !== undefined", timeout=5_000)
        except PlaywrightTimeoutError:  # the figure did not change, so the kernel sent no new image
            unchanged += 1
        if page.evaluate("window.lossLabSteps.length") - unchanged == steps:
            break
    seconds = page.evaluate("window.lossLabSteps.filter(step => step.end).map(step => (step.end - step.start) / 1000)")
    return seconds, unchanged


def time_explorers(page: Page, names: Sequence[str], steps: int) -> dict[str, Any]:
    """On a page that shows every explorer: each explorer's first slider, stepped ``steps`` times, timed."""
    results = {}
    for name in names:
        if not any(isinstance(c, SLIDERS) for c in REGISTRY[name]().controls.values()):
            continue
        seconds, unchanged = time_steps(page, name, steps)
        p50, p95 = percentiles(seconds)
        results[name] = {"steps": len(seconds), "p50_ms": p50, "p95_ms": p95, "unchanged": unchanged}
    return results


@contextlib.contextmanager
def in_voila(notebook: Path, home: Path, browser: Browser) -> Iterator[Page]:
    """The notebook served by Voila as `make demo` serves it, open in a page once every explorer is shown."""
    home.mkdir()
    port, token = free_port(), secrets.token_hex(16)
    argv = voila_argv(notebook, port=port, token=token)
    with serve(argv, port=port, token=token, ready="/", env=isolated_env(home), log=home / "voila.log") as server:
        page = browser.new_page()
        page.goto(server.url("/"))
        yield page
        page.close()


@contextlib.contextmanager
def in_jupyterlab(notebook: Path, home: Path, browser: Browser) -> Iterator[Page]:
    """The notebook in JupyterLab as `make lab` serves it (every cell rendered, none windowed away), all run."""
    home.mkdir()
    port, token = free_port(), secrets.token_hex(16)
    argv = jupyterlab_argv(
        port=port, token=token, root_dir=notebook.parent, settings_dir=home / "lab-settings", settings=UNWINDOWED
    )
    log = home / "jupyterlab.log"
    with serve(argv, port=port, token=token, ready="/api/status", env=isolated_env(home), log=log) as server:
        page = browser.new_page()
        page.goto(server.url(f"/lab/tree/{notebook.name}") + "&reset")
        page.locator(".jp-StatusBar-TextItem[title^='Change kernel']").filter(has_text="Idle").wait_for(timeout=180_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        yield page
        page.close()


def bench_browser(names: Sequence[str], steps: int, chromium: str) -> dict[str, Any]:
    """Every explorer in one notebook, in Voila and in JupyterLab, in headless Chromium: a slider step to the new
    figure, in milliseconds."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="loss-lab-bench-") as tmp, sync_playwright() as playwright:
        folder = Path(tmp)
        notebook = explorers_notebook(folder, names)
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        for app, opened in (("voila", in_voila), ("jupyterlab", in_jupyterlab)):
            with opened(notebook, folder / app, browser) as page:
                page.locator("img.loss-lab-figure").nth(len(names) - 1).wait_for(timeout=180_000)
                results[app] = time_explorers(page, names, steps)
        browser.close()
    return results


def kernel_memory(server_pid: int, kernel: str) -> dict[str, float]:
    """Resident (RSS) and private (USS: what one more such kernel adds) memory of a server's kernel, in MB."""
    connection_file = f"kernel-{kernel}.json"
    (pid,) = [
        child for child in descendants(server_pid) if connection_file in Path(f"/proc/{child}/cmdline").read_text()
    ]
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    kb = {name: int(value.split()[0]) for name, value in fields.items()}
    return {"rss_mb": round(kb["Rss"] / 1024), "uss_mb": round((kb["Private_Clean"] + kb["Private_Dirty"]) / 1024)}


def descendants(pid: int) -> list[int]:
    """Every process started by ``pid``, and by those, and so on."""
    children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return children + [grandchild for child in children for grandchild in descendants(child)]


def first_answer(page: Page) -> float | None:
    """Seconds from the start of navigation until the page's first explorer has answered an arrow key (None: the
    page has no explorer with a slider, or its figure did not change)."""
    page.wait_for_function(FIRST_EXPLORER, timeout=300_000)
    explorer = page.locator(".loss-lab-explorer").first
    handle, image = explorer.locator(".widget-slider .noUi-handle").first, explorer.locator("img.loss-lab-figure")
    if handle.count() == 0:
        return None
    page.evaluate(STEP_TIMER, [handle.element_handle(), image.element_handle()])
    at_end = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
    handle.press("ArrowLeft" if at_end else "ArrowRight")
    try:
        page.wait_for_function("window.lossLabSteps[0].end !== undefined", timeout=180_000)
    except PlaywrightTimeoutError:
        return None
    return round(page.evaluate("window.lossLabSteps[0].end") / 1000, 2)


def bench_demo(paths: Sequence[Path], chromium: str) -> dict[str, Any]:
    """Every lesson in Voila, as `make demo` shows it to a class: when its prose shows, when its first explorer
    answers a key, when every cell has run (seconds from navigation), and then its kernel's memory."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="loss-lab-bench-") as tmp, sync_playwright() as playwright:
        folder = Path(tmp) / "notebooks"
        folder.mkdir()
        for path in paths:
            shutil.copy(path, folder)
        port, token = free_port(), secrets.token_hex(16)
        argv = voila_argv(folder, port=port, token=token)
        env, log = isolated_env(Path(tmp)), Path(tmp) / "voila.log"
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        with serve(argv, port=port, token=token, ready="/", env=env, log=log) as server:
            for path in paths:
                page = browser.new_page()
                page.add_init_script(VOILA_RENDER)
                page.goto(server.url(f"/voila/render/{path.name}"))
                answered = first_answer(page)
                page.wait_for_function(VOILA_DONE, timeout=300_000)
                render = page.evaluate("window.lossLabRender")
                kernel = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
                results[path.stem] = {
                    "prose_s": round(render["prose"] / 1000, 2) if "prose" in render else None,
                    "first_explorer_s": answered,
                    "all_cells_s": round(render["done"] / 1000, 2),
                    **kernel_memory(server.pid, kernel),
                }
                page.close()
                server.api("DELETE", f"/api/kernels/{kernel}")
        browser.close()
    return results


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was."""
    return {
        "cpus": os.cpu_count(),
        "load_1_5_15": [round(load, 2) for load in os.getloadavg()],
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def table(title: str, header: Sequence[str], rows: list[list[Any]]) -> str:
    """A plain-text table: a title line, a header and right-aligned columns (the first left-aligned)."""
    cells = [list(header), *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join([row[0].ljust(widths[0]), *map(str.rjust, row[1:], widths[1:])]) for row in cells]
    return "\n".join([title, *lines, ""])


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Measure, print the tables, and print every figure as one JSON object on the last line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="lessons to time (default: notebooks/*.ipynb)")
    parser.add_argument("--updates", type=int, default=60, help="control changes per explorer (default: 60)")
    parser.add_argument("--browser-steps", type=int, default=20, help="slider steps per explorer (default: 20)")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the browser (default: /usr/bin/chromium)")
    parser.add_argument("--explorer", action="append", choices=sorted(REGISTRY), help="time only this explorer")
    parser.add_argument("--no-lessons", action="store_true", help="skip running the lessons under nbval")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser")
    args = parser.parse_args(argv)
    plt.switch_backend("agg")
    names = sorted(args.explorer or REGISTRY)
    report: dict[str, Any] = {"machine": machine()}
    about = report["machine"]
    print(f"Loss Lab benchmark: {about['cpus']} CPUs, load {about['load_1_5_15']} (1, 5, 15 min), {about['platform']},")
    print(f"Python {about['python']}, torch {about['torch']}\n")

    report["explorers"] = {name: bench_explorer(REGISTRY[name], args.updates) for name in names}
    header = ["explorer", "updates", "p50 ms", "p95 ms", "naive p50 ms", "naive p95 ms", "naive/explorer"]
    rows = [[name, *r.values()] for name, r in report["explorers"].items()]
    print(table("One update: a control set -> the new PNG in image.value (naive: a new pyplot figure)", header, rows))

    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    report["lessons"] = {}
    if not args.no_lessons:
        report["lessons"] = {path.stem: bench_lesson(path) for path in paths}
        rows = [[name, *r.values()] for name, r in report["lessons"].items()]
        title = "Lessons under strict nbval: startup = kernel start + first code cell, work = the other cells"
        print(
            table(title, ["lesson", "startup s", "work s", "cells", "passed"], rows or [["(no notebooks)"] + [""] * 4])
        )

    report["browser"], report["demo"] = {}, {}
    if not args.no_browser and not Path(args.chromium).exists():
        print(f"Browser: skipped, no Chromium at {args.chromium}\n")
    elif not args.no_browser:
        report["browser"] = bench_browser(names, args.browser_steps, args.chromium)
        voila, lab = report["browser"]["voila"], report["browser"]["jupyterlab"]
        rows = [[name, *voila[name].values(), *lab[name].values()] for name in voila]
        header = [
            "explorer",
            *[f"{app} {column}" for app in ("Voila", "Lab") for column in ("steps", "p50 ms", "p95 ms", "unchanged")],
        ]
        title = "Browser, headless Chromium: arrow key on the first slider -> new <img> src, in Voila and in JupyterLab"
        print(table(title, header, rows))
        if paths and not args.no_lessons:
            report["demo"] = bench_demo(paths, args.chromium)
            rows = [[name, *r.values()] for name, r in report["demo"].items()]
            title = (
                "Lessons in Voila (make demo): s from navigation to prose shown, first explorer answering a key, "
                "every cell run;\nthen the kernel's memory, resident (RSS) and private (USS: what one more kernel adds)"
            )
            header = ["lesson", "prose s", "first explorer s", "all cells s", "RSS MB", "USS MB"]
            print(table(title, header, rows))

    report["machine"]["load_1_5_15_after"] = [round(load, 2) for load in os.getloadavg()]
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
