"""Plotting helpers: each takes an Axes, draws with the object-oriented API and returns the artists it drew."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import CenteredNorm
from matplotlib.contour import QuadContourSet
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.quiver import Quiver
from torch import Tensor

from lesson_utils.surfaces import Curve, Surface

#: Okabe-Ito colours, distinguishable with every common colour-vision deficiency.
COLORS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
SURFACE_CMAP = "viridis"
SIGNED_CMAP = "PuOr_r"


def new_figure(
    *, ncols: int = 1, nrows: int = 1, figsize: tuple[float, float] = (8.0, 3.5), dpi: float | None = None
) -> tuple[Figure, np.ndarray]:
    """A Figure made without pyplot (no global state) and its axes as a 1-D array.

    ``dpi`` sets the resolution it is shown at (default: the style's ``figure.dpi``); 72 keeps a stored
    notebook light.
    """
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes.ravel()


@dataclass(frozen=True)
class DescribedFigure:
    """A Figure shown as a PNG whose alt text travels with it: in the output's metadata, where Voila, the static
    site and nbconvert read it, and as its plain-text form, which strict nbval compares."""

    figure: Figure
    alt: str

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        """The PNG a bare ``fig`` would show, the alt text as text/plain, and the alt text as the PNG's metadata."""
        from IPython.core.pylabtools import print_figure

        png = print_figure(self.figure, "png", base64=True)
        return {"image/png": png, "text/plain": self.alt}, {"image/png": {"alt": self.alt}}


def described(fig: Figure, *, alt: str) -> DescribedFigure:
    """The figure with its alt text, to end a cell with: what it shows and its key numbers, in a sentence or two."""
    if not isinstance(fig, Figure):
        raise TypeError(f"described: fig must be a matplotlib Figure (from new_figure()), got {type(fig).__name__}.")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(
            f"described: alt must say in words what the figure shows (axes, curves, key numbers), got {alt!r}."
        )
    return DescribedFigure(fig, " ".join(alt.split()))


def _np(t: Tensor | np.ndarray | Sequence[float]) -> np.ndarray:
    return t.detach().cpu().numpy() if isinstance(t, Tensor) else np.asarray(t)


def plot_curve(ax: Axes, curve: Curve, *, label: str = "loss", color: str = COLORS["blue"]) -> list[Line2D]:
    """Draw a loss curve f(x) against x."""
    return ax.plot(_np(curve.x), _np(curve.value), color=color, label=label)


def plot_gradient(
    ax: Axes, curve: Curve, *, label: str = "gradient", color: str = COLORS["vermillion"]
) -> list[Line2D]:
    """Draw df/dx against x with a zero line, so its sign reads at a glance."""
    zero = ax.axhline(0.0, color="0.6", linewidth=0.8)
    return [zero, *ax.plot(_np(curve.x), _np(curve.grad), color=color, label=label)]


def plot_surface(
    ax: Axes, surface: Surface, *, levels: int | Sequence[float] = 12, cmap: str = SURFACE_CMAP
) -> tuple[AxesImage, QuadContourSet]:
    """Draw f(x, y) as a heatmap with contour lines (a perceptually uniform map, lowest values darkest)."""
    x, y, z = _np(surface.x), _np(surface.y), _np(surface.value)
    image = ax.imshow(
        z, origin="lower", extent=(x[0], x[-1], y[0], y[-1]), aspect="auto", cmap=cmap, interpolation="nearest"
    )
    contours = ax.contour(x, y, z, levels=levels, colors="white", linewidths=0.6, alpha=0.7)
    ax.grid(False)
    return image, contours


def plot_gradient_field(ax: Axes, surface: Surface, *, every: int = 12, color: str = "white") -> Quiver:
    """Draw arrows of the descent direction -grad f, every ``every``-th grid point, scaled to unit length."""
    if isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1:
        raise ValueError(
            f"plot_gradient_field: every must be a whole number >= 1 (1 draws an arrow at every grid point, 12 at "
            f"every 12th), got {every!r}."
        )
    gx, gy = -_np(surface.grad_x)[::every, ::every], -_np(surface.grad_y)[::every, ::every]
    norm = np.hypot(gx, gy)
    norm[norm == 0] = 1.0
    x, y = np.meshgrid(_np(surface.x)[::every], _np(surface.y)[::every])
    return ax.quiver(x, y, gx / norm, gy / norm, color=color, angles="xy", pivot="mid", width=0.004)


def plot_signed(ax: Axes, values: Tensor | np.ndarray, *, cmap: str = SIGNED_CMAP) -> AxesImage:
    """Draw a signed 2-D array (a gradient, say) with a diverging map centred at zero."""
    return ax.imshow(_np(values), cmap=cmap, norm=CenteredNorm(), interpolation="nearest")


@dataclass
class FitArtists:
    """What :func:`plot_fit` drew: the data points, the fitted line and the residual segments."""

    points: PathCollection
    line: Line2D
    residuals: LineCollection


def plot_fit(
    ax: Axes,
    x: Tensor | np.ndarray,
    y: Tensor | np.ndarray,
    *,
    slope: float,
    intercept: float,
    color: str = COLORS["blue"],
) -> FitArtists:
    """Draw data points, the line y = slope * x + intercept across the axes, and each point's residual."""
    points = ax.scatter(_np(x), _np(y), color=COLORS["black"], zorder=3, label="data")
    (line,) = ax.plot([], [], color=color, linewidth=2, label="model")
    residuals = LineCollection([], colors=COLORS["vermillion"], linewidths=1.5, label="residuals")
    ax.add_collection(residuals)
    artists = FitArtists(points=points, line=line, residuals=residuals)
    update_fit(artists, x, y, slope=slope, intercept=intercept)
    return artists


def update_fit(
    artists: FitArtists, x: Tensor | np.ndarray, y: Tensor | np.ndarray, *, slope: float, intercept: float
) -> None:
    """Move the points, line and residuals of :func:`plot_fit` in place (nothing is redrawn here)."""
    x, y = _np(x), _np(y)
    left, right = artists.line.axes.get_xlim()
    points = np.column_stack([x, y])
    if not np.array_equal(artists.points.get_offsets(), points):  # untouched, still points need no full redraw
        artists.points.set_offsets(points)
    artists.line.set_data([left, right], [slope * left + intercept, slope * right + intercept])
    fitted = slope * x + intercept
    artists.residuals.set_segments([[(xi, yi), (xi, fi)] for xi, yi, fi in zip(x, y, fitted, strict=True)])
