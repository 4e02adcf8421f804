"""What every lesson calls first: seeds, one thread, print options and the figure style."""

from __future__ import annotations

import random

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
    """Seed every generator, use one thread (same bits on every machine), round prints, set the style."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the global generator is the one learners' np.random calls use
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.set_printoptions(precision=4, sci_mode=False)
    np.set_printoptions(precision=4, suppress=True)
    mpl.rcParams.update(STYLE)
