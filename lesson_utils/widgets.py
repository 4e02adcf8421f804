"""Explorers: controls, a live readout and a figure that updates in place fast enough to feel held.

An explorer draws its figure once; on each control change it moves the artists marked animated and
:class:`lesson_utils.frames.Frames` draws only those again, then sends a cheaply encoded PNG to an Image
widget. Subclasses say which controls exist, how to draw, and how to update.
"""

from __future__ import annotations

import base64
import html
import math
from typing import Any, ClassVar

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lesson_utils.frames import Frames

#: Every explorer class by name, so benchmarks and tests cover new lessons without being edited.
REGISTRY: dict[str, type[Explorer]] = {}


def register(cls: type[Explorer]) -> type[Explorer]:
    """Class decorator: list an explorer in :data:`REGISTRY`."""
    REGISTRY[cls.__name__] = cls
    return cls


def format_number(value: float) -> str:
    """A readout number: four significant digits, a real minus sign, and words for the non-finite."""
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "\u221e" if value > 0 else "\u2212\u221e"
    return f"{value:.4g}".replace("-", "\u2212")


class Explorer(widgets.VBox):
    """Controls, a readout of the numbers that matter and a figure; subclasses fill in the three hooks."""

    title: ClassVar[str] = ""
    figsize: ClassVar[tuple[float, float]] = (8.0, 3.5)
    dpi: ClassVar[int] = 96

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        """The controls, by the keyword their value is passed to :meth:`update` under."""
        raise NotImplementedError

    def draw(self, fig: Figure) -> Any:
        """Draw everything once; mark what moves with ``animated=True``; return the artists to move."""
        raise NotImplementedError

    def update(self, art: Any, **values: Any) -> dict[str, float]:
        """Move the animated artists (changing any other costs a full redraw); return the numbers to show, by label."""
        raise NotImplementedError

    def __init__(self, **values: Any) -> None:
        self.controls = self.make_controls()
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise TypeError(
                f"{type(self).__name__} has no control named {', '.join(map(repr, unknown))}; "
                f"its controls are {', '.join(map(repr, self.controls))}."
            )
        for name, value in values.items():
            self.controls[name].value = value
        self.figure = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.art = self.draw(self.figure)
        self.shown: dict[str, float] = {}
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", height="auto"))
        self.readout = widgets.HTML()
        self._frames = Frames(self.figure)
        header = widgets.HTML(f"<b>{html.escape(self.title)}</b>") if self.title else None
        children = [header] if header else []
        controls = list(self.controls.values())
        super().__init__([*children, widgets.VBox(controls), self.readout, self.image])
        # Stable hooks for browser tests and styling: every explorer, and which one it is.
        self.add_class("loss-lab-explorer")
        self.add_class(f"loss-lab-{type(self).__name__}")
        self.readout.add_class("loss-lab-readout")
        self.image.add_class("loss-lab-figure")
        for control in controls:
            control.observe(self._on_change, names="value")
        self.refresh()

    def values(self) -> dict[str, Any]:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        """Update the artists for the current control values, then the readout and the image."""
        self.shown = self.update(self.art, **self.values())
        self.readout.value = " &nbsp;&middot;&nbsp; ".join(
            f"{html.escape(label)} = <b>{format_number(value)}</b>" for label, value in self.shown.items()
        )
        self.image.value = self.render()

    def render(self) -> bytes:
        """The figure as it is now, as PNG bytes (only what moved is drawn again)."""
        return self._frames.render()

    def _on_change(self, _change: dict[str, Any]) -> None:
        self.refresh()

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self.values().items())
        return f"{type(self).__name__}({settings})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live widget, plus the current frame as a PNG for readers who have no kernel."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return bundle


def slider(
    description: str, *, value: float, min: float, max: float, step: float, readout_format: str = ".2f"
) -> widgets.FloatSlider:
    """A float slider that updates while dragged, with room for its label."""
    return widgets.FloatSlider(
        value=value,
        min=min,
        max=max,
        step=step,
        description=description,
        readout_format=readout_format,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="28em"),
    )
