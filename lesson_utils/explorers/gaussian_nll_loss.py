"""Explorer of the Gaussian NLL lesson: one prediction's mean and log variance against a target, on the loss surface."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.quiver import Quiver

from lesson_utils.plotting import COLORS, SURFACE_CMAP
from lesson_utils.widgets import Explorer, Reading, choice, recompute_on_change, register, slider

MEANS = torch.linspace(-4.0, 4.0, 161, dtype=torch.float64)
LOG_VARS = torch.linspace(-16.0, 4.0, 201, dtype=torch.float64)
#: Colours of the surface: losses above LOSS_CLIP share the brightest colour (far from the target the loss grows
#: like residual^2 / var, up to 10^8 on this grid).
LOSS_CLIP = 8.0
LOSS_NORM = Normalize(vmin=-7.0, vmax=LOSS_CLIP)


def nll_and_gradients(mean: float, log_var: float, target: float, *, eps: float) -> dict[str, float]:
    """torch's Gaussian NLL of one prediction with var = exp(log_var), and its gradient on mean, var and log_var."""
    mu = torch.tensor(mean, dtype=torch.float64, requires_grad=True)
    s = torch.tensor(log_var, dtype=torch.float64, requires_grad=True)
    var = s.exp()
    var.retain_grad()
    loss = F.gaussian_nll_loss(mu, torch.tensor(target, dtype=torch.float64), var, eps=eps)
    loss.backward()
    return {"loss": loss.item(), "mean": mu.grad.item(), "var": var.grad.item(), "log_var": s.grad.item()}


def best_log_var(residual: float, *, eps: float) -> float:
    """The log variance that minimises the loss at this residual: log max(residual^2, eps)."""
    return math.log(max(residual**2, eps))


def arrow_towards(d_mean: float, d_log_var: float) -> tuple[float, float]:
    """An arrow along (d_mean, d_log_var) that is an eighth of the axes long whatever the units of the two axes."""
    spans = np.array([(MEANS[-1] - MEANS[0]).item(), (LOG_VARS[-1] - LOG_VARS[0]).item()])
    on_screen = np.array([d_mean, d_log_var]) / spans
    length = float(np.hypot(*on_screen))
    if length == 0 or not math.isfinite(length):
        return 0.0, 0.0
    u, v = on_screen / length * spans / 8
    return float(u), float(v)


@dataclass
class GaussianNLLArt:
    surface: AxesImage
    valley: Line2D
    position: Line2D
    arrow: Quiver
    curve: Line2D
    curve_position: Line2D
    curve_best: Line2D
    clamped: Rectangle


