"""How fast every explorer answers its controls, against the naive way; the lessons under nbval; a real browser.

Run it with `make bench` (options: `.venv/bin/python -m benchmarks.bench --help`). It prints a table and, as its
last line, one JSON object with every figure. Times are wall-clock on the machine it runs on, so it reports the
machine's load too: on a shared machine, run it twice and compare.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
import torch
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

import lesson_utils.explorers  # noqa: F401  (importing it registers every explorer)
from devtools.servers import CHROMIUM_FLAGS, free_port, isolated_env, serve
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


def percentiles(seconds: Sequence[float]) -> tuple[float, float]:
    """The median and the 95th percentile, in milliseconds."""
    p50, p95 = np.percentile(np.asarray(seconds) * 1000, [50, 95])
    return round(float(p50), 2), round(float(p95), 2)


def positions(control: widgets.Widget) -> tuple[str, list[Any]]:
    """Every setting of a control, in order: the attribute to set and its values."""
    if hasattr(control, "options"):
        return "index", list(range(len(control.options)))
    if isinstance(control.value, bool):
        return "value", [False, True]
    if all(hasattr(control, name) for name in ("min", "max", "step")):
        grid = np.arange(control.min, control.max + control.step / 2, control.step)
        if hasattr(control, "base"):  # a log slider: min, max and step are exponents
            grid = control.base**grid
        return "value", np.round(grid, 12).tolist()
    raise TypeError(f"cannot sweep a {type(control).__name__}: it has no options, no bool value and no min/max/step")


def sweep(explorer: Explorer, updates: int) -> list[tuple[widgets.Widget, str, Any]]:
    """About ``updates`` control changes, every control in turn: a slider end to end, choices round and round."""
    changes = []
    per_control = math.ceil(updates / len(explorer.controls))
    for control in explorer.controls.values():
        attribute, values = positions(control)
        if len(values) >= per_control:
            picks = [values[i] for i in np.rint(np.linspace(0, len(values) - 1, per_control)).astype(int)]
        else:
            picks = [values[i % len(values)] for i in range(per_control)]
        current = getattr(control, attribute)
        for value in picks:
            if value != current:
                changes.append((control, attribute, value))
                current = value
    return changes


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


def explorers_notebook(folder: Path, names: Sequence[str]) -> Path:
    """A notebook that shows every explorer, one per cell, as the lessons do."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    setup = "import lesson_utils\nimport lesson_utils.explorers\nfrom lesson_utils.widgets import REGISTRY\n\n"
    notebook.cells = [nbformat.v4.new_code_cell(setup + "lesson_utils.setup()")]
    notebook.cells += [nbformat.v4.new_code_cell(f"REGISTRY[{name!r}]()") for name in names]
    path = folder / "explorers.ipynb"
    nbformat.write(notebook, path)
    return path


@contextlib.contextmanager
def voila(notebook: Path, home: Path) -> Iterator[str]:
    """Serve a notebook with Voila as `make demo` does, on its own port and token, Jupyter dirs under ``home``."""
    port, token = free_port(), secrets.token_hex(16)
    argv = [sys.executable, "-m", "voila", str(notebook), f"--port={port}", f"--token={token}"]
    with serve(argv, port=port, token=token, ready="/", env=isolated_env(home), log=home / "voila.log") as server:
        yield server.url("/")


def time_steps(page: Page, name: str, key: str, steps: int) -> tuple[list[float], int]:
    """Arrow-key the explorer's first slider until ``steps`` presses changed the figure: their seconds, the others."""
    explorer = page.locator(f".loss-lab-{name}")
    handle = explorer.locator(".widget-slider .noUi-handle").first
    image = explorer.locator("img.loss-lab-figure")
    page.evaluate(STEP_TIMER, [handle.element_handle(), image.element_handle()])
    unchanged = 0
    for _ in range(2 * steps):
        handle.press(key)
        try:
            page.wait_for_function("window.lossLabSteps.at(-1).end !== undefined", timeout=5_000)
        except PlaywrightTimeoutError:  # the figure did not change, so the kernel sent no new image
            unchanged += 1
        if page.evaluate("window.lossLabSteps.length") - unchanged == steps:
            break
    seconds = page.evaluate("window.lossLabSteps.filter(step => step.end).map(step => (step.end - step.start) / 1000)")
    return seconds, unchanged


def bench_browser(names: Sequence[str], steps: int, chromium: str) -> dict[str, Any]:
    """Every explorer served by Voila to headless Chromium: a slider step to the new figure, in milliseconds."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="loss-lab-bench-") as tmp:
        folder = Path(tmp)
        with voila(explorers_notebook(folder, names), folder) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            page = browser.new_page()
            page.goto(url)
            page.locator("img.loss-lab-figure").nth(len(names) - 1).wait_for(timeout=180_000)
            for name in names:
                sliders = [c for c in REGISTRY[name]().controls.values() if isinstance(c, SLIDERS)]
                if not sliders:
                    continue
                values = positions(sliders[0])[1]
                room = len(values) - 1 - int(np.argmin(np.abs(np.asarray(values) - sliders[0].value)))
                seconds, unchanged = time_steps(page, name, "ArrowRight" if room > 2 * steps else "ArrowLeft", steps)
                p50, p95 = percentiles(seconds)
                results[name] = {"steps": len(seconds), "p50_ms": p50, "p95_ms": p95, "unchanged": unchanged}
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
    parser.add_argument("--no-lessons", action="store_true", help="skip running the lessons under nbval")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser")
    args = parser.parse_args(argv)
    plt.switch_backend("agg")
    names = sorted(REGISTRY)
    report: dict[str, Any] = {"machine": machine()}
    about = report["machine"]
    print(f"Loss Lab benchmark: {about['cpus']} CPUs, load {about['load_1_5_15']} (1, 5, 15 min), {about['platform']},")
    print(f"Python {about['python']}, torch {about['torch']}\n")

    report["explorers"] = {name: bench_explorer(REGISTRY[name], args.updates) for name in names}
    header = ["explorer", "updates", "p50 ms", "p95 ms", "naive p50 ms", "naive p95 ms", "naive/explorer"]
    rows = [[name, *r.values()] for name, r in report["explorers"].items()]
    print(table("One update: a control set -> the new PNG in image.value (naive: a new pyplot figure)", header, rows))

    report["lessons"] = {}
    if not args.no_lessons:
        paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
        report["lessons"] = {path.stem: bench_lesson(path) for path in paths}
        rows = [[name, *r.values()] for name, r in report["lessons"].items()]
        title = "Lessons under strict nbval: startup = kernel start + first code cell, work = the other cells"
        print(
            table(title, ["lesson", "startup s", "work s", "cells", "passed"], rows or [["(no notebooks)"] + [""] * 4])
        )

    report["browser"] = {}
    if not args.no_browser and not Path(args.chromium).exists():
        print(f"Browser: skipped, no Chromium at {args.chromium}\n")
    elif not args.no_browser:
        report["browser"] = bench_browser(names, args.browser_steps, args.chromium)
        rows = [[name, *r.values()] for name, r in report["browser"].items()]
        title = "Browser (Voila, headless Chromium): arrow key on the first slider -> new <img> src"
        print(table(title, ["explorer", "steps", "p50 ms", "p95 ms", "unchanged"], rows))

    report["machine"]["load_1_5_15_after"] = [round(load, 2) for load in os.getloadavg()]
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
