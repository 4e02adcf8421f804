"""scripts/build_site.py, without Sphinx: what the staged copy of a notebook gives MyST-NB."""

import importlib.util

import nbformat
import pytest

from devtools.servers import ROOT
from lesson_utils.widgets import EXPLORER_OUTPUT

spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
build_site = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_site)


def figure(alt: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": alt}, metadata={"image/png": {"alt": alt}}
    )


def test_a_figures_alt_text_becomes_its_cells_image_option():
    cell = nbformat.v4.new_code_cell("described(fig, alt=...)", outputs=[figure("A line from (0, 0) to (1, 1).")])
    staged = build_site.for_site(nbformat.v4.new_notebook(cells=[cell]))
    assert staged.cells[0].metadata["mystnb"] == {"image": {"alt": "A line from (0, 0) to (1, 1)."}}
    assert "mystnb" not in cell.metadata, "the notebook itself is left as it is"


def test_a_line_after_every_explorer_says_where_it_is_live():
    explorer = figure("Figure: a slider's loss. Settings: w = 1. Shown: loss = 0.")
    explorer.metadata[EXPLORER_OUTPUT] = "SomeExplorer"
    cells = [
        nbformat.v4.new_code_cell("SomeExplorer()", outputs=[explorer]),
        nbformat.v4.new_code_cell("", outputs=[figure("Still.")]),
    ]
    staged = build_site.for_site(nbformat.v4.new_notebook(cells=cells))
    live, still = ([o.get("data", {}).get("text/html", "") for o in cell.outputs] for cell in staged.cells)
    assert live == ["", build_site.LIVE_NOTE] and still == [""]


def test_two_figures_in_one_cell_are_refused():
    cell = nbformat.v4.new_code_cell("", outputs=[figure("One."), figure("Two.")])
    with pytest.raises(ValueError, match="one figure per cell"):
        build_site.for_site(nbformat.v4.new_notebook(cells=[cell]))
