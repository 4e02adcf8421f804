"""An explorer's controls swept across their whole range: what the benchmark times and the tests check."""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import numpy as np

from lesson_utils.widgets import Explorer


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