@register
class GaussianNLLExplorer(Explorer):
    """Drag a prediction's mean and log variance: its place on the loss surface, -gradient, and the loss over var."""

    title = "Gaussian NLL of one prediction: mean \u03bc, variance \u03c3\u00b2 = exp(log \u03c3\u00b2), target y"
    figsize = (9.0, 3.6)
    dpi = 80

    mean = slider("predicted mean \u03bc", value=1.5, min=-4.0, max=4.0, step=0.05)
    log_var = slider("predicted log variance log \u03c3\u00b2", value=-2.0, min=-16.0, max=4.0, step=0.1)
    target = slider("target y", value=0.0, min=-3.0, max=3.0, step=0.05)
    eps = choice("eps", [1e-6, 0.01, 0.25], value=1e-6)

    def draw(self, fig: Figure) -> GaussianNLLArt:
        surface_ax, curve_ax = fig.subplots(1, 2, width_ratios=(5, 4))
        extent = (MEANS[0].item(), MEANS[-1].item(), LOG_VARS[0].item(), LOG_VARS[-1].item())
        surface = surface_ax.imshow(
            np.zeros((len(LOG_VARS), len(MEANS))),
            origin="lower",
            extent=extent,
            aspect="auto",
            cmap=SURFACE_CMAP,
            norm=LOSS_NORM,
            interpolation="nearest",
        )
        surface_ax.grid(False)
        fig.colorbar(surface, ax=surface_ax, label=f"loss (above {LOSS_CLIP:g}: one colour)")
        (valley,) = surface_ax.plot(
            [], [], "--", color="white", linewidth=1.2, label="best log \u03c3\u00b2 for each \u03bc"
        )
        (position,) = surface_ax.plot([], [], "o", color=COLORS["vermillion"], markersize=8, label="your prediction")
        arrow = surface_ax.quiver(
            [0.0], [0.0], [0.0], [0.0], color=COLORS["vermillion"], angles="xy", scale_units="xy", scale=1, width=0.012
        )
        surface_ax.set(
            xlim=extent[:2],
            ylim=extent[2:],
            xlabel="predicted mean \u03bc",
            ylabel="log \u03c3\u00b2",
            title="loss over (\u03bc, log \u03c3\u00b2); arrow: \u2212gradient",
        )
        surface_ax.legend(loc="lower left", fontsize=7)

        clamped = curve_ax.axvspan(
            LOG_VARS[0].item(), LOG_VARS[0].item(), color="0.85", label="\u03c3\u00b2 < eps: clamped"
        )
        (curve,) = curve_ax.plot([], [], color=COLORS["blue"], label="loss at this residual")
        (curve_best,) = curve_ax.plot(
            [], [], ":", color=COLORS["orange"], linewidth=2, label="minimum: max(r\u00b2, eps)"
        )
        (curve_position,) = curve_ax.plot([], [], "o", color=COLORS["vermillion"], markersize=8)
        curve_ax.set(
            xlim=extent[2:],
            ylim=(-8.0, 10.0),
            xlabel="log \u03c3\u00b2",
            ylabel="loss",
            title="loss over log \u03c3\u00b2 at this residual",
        )
        curve_ax.legend(loc="lower left", fontsize=7)
        return GaussianNLLArt(surface, valley, position, arrow, curve, curve_position, curve_best, clamped)

    @recompute_on_change
    def surface(self, target: float, eps: float) -> np.ndarray:
        """The loss at every (mean, log var) of the grid, rows by log var, computed by torch."""
        means, log_vars = torch.meshgrid(MEANS, LOG_VARS, indexing="xy")
        loss = F.gaussian_nll_loss(means, torch.full_like(means, target), log_vars.exp(), eps=eps, reduction="none")
        return loss.numpy()

    @recompute_on_change
    def colour_surface(self, target: float, eps: float) -> None:
        """Give the image this surface; dragging the mean or the variance leaves it as it is, so frames reuse it."""
        self.art.surface.set_data(self.surface(target, eps))

    @recompute_on_change
    def valley(self, target: float, eps: float) -> tuple[np.ndarray, np.ndarray]:
        """For each mean, the log variance that minimises the loss."""
        residuals = (MEANS - target).numpy()
        return MEANS.numpy(), np.log(np.maximum(residuals**2, eps))

    @recompute_on_change
    def curve(self, residual: float, eps: float) -> np.ndarray:
        """The loss over the grid of log variances at a fixed residual, computed by torch."""
        mean = torch.full_like(LOG_VARS, residual)
        return F.gaussian_nll_loss(mean, torch.zeros_like(mean), LOG_VARS.exp(), eps=eps, reduction="none").numpy()

    def update(self, art: GaussianNLLArt, s: Any) -> list[Reading]:
        residual = s.mean - s.target
        found = nll_and_gradients(s.mean, s.log_var, s.target, eps=s.eps)
        self.colour_surface(s.target, s.eps)
        art.valley.set_data(*self.valley(s.target, s.eps))
        art.position.set_data([s.mean], [s.log_var])
        u, v = arrow_towards(-found["mean"], -found["log_var"])
        art.arrow.set_offsets([[s.mean, s.log_var]])
        art.arrow.set_UVC([u], [v])
        art.curve.set_data(LOG_VARS.numpy(), self.curve(residual, s.eps))
        art.curve_position.set_data([s.log_var], [found["loss"]])
        best = best_log_var(residual, eps=s.eps)
        art.curve_best.set_data([best, best], [-8.0, 10.0])
        art.clamped.set_width(math.log(s.eps) - LOG_VARS[0].item())
        return [
            Reading("loss", "loss", found["loss"]),
            Reading("residual", "r = \u03bc \u2212 y", residual),
            Reading("grad_mean", "\u2202L/\u2202\u03bc", found["mean"]),
            Reading("grad_var", "\u2202L/\u2202\u03c3\u00b2", found["var"]),
            Reading("grad_log_var", "\u2202L/\u2202log \u03c3\u00b2", found["log_var"]),
            Reading("best_var", "best \u03c3\u00b2", math.exp(best)),
        ]
