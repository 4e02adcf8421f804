"""Frames of a Figure as PNG bytes, drawing again only what moved since the last frame.

The caller says which artists move; :class:`Frames` marks them animated (so a full draw leaves them out), draws
the first frame in full and caches the background under the moving artists. Each later frame restores that
background, draws the moving artists, and paints the still artists that lie above them (points, axes, legends)
from cached layers, so every frame is what a full redraw would show. A change to a still artist makes the next
frame a full redraw. Moving text and images, costly to draw, are painted from a stamp of their pixels while they
stay as they were (a title that did not change, a surface while another control is dragged).
"""

from __future__ import annotations

import dataclasses
import itertools
import struct
import zlib
from collections.abc import Iterable
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.container import Container
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.text import Text
from PIL import Image

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Moving artists that cost a millisecond or more to draw: while one is unchanged (not stale), a frame paints its stamp.
_STAMPED = (Text, AxesImage)


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


def artists_in(art: Any, where: str = "art") -> list[Artist]:
    """Every Artist in ``art``: an Artist, a Container (bars), or a dataclass, dict, list or tuple of them."""
    if isinstance(art, Artist):
        return [art]
    if dataclasses.is_dataclass(art) and not isinstance(art, type):
        fields = ((f".{field.name}", getattr(art, field.name)) for field in dataclasses.fields(art))
    elif isinstance(art, dict):
        fields = ((f"[{key!r}]", value) for key, value in art.items())
    elif isinstance(art, list | tuple | Container):
        fields = ((f"[{i}]", value) for i, value in enumerate(art))
    elif art is None:
        return []
    else:
        raise TypeError(
            f"{where} is a {type(art).__name__}: what draw returns holds only the artists that move "
            "(Artists, bars, and dataclasses, dicts, lists or tuples of them)."
        )
    return [artist for suffix, value in fields for artist in artists_in(value, where + suffix)]


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


def _words(canvas: FigureCanvasAgg | RendererAgg) -> np.ndarray:
    """The RGBA pixels of a canvas or renderer, one 32-bit word each (a view: writing to it paints them)."""
    return np.asarray(canvas.buffer_rgba()).view(np.uint32).reshape(-1)


class _Layer:
    """Still artists that lie above moving ones, drawn once alone and then painted over every frame."""

    def __init__(self, canvas: FigureCanvasAgg | RendererAgg) -> None:
        """Keep the inked pixels of the canvas (the artists were drawn onto a cleared, transparent one): opaque ink
        to copy as it is, and the translucent ink of antialiased edges with its colour and coverage to blend."""
        words = _words(canvas)
        alpha = words.view(np.uint8)[3::4]
        self.opaque = np.flatnonzero(alpha == 255)
        self.opaque_ink = words[self.opaque]
        self.index = np.flatnonzero((alpha > 0) & (alpha < 255))
        ink = words[self.index].view(np.uint8).reshape(-1, 4).astype(np.float64)
        self.alpha = ink[:, 3:]
        self.color_256 = ink[:, :3] * 256.0
        self.alpha_256 = self.alpha * 256.0

    def paint(self, words: np.ndarray) -> None:
        """Paint over RGBA pixels (one 32-bit word each) as Agg draws plain RGBA: opaque ink replaces the pixel,
        translucent ink blends with Agg's integer arithmetic (done in float64, where every step here is exact)."""
        words[self.opaque] = self.opaque_ink
        under = words[self.index].view(np.uint8).reshape(-1, 4)
        under_alpha = under[:, 3:].astype(np.float64)
        under_color = under[:, :3] * under_alpha
        alpha = self.alpha_256 + under_alpha * (256.0 - self.alpha)
        color = (self.color_256 - under_color) * self.alpha
        color += under_color * 256.0
        color /= alpha  # Agg divides integers; the quotient's floor is the same (as for the alpha's shift below)
        blended = np.empty((len(self.index), 4), np.uint8)
        blended[:, :3] = color
        blended[:, 3:] = alpha / 256.0
        words[self.index] = blended.view(np.uint32).reshape(-1)


class Frames:
    """Renders one Figure (on an Agg canvas) frame after frame."""

    def __init__(self, figure: Figure, *, moving: Iterable[Artist]) -> None:
        """Frames of ``figure`` where only the ``moving`` artists change (others may, at a full redraw's cost)."""
        self.figure = figure
        for artist in moving:
            artist.set_animated(True)
        self._background: Any = None
        self._still: set[Artist] = set()
        self._steps: list[Artist | _Layer] = []
        self._stamps: dict[Artist, _Layer] = {}
        self._scratch: RendererAgg | None = None

    def render(self) -> bytes:
        """Draw the moving artists onto the cached background, paint the still layers above them; PNG bytes."""
        canvas = self.figure.canvas
        if self._background is None or self.figure.stale or any(artist.stale for artist in self._still):
            self._cache()
        canvas.restore_region(self._background)
        words = _words(canvas)
        for step in self._steps:
            if isinstance(step, _Layer):
                step.paint(words)
            elif isinstance(step, _STAMPED) and not step.stale:
                if step not in self._stamps:
                    self._stamps[step] = self._stamp(step)
                self._stamps[step].paint(words)
            else:
                self._stamps.pop(step, None)
                self.figure.draw_artist(step)
        self.figure.stale = False  # the frame shows every artist (drawing an Axis or a Legend marks its Axes stale)
        return encode_png(canvas)

    def _cache(self) -> None:
        """Draw the figure in full; keep what lies under the first moving artist, and the still runs above it."""
        for artist in self._still:
            artist.set_animated(False)
        engine = self.figure.get_layout_engine()
        if engine is not None:
            engine.execute(self.figure)  # a first draw moves a constrained layout once more: settle it first
        drawn = _overlay(self.figure)
        self._still = {artist for artist in drawn if not artist.get_animated()}
        for artist in self._still:
            artist.set_animated(True)  # left out of the background, like the moving ones
        canvas = self.figure.canvas
        canvas.draw()
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        self._stamps = {}
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

    def _stamp(self, artist: Artist) -> _Layer:
        """The artist's pixels as it is now, drawn alone onto a transparent renderer the size of the canvas."""
        renderer = self.figure.canvas.get_renderer()
        if self._scratch is None or (self._scratch.width, self._scratch.height) != (renderer.width, renderer.height):
            self._scratch = RendererAgg(renderer.width, renderer.height, renderer.dpi)
        self._scratch.clear()
        artist.draw(self._scratch)
        return _Layer(self._scratch)
