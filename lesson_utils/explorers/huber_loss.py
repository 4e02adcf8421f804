"""Explorer of the Huber lesson: drag the knee delta against an outlier, and see MSE's, L1's and Huber's lines."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lesson_utils.explorers.mse_loss import LineDataExplorer, least_squares_line
from lesson_utils.plotting import COLORS
from lesson_utils.widgets import Reading, recompute_on_change, register, slider

Line = tuple[float, float]

#: The pull axis shows -13 to 13: the outlier's largest pull under MSE, at either end of its slider, is about 11.8.
PULL_LIMIT = 13.0


def _design(x: torch.Tensor) -> np.ndarray:
    x = x.detach().double().numpy()
    return np.column_stack([x, np.ones_like(x)])


def l1_line(x: torch.Tensor, y: torch.Tensor) -> Line:
    """The (slope, intercept) that minimise mean(|slope * x + intercept - y|), exactly.

    Some best L1 line passes through two of the points (it is a corner of a linear programme), so trying the
    line through every pair of points with distinct x finds it; ties go to the first pair.
    """
    xs, ys = x.detach().double().numpy(), y.detach().double().numpy()
    pairs = np.array([(i, j) for i, j in itertools.combinations(range(len(xs)), 2) if xs[i] != xs[j]])
    if len(pairs) == 0:
        raise ValueError("l1_line needs at least two points with different x.")
    i, j = pairs[:, 0], pairs[:, 1]
    slopes = (ys[j] - ys[i]) / (xs[j] - xs[i])
    intercepts = ys[i] - slopes * xs[i]
    costs = np.abs(slopes[:, None] * xs[None, :] + intercepts[:, None] - ys[None, :]).sum(axis=1)
    best = int(np.argmin(costs))
    return float(slopes[best]), float(intercepts[best])


def _huber_sum(residuals: np.ndarray, delta: float) -> float:
    r = np.abs(residuals)
    return float(np.where(r < delta, 0.5 * r**2, delta * (r - 0.5 * delta)).sum())


def huber_objective(x: torch.Tensor, y: torch.Tensor, line: Line, delta: float) -> float:
    """sum of Huber(delta) over the residuals of the line (the quantity :func:`huber_line` minimises)."""
    return _huber_sum(_design(x) @ np.array(line) - y.detach().double().numpy(), delta)


def huber_line(
    x: torch.Tensor,
    y: torch.Tensor,
    delta: float,
    *,
    starts: Sequence[Line] | None = None,
    tol: float = 1e-12,
    steps: int = 500,
) -> Line:
    """The (slope, intercept) that minimise the mean Huber(delta) loss: Newton steps, with IRLS as the fallback.

    The loss is quadratic on each set of points inside the knee, so a Newton step solves it exactly for the
    current set: least squares on the points inside, each point outside pulling with +-delta. It is taken when it
    lowers the loss; otherwise (fewer than two points inside, or an overshoot) one step of iteratively reweighted
    least squares is, with weights min(1, delta / |r_i|), which always lowers it. The search starts from whichever
    of ``starts`` (by default the MSE and L1 lines) has the lower loss and stops when the line moves less than
    ``tol``: at once when a Newton step lands on the set it was computed for.
    """
    if not delta > 0:
        raise ValueError(f"huber_line: delta must be more than 0, got {delta}.")
    a, targets = _design(x), y.detach().double().numpy()
    candidates = starts if starts is not None else (least_squares_line(x, y), l1_line(x, y))
    theta = np.array(min(candidates, key=lambda line: huber_objective(x, y, line, delta)))
    for _ in range(steps):
        r = a @ theta - targets
        inside = np.abs(r) < delta
        new = None
        a_in = a[inside]
        hessian = a_in.T @ a_in
        if np.linalg.det(hessian) > 1e-9:
            newton = np.linalg.solve(hessian, a_in.T @ targets[inside] - delta * a[~inside].T @ np.sign(r[~inside]))
            if _huber_sum(a @ newton - targets, delta) <= _huber_sum(r, delta):
                new = newton
        if new is None:
            weighted = a.T * np.minimum(1.0, delta / np.maximum(np.abs(r), 1e-300))
            new = np.linalg.solve(weighted @ a, weighted @ targets)
        moved = np.abs(new - theta).max()
        theta = new
        if moved <= tol * (1.0 + np.abs(theta).max()):
            break
    return float(theta[0]), float(theta[1])


def pulls(residuals: np.ndarray, delta: float) -> np.ndarray:
    """Each point's pull on the line, -d/dprediction of its Huber loss: -clip(r, -delta, delta), r = prediction - y.

    With delta = inf it is -r, the pull under half the squared error (MSE's, up to the factor 2 / n).
    """
    return -np.clip(residuals, -delta, delta)


@dataclass
class KneeArt:
    mse_line: Line2D
    l1_line: Line2D
    huber_line: Line2D
    band: tuple[Line2D, Line2D]
    outlier: Line2D
    mse_pulls: BarContainer
    huber_pulls: BarContainer


@register
class HuberOutlierExplorer(LineDataExplorer):
    """One outlier against eight points: drag it and the knee delta; MSE's, L1's and Huber's best lines follow."""

    title = "Drag the outlier and the knee: which line does each loss choose?"
    figsize = (9.0, 3.6)

    outlier_y = slider("outlier y", value=18.0, min=-8.0, max=22.0, step=0.1)
    delta = slider("knee \u03b4", value=1.0, min=0.05, max=10.0, step=0.05)

    outlier_x = 3.0

    def draw(self, fig: Figure) -> KneeArt:
        fit_ax, pull_ax = fig.subplots(1, 2, width_ratios=(3, 2))
        fit_ax.set(xlim=(-0.25, 3.75), ylim=(-10, 24), xlabel="x", ylabel="y", title="the best line of each loss")
        fit_ax.scatter(self.x.numpy(), self.y.numpy(), color=COLORS["black"], zorder=3, s=18, label="data")
        (outlier,) = fit_ax.plot([], [], "o", color=COLORS["vermillion"], markersize=8, label="outlier", zorder=4)
        (mse,) = fit_ax.plot([], [], color=COLORS["blue"], linewidth=2, label="MSE")
        (l1,) = fit_ax.plot([], [], color=COLORS["orange"], linewidth=2, linestyle=":", label="L1")
        (huber,) = fit_ax.plot([], [], color=COLORS["green"], linewidth=2, label="Huber")
        band = tuple(
            fit_ax.plot([], [], color=COLORS["green"], linewidth=0.8, linestyle="--", label=label)[0]
            for label in ("Huber line \u00b1 \u03b4", None)
        )
        fit_ax.legend(loc="upper left", fontsize=7, ncols=2)
        n = len(self.x) + 1
        positions = np.arange(n)
        pull_ax.axhline(0.0, color="0.6", linewidth=0.8)
        mse_pulls = pull_ax.bar(
            positions - 0.2, np.zeros(n), width=0.4, color=COLORS["blue"], label="MSE (\u00bd r\u00b2)"
        )
        huber_pulls = pull_ax.bar(positions + 0.2, np.zeros(n), width=0.4, color=COLORS["green"], label="Huber")
        pull_ax.set(
            ylim=(-PULL_LIMIT, PULL_LIMIT),
            xticks=positions,
            xticklabels=[*map(str, range(1, n)), "out"],
            xlabel="point",
            ylabel="pull on the line, \u2212\u2202\u2113/\u2202\u0177",
            title="each point's pull on its loss's line",
        )
        pull_ax.legend(loc="lower left", fontsize=7)
        return KneeArt(mse, l1, huber, band, outlier, mse_pulls, huber_pulls)

    def data(self, outlier_y: float) -> tuple[torch.Tensor, torch.Tensor]:
        """The eight points and the outlier."""
        return torch.cat([self.x, torch.tensor([self.outlier_x])]), torch.cat([self.y, torch.tensor([outlier_y])])

    @recompute_on_change
    def outlier_lines(self, outlier_y: float) -> tuple[Line, Line]:
        """The MSE and L1 lines, which do not depend on delta."""
        x, y = self.data(outlier_y)
        return least_squares_line(x, y), l1_line(x, y)

    def update(self, art: KneeArt, s: Any) -> list[Reading]:
        x, y = self.data(s.outlier_y)
        mse, l1 = self.outlier_lines(s.outlier_y)
        huber = huber_line(x, y, s.delta, starts=(mse, l1))
        left, right = art.mse_line.axes.get_xlim()
        ends = np.array([left, right])
        for artist, (slope, intercept) in ((art.mse_line, mse), (art.l1_line, l1), (art.huber_line, huber)):
            artist.set_data(ends, slope * ends + intercept)
        for artist, sign in zip(art.band, (1, -1), strict=True):
            artist.set_data(ends, huber[0] * ends + huber[1] + sign * s.delta)
        art.outlier.set_data([self.outlier_x], [s.outlier_y])
        a, targets = _design(x), y.double().numpy()
        mse_pulls = pulls(a @ np.array(mse) - targets, np.inf)
        huber_pulls = pulls(a @ np.array(huber) - targets, s.delta)
        for bars, heights in ((art.mse_pulls, mse_pulls), (art.huber_pulls, huber_pulls)):
            for patch, height in zip(bars.patches, heights, strict=True):
                patch.set_height(height)
        return [
            Reading("huber_loss", "Huber loss of its line", huber_objective(x, y, huber, s.delta) / len(x)),
            Reading("mse_slope", "MSE slope", mse[0]),
            Reading("l1_slope", "L1 slope", l1[0]),
            Reading("huber_slope", "Huber slope", huber[0]),
            Reading("mse_outlier_pull", "outlier's pull, MSE (\u00bd r\u00b2)", float(mse_pulls[-1])),
            Reading("huber_outlier_pull", "outlier's pull, Huber", float(huber_pulls[-1])),
        ]
