"""What every lesson calls first: seeds, one thread, print options and the figure style."""

from __future__ import annotations

import random
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import numpy as np
import torch

from lesson_utils.plotting import COLORS

STYLE = {
    "figure.dpi": 96,
    "savefig.dpi": 96,
    "image.cmap": "viridis",
    "axes.prop_cycle": mpl.cycler(color=[COLORS[name] for name in ("blue", "orange", "green", "vermillion", "sky")]),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
}


def setup(*, seed: int = 0) -> None:
    """Seed every generator, use one thread (same bits on every machine), round prints, set the figure style."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global generator is the one learners' code calls
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.set_printoptions(precision=4, sci_mode=False)
    np.set_printoptions(precision=4, suppress=True)
    mpl.rcParams.update(STYLE)
    _configure_notebook()


def _configure_notebook() -> None:
    """In a notebook: show a pyplot-free Figure that ends a cell as a PNG; show errors as one line.

    One-line errors (`%xmode Minimal`: type and message) are what the Pitfalls need, and they store no file
    paths of this machine; `%xmode Context` brings full tracebacks back for debugging.
    """
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"})
        shell.run_line_magic("xmode", "Minimal")


@contextmanager
def show_warnings() -> Iterator[None]:
    """Run the block, then print each warning it raised as 'Category: message', without file paths.

    A warning left to Jupyter prints the cell's temporary file path, which differs on every machine;
    printed this way the stored output is the same everywhere.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        print(f"{warning.category.__name__}: {warning.message}")
