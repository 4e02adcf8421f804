"""Explorers: controls, a live readout and a figure that updates in place fast enough to feel held.

An explorer draws its figure once. On each control change only the artists marked animated are drawn again, onto
a cached background; the still artists that lie above them (points, axes, legends) are painted over from cached
layers, so each frame is what a full redraw would show. A cheaply encoded PNG then goes to an Image widget.
A change to anything not animated costs one full redraw. Subclasses say which controls exist, how to draw, and
how to update.
"""

from __future__ import annotations

import base64
import html
import itertools
import math
import struct
import zlib
from typing import Any, ClassVar

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Every explorer class by name, so benchmarks and tests cover new lessons without being edited.
REGISTRY: dict[str, type[Explorer]] = {}


def register(cls: type[Explorer]) -> type[Explorer]:
    """Class decorator: list an explorer in :data:`REGISTRY`."""
    REGISTRY[cls.__name__] = cls
    return cls


def encode_png(canvas: FigureCanvasAgg, *, compress_level: int = 1) -> bytes:
    """The canvas's pixels as PNG bytes: RGB when opaque, rows unfiltered, zlib (2-3x faster than Pillow's PNG)."""
    rgba = np.asarray(canvas.buffer_rgba())
    height, width, _ = rgba.shape
    mode = "RGB" if rgba[..., 3].min() == 255 else "RGBA"
    pixels = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).tobytes("raw", mode)
    rows = np.zeros((height, 1 + len(pixels) // height), np.uint8)  # each row starts with its filter type: 0, none
    rows[:, 1:] = np.frombuffer(pixels, np.uint8).reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if mode == "RGB" else 6, 0, 0, 0)  # 8 bits per channel
    idat = zlib.compress(rows, compress_level)
    return _PNG_SIGNATURE + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _drawn_children(parent: Figure | Axes) -> list[Artist]:
    """The children ``parent.draw`` draws (animated ones included), in the order it draws them."""
    hidden = {parent.patch}
    if isinstance(parent, Axes) and not (parent.axison and parent.get_frame_on()):
        hidden.update(parent.spines.values())
    if isinstance(parent, Axes) and not parent.axison:
        hidden.update(parent._axis_map.values())
    return sorted((a for a in parent.get_children() if a not in hidden), key=lambda a: a.get_zorder())


def _overlay(figure: Figure) -> list[Artist]:
    """What each frame redraws, in drawing order: in every Axes and the figure, the first animated child and after."""
    artists: list[Artist] = []
    for parent in (*figure.axes, figure):
        children = _drawn_children(parent)
        first = next((i for i, artist in enumerate(children) if artist.get_animated()), len(children))
        artists += children[first:]
    return artists


class _Layer:
    """Still artists that lie above moving ones, drawn once alone and then painted over every frame."""

    def __init__(self, canvas: FigureCanvasAgg) -> None:
        """Keep the inked pixels of the canvas (the artists were drawn onto a cleared, transparent one)."""
        pixels = np.asarray(canvas.buffer_rgba()).reshape(-1, 4)
        self.index = np.flatnonzero(pixels[:, 3])
        ink = pixels[self.index].astype(np.int32)
        self.color, self.alpha = ink[:, :3], ink[:, 3:]

    def paint(self, pixels: np.ndarray) -> None:
        """Blend over these RGBA pixels (rows of 4 bytes) with Agg's own integer arithmetic for plain RGBA."""
        under = pixels[self.index].astype(np.int32)
        under_alpha = under[:, 3:]
        under_color = under[:, :3] * under_alpha
        alpha = ((self.alpha + under_alpha) << 8) - self.alpha * under_alpha
        color = (((self.color << 8) - under_color) * self.alpha + (under_color << 8)) // alpha
        color = np.where(self.alpha == 255, self.color, color)  # Agg copies opaque ink as is
        pixels[self.index] = np.hstack([color, alpha >> 8])


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
        self._background: Any = None
        self._still: set[Artist] = set()
        self._steps: list[Artist | _Layer] = []
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
        """Draw the moving artists onto the cached background, paint the still layers above them; PNG bytes."""
        canvas = self.figure.canvas
        if self._background is None or self.figure.stale or any(artist.stale for artist in self._still):
            self._cache()
        canvas.restore_region(self._background)
        pixels = np.asarray(canvas.buffer_rgba()).reshape(-1, 4)
        for step in self._steps:
            if isinstance(step, _Layer):
                step.paint(pixels)
            else:
                self.figure.draw_artist(step)
        self.figure.stale = False  # the frame shows every artist (drawing an Axis or a Legend marks its Axes stale)
        return encode_png(canvas)

    def _cache(self) -> None:
        """Draw the figure in full; keep what lies under the first moving artist, and the still runs above it."""
        for artist in self._still:
            artist.set_animated(False)
        self.figure.get_layout_engine().execute(self.figure)  # a first draw moves the layout once more: settle it
        drawn = _overlay(self.figure)
        self._still = {artist for artist in drawn if not artist.get_animated()}
        for artist in self._still:
            artist.set_animated(True)  # left out of the background, like the moving ones
        canvas = self.figure.canvas
        canvas.draw()
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        self._steps = []
        for still, run in itertools.groupby(drawn, key=self._still.__contains__):
            if still:
                canvas.get_renderer().clear()
                for artist in run:
                    self.figure.draw_artist(artist)
                    artist.stale = False  # the layer shows it as it is now (an empty Text never draws, so stays stale)
                self._steps.append(_Layer(canvas))
            else:
                self._steps.extend(run)

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
