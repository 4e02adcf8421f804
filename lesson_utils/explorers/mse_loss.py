"""Explorers of the MSE lesson: an outlier pulling a least-squares line, and the loss over a line's parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.quiver import Quiver

from lesson_utils.plotting import COLORS, FitArtists, plot_fit, plot_surface, update_fit
from lesson_utils.surfaces import surface
from lesson_utils.widgets import Explorer, Reading, register, slider

#: The tiny fixed world of the MSE lesson: eight points close to y = 2x + 1.
X = torch.tensor([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5])
Y = torch.tensor([1.1, 1.9, 3.2, 3.8, 5.1, 6.2, 6.8, 8.1])


def least_squares_line(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """The (slope, intercept) that minimise mean((slope * x + intercept - y)^2), in closed form."""
    design = torch.stack([x, torch.ones_like(x)], dim=1).double()
    solution = torch.linalg.lstsq(design, y.double().unsqueeze(1)).solution.squeeze(1)
    return solution[0].item(), solution[1].item()


class LineDataExplorer(Explorer):
    """An explorer of points (x, y): the lesson's eight by default, or any others passed in."""

    def __init__(self, *, x: torch.Tensor = X, y: torch.Tensor = Y, **values: Any) -> None:
        super().__init__(**values)
        self.x, self.y = x, y


@dataclass
class OutlierArt:
    fit: FitArtists
    outlier: Line2D
    clean_line: Line2D
    shares: BarContainer


@register
class OutlierExplorer(LineDataExplorer):
    """Drag one extra point and watch the least-squares line, and each point's share of the loss, follow it."""

    title = "One outlier against eight points: who decides the MSE line?"

    outlier_x = slider("outlier x", value=3.0, min=0.0, max=3.5, step=0.05)
    outlier_y = slider("outlier y", value=1.0, min=-8.0, max=22.0, step=0.1)

    def draw(self, fig: Figure) -> OutlierArt:
        fit_ax, share_ax = fig.subplots(1, 2, width_ratios=(3, 2))
        fit_ax.set(xlim=(-0.25, 3.75), ylim=(-10, 24), xlabel="x", ylabel="y", title="data and the MSE line")
        slope, intercept = least_squares_line(self.x, self.y)
        (clean_line,) = fit_ax.plot(
            [-0.25, 3.75],
            [slope * -0.25 + intercept, slope * 3.75 + intercept],
            color=COLORS["sky"],
            linestyle="--",
            label="line without the outlier",
        )
        fit = plot_fit(fit_ax, self.x, self.y, slope=slope, intercept=intercept)
        (outlier,) = fit_ax.plot([], [], "o", color=COLORS["vermillion"], markersize=9, label="outlier")
        fit_ax.legend(loc="upper left", fontsize=8)
        n = len(self.x) + 1
        shares = share_ax.bar(np.arange(n), np.zeros(n), color=[COLORS["blue"]] * (n - 1) + [COLORS["vermillion"]])
        share_ax.set(
            ylim=(0, 1),
            xticks=np.arange(n),
            xticklabels=[*map(str, range(1, n)), "out"],
            xlabel="point",
            ylabel="share of the total squared error",
            title="who the loss listens to",
        )
        return OutlierArt(fit=fit, outlier=outlier, clean_line=clean_line, shares=shares)

    def update(self, art: OutlierArt, s: Any) -> list[Reading]:
        x = torch.cat([self.x, torch.tensor([s.outlier_x])])
        y = torch.cat([self.y, torch.tensor([s.outlier_y])])
        slope, intercept = least_squares_line(x, y)
        update_fit(art.fit, x, y, slope=slope, intercept=intercept)
        art.outlier.set_data([s.outlier_x], [s.outlier_y])
        squared = F.mse_loss(slope * x.double() + intercept, y.double(), reduction="none")
        shares = squared / squared.sum().clamp_min(1e-12)
        for patch, share in zip(art.shares.patches, shares.tolist(), strict=True):
            patch.set_height(share)
        return [
            Reading("mse", "MSE of the best line", squared.mean().item()),
            Reading("slope", "slope", slope),
            Reading("intercept", "intercept", intercept),
            Reading("outlier_share", "outlier's share of the loss", shares[-1].item()),
        ]


@dataclass
class SurfaceArt:
    fit: FitArtists
    position: Line2D
    arrow: Quiver


@register
class LineLossExplorer(LineDataExplorer):
    """Choose a line by its slope and intercept; see its residuals, its place on the MSE surface and -grad."""

    title = "The MSE of a line y = w x + b, over (w, b)"

    w = slider("slope w", value=0.5, min=-1.0, max=5.0, step=0.05)
    b = slider("intercept b", value=4.0, min=-3.0, max=5.0, step=0.05)

    def loss(self, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """MSE of the line w x + b on the data (w and b may be 0-D tensors)."""
        return F.mse_loss(w * self.x + b, self.y)

    def draw(self, fig: Figure) -> SurfaceArt:
        fit_ax, surface_ax = fig.subplots(1, 2)
        fit_ax.set(xlim=(-0.25, 3.75), ylim=(-6, 24), xlabel="x", ylabel="y", title="the line and its residuals")
        fit = plot_fit(fit_ax, self.x, self.y, slope=0.0, intercept=0.0)
        grid = surface(self.loss, torch.linspace(-1, 5, 121), torch.linspace(-3, 5, 121))
        image, _ = plot_surface(surface_ax, grid, levels=[0.5, 2, 5, 10, 20, 40, 80])
        fig.colorbar(image, ax=surface_ax, label="MSE")
        best_w, best_b = least_squares_line(self.x, self.y)
        surface_ax.plot([best_w], [best_b], "*", color=COLORS["orange"], markersize=12, label="minimum")
        (position,) = surface_ax.plot([], [], "o", color=COLORS["vermillion"], markersize=8, label="your line")
        arrow = surface_ax.quiver(
            [0.0], [0.0], [0.0], [0.0], color=COLORS["vermillion"], angles="xy", scale_units="xy", scale=1, width=0.012
        )
        surface_ax.set(xlabel="slope w", ylabel="intercept b", title="MSE over (w, b); arrow: \u2212gradient")
        surface_ax.legend(loc="lower left", fontsize=8)
        return SurfaceArt(fit=fit, position=position, arrow=arrow)

    def update(self, art: SurfaceArt, s: Any) -> list[Reading]:
        w, b = s.w, s.b
        w_t = torch.tensor(w, requires_grad=True)
        b_t = torch.tensor(b, requires_grad=True)
        loss = self.loss(w_t, b_t)
        loss.backward()
        gw, gb = w_t.grad.item(), b_t.grad.item()
        update_fit(art.fit, self.x, self.y, slope=w, intercept=b)
        art.position.set_data([w], [b])
        norm = max(float(np.hypot(gw, gb)), 1e-12)
        art.arrow.set_offsets([[w, b]])
        art.arrow.set_UVC([-gw / norm], [-gb / norm])
        return [
            Reading("mse", "MSE", loss.item()),
            Reading("grad_w", "\u2202L/\u2202w", gw),
            Reading("grad_b", "\u2202L/\u2202b", gb),
        ]
