"""Notebooks built for the browser: one page that shows every explorer asked for, as the lessons show them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import nbformat

#: The file name of the page of explorers.
EXPLORERS_PAGE = "explorers.ipynb"
SETUP = """import lesson_utils
import lesson_utils.explorers
from lesson_utils.widgets import REGISTRY

lesson_utils.setup()"""


def explorers_notebook(folder: Path, names: Sequence[str]) -> Path:
    """Write `folder/explorers.ipynb` (EXPLORERS_PAGE): `lesson_utils.setup()`, then each named explorer built with
    its defaults, one per cell (the last line of the cell, as in a lesson)."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(SETUP)]
    notebook.cells += [nbformat.v4.new_code_cell(f"REGISTRY[{name!r}]()") for name in names]
    path = folder / EXPLORERS_PAGE
    nbformat.write(notebook, path)
    return path
