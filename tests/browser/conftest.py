"""A real JupyterLab and a real Voila, each on a free port with its own token, driven by Debian's Chromium.

Both serve a throwaway copy of the notebooks with every output stripped (so "every cell ran" is unambiguous and
the committed files are never touched), with a throwaway HOME and Jupyter, IPython and matplotlib directories.
Without Chromium the browser tests are skipped, unless LOSS_LAB_REQUIRE_BROWSER=1 (CI) makes that an error.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from devtools.notebooks import explorers_notebook
from devtools.pages import VOILA_RENDER
from devtools.servers import CHROMIUM_FLAGS, ROOT, Server, free_port, isolated_env, jupyterlab_argv, serve, voila_argv
from tests.browser.served import EXPLORERS, SAMPLE, STORED
from tests.lessons import NOTEBOOKS

# Every cell is laid out, on screen or not, so that the tests can read every prompt.
LAB_SETTINGS = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}

# The sample notebook is for the browser, not for nbval.
collect_ignore = [SAMPLE.name]


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        missing = "no chromium on PATH (install Debian's: apt-get install chromium)"
        if os.environ.get("LOSS_LAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{missing}, and LOSS_LAB_REQUIRE_BROWSER=1 requires the browser tests to run")
        pytest.skip(f"browser tests skipped: {missing}")
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots, timings and server logs, in the git-ignored artifacts/ folder."""
    folder = ROOT / "artifacts"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def jupyter_env(tmp_path_factory) -> dict[str, str]:
    """The environment of both servers and their kernels: nothing is read from or written to the real home."""
    return isolated_env(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="session")
def served_notebooks(tmp_path_factory) -> Path:
    """A copy of notebooks/ and the sample lesson, every output and execution count stripped; the explorers page
    (served.EXPLORERS_PAGE); and in the folder served.STORED, the notebooks as committed, outputs and all."""
    folder = tmp_path_factory.mktemp("notebooks")
    if NOTEBOOKS.is_dir():
        shutil.copytree(NOTEBOOKS, folder, dirs_exist_ok=True)
        shutil.copytree(NOTEBOOKS, folder / STORED)
    shutil.copy(SAMPLE, folder)
    explorers_notebook(folder, EXPLORERS)
    for path in folder.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        notebook.metadata.pop("widgets", None)
        nbformat.write(notebook, path)
    return folder


@pytest.fixture(scope="session")
def jupyterlab(chromium, served_notebooks, jupyter_env, artifacts, tmp_path_factory) -> Iterator[Server]:
    """JupyterLab as `make lab` runs it (jupyter-config/), on its own port with its own token; the tests read cell
    states and outputs from the notebook model of the page (``window.jupyterapp``)."""
    port, token = free_port(), secrets.token_hex(16)
    settings = tmp_path_factory.mktemp("lab-settings")
    argv = jupyterlab_argv(
        port=port, token=token, root_dir=served_notebooks, settings_dir=settings, settings=LAB_SETTINGS
    )
    log = artifacts / "jupyterlab.log"
    with serve(argv, port=port, token=token, ready="/api/status", env=jupyter_env, log=log) as server:
        yield server


@pytest.fixture(scope="session")
def voila(chromium, served_notebooks, jupyter_env, artifacts) -> Iterator[Server]:
    """Voila as `make demo` runs it (it reads voila.json from the repository root), but on its own port with its own
    token, and culling a kernel 15 s after its page has gone so that a test can see it happen. (A page connects to
    its kernel only once its scripts have loaded, seconds after the kernel started on a loaded machine: a kernel
    must outlive that wait.)"""
    port, token = free_port(), secrets.token_hex(16)
    culling = ["--MappingKernelManager.cull_idle_timeout=15", "--MappingKernelManager.cull_interval=1"]
    argv = voila_argv(served_notebooks, port=port, token=token, options=culling)
    with serve(argv, port=port, token=token, ready="/", env=jupyter_env, log=artifacts / "voila.log") as server:
        yield server


@pytest.fixture(scope="session")
def browser(chromium, tmp_path_factory) -> Iterator[BrowserContext]:
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"),
            executable_path=chromium,
            args=CHROMIUM_FLAGS,
            headless=True,
            locale="en-US",
            viewport={"width": 1280, "height": 900},
        )
        # A loaded two-core machine is slow: every wait is for a condition, with room to spare.
        context.set_default_timeout(60_000)
        expect.set_options(timeout=60_000)
        yield context
        context.close()


@pytest.fixture
def lab_page(jupyterlab, browser) -> Iterator[Page]:
    """A fresh tab on JupyterLab; afterwards every session is deleted, as kernels outlive their page."""
    page = browser.new_page()
    yield page
    page.close()
    delete_sessions(jupyterlab)


def delete_sessions(jupyterlab: Server) -> None:
    """End every notebook session of the server, with its kernel."""
    _, sessions = jupyterlab.api("GET", "/api/sessions")
    for session in sessions:
        jupyterlab.api("DELETE", f"/api/sessions/{session['id']}")


@pytest.fixture
def voila_page(voila, browser) -> Iterator[Page]:
    """A fresh tab for Voila, recording when prose shows and when every cell has run (``devtools.pages``)."""
    page = browser.new_page()
    page.add_init_script(VOILA_RENDER)
    yield page
    page.close()
