"""Explorers of the L1 lesson, and its tiny world: delivery times with a few very late ones."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from lesson_utils.losses import pinball_loss
from lesson_utils.plotting import COLORS
from lesson_utils.widgets import Explorer, Reading, recompute_on_change, register, slider

#: Nine delivery times in minutes; one driver got lost.
DELIVERY_MINUTES = torch.tensor([21.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 30.0, 95.0])

#: Twelve deliveries: distance in km and minutes taken, close to 8 + 4 km, two of them stuck in traffic.
KM = torch.tensor([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0])
MINUTES = torch.tensor([10.3, 12.4, 13.1, 51.2, 17.6, 19.8, 21.5, 24.1, 25.7, 70.3, 29.4, 31.6])


def _late_tail() -> torch.Tensor:
    """1,001 delivery times: 20 minutes plus an exponential delay of mean 8 (seeded): a long tail of late ones."""
    generator = torch.Generator().manual_seed(0)
    return 20 + 8 * torch.empty(1001).exponential_(generator=generator)


#: A skewed sample: its mean lies above its median, and its quantiles are far apart on the late side.
LATE_TAIL = _late_tail()

#: The quotes c at which the explorers draw their curves.
_GRID = torch.linspace(0, 150, 601)
_PINBALL_GRID = torch.linspace(15, 80, 521)


def least_absolute_line(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """The (slope, intercept) that minimise mean(|slope * x + intercept - y|), exactly.

    Some minimising line passes through two of the points (the loss is linear between its kinks), so the best
    line through a pair of points with different x is a minimiser: O(n^3), for the lesson's dozen points.
    """
    x, y = x.double().flatten(), y.double().flatten()
    if x.shape != y.shape or x.numel() < 2 or x.unique().numel() < 2:
        raise ValueError(
            f"least_absolute_line: needs x and y of the same length with at least two different x values, got "
            f"x of shape {tuple(x.shape)} and y of shape {tuple(y.shape)}."
        )
    pairs = torch.tensor([(i, j) for i, j in itertools.combinations(range(x.numel()), 2) if x[i] != x[j]])
    i, j = pairs[:, 0], pairs[:, 1]
    slopes = (y[j] - y[i]) / (x[j] - x[i])
    intercepts = y[i] - slopes * x[i]
    losses = (slopes[:, None] * x + intercepts[:, None] - y).abs().mean(dim=1)
    best = losses.argmin()
    return slopes[best].item(), intercepts[best].item()


@register
class MedianExplorer(Explorer):
    """Drag the lost driver's time and a quoted constant: L1 is lowest at the median, MSE at the mean."""

    title = "One quote for nine deliveries: L1 picks the median, MSE the mean"
    dpi = 72
    lost = slider("lost driver's minutes", value=95.0, min=0.0, max=150.0, step=1.0, readout_format=".0f")
    quote = slider("quote c", value=40.0, min=0.0, max=150.0, step=0.5, readout_format=".1f")

    def draw(self, fig: Figure) -> dict[str, Any]:
        loss_ax, grad_ax = fig.subplots(1, 2)
        loss_ax.set(
            xlim=(-3, 153),
            ylim=(1, 3e4),
            yscale="log",
            xlabel="quote c (minutes)",
            ylabel="loss (log scale)",
            title="loss of quoting c to everyone",
        )
        grad_ax.set(
            xlim=(-3, 153),
            ylim=(-400, 400),
            xlabel="quote c (minutes)",
            ylabel="\u2202L/\u2202c (symlog scale)",
            title="the pull on c",
        )
        grad_ax.set_yscale("symlog", linthresh=1)
        art: dict[str, Any] = {}
        for ax, kind in ((loss_ax, "loss"), (grad_ax, "grad")):
            (art[f"l1_{kind}"],) = ax.plot([], [], color=COLORS["orange"], label="L1")
            (art[f"mse_{kind}"],) = ax.plot([], [], color=COLORS["blue"], label="MSE")
            art[f"median_{kind}"] = ax.axvline(0, color=COLORS["orange"], linestyle="--", linewidth=1, label="median")
            art[f"mean_{kind}"] = ax.axvline(0, color=COLORS["blue"], linestyle=":", linewidth=1, label="mean")
            art[f"quote_{kind}"] = ax.axvline(0, color=COLORS["black"], linewidth=1.5, label="c")
            (art[f"dots_{kind}"],) = ax.plot([], [], "o", color=COLORS["black"], markersize=5)
        (art["times"],) = loss_ax.plot([], [], "|", color=COLORS["black"], markersize=14)
        (art["lost"],) = loss_ax.plot([], [], "|", color=COLORS["vermillion"], markersize=20, markeredgewidth=2)
        loss_ax.legend(loc="upper right", fontsize=7, ncols=2)
        grad_ax.axhline(0, color=COLORS["black"], linewidth=0.5)
        return art

    @recompute_on_change
    def curves(self, lost: float) -> tuple[torch.Tensor, ...]:
        times = torch.cat([DELIVERY_MINUTES[:-1], torch.tensor([lost])])
        differences = _GRID[:, None] - times
        return (
            times,
            differences.abs().mean(dim=1),
            (differences**2).mean(dim=1),
            differences.sign().mean(dim=1),
            2 * differences.mean(dim=1),
        )

    def update(self, art: dict[str, Any], s: Any) -> list[Reading]:
        times, l1, mse, l1_grad, mse_grad = self.curves(s.lost)
        grid = _GRID.numpy()  # numpy for matplotlib: it walks a tensor element by element (5 ms a frame here)
        art["l1_loss"].set_data(grid, l1.clamp(min=1).numpy())
        art["mse_loss"].set_data(grid, mse.clamp(min=1).numpy())
        art["l1_grad"].set_data(grid, l1_grad.numpy())
        art["mse_grad"].set_data(grid, mse_grad.numpy())
        median, mean = times.median().item(), times.mean().item()
        for kind in ("loss", "grad"):
            art[f"median_{kind}"].set_xdata([median, median])
            art[f"mean_{kind}"].set_xdata([mean, mean])
            art[f"quote_{kind}"].set_xdata([s.quote, s.quote])
        art["times"].set_data(times[:-1].numpy(), np.full(len(times) - 1, 1.6))
        art["lost"].set_data([s.lost], [1.6])
        c = torch.tensor(s.quote, requires_grad=True)
        l1_at_c = F.l1_loss(c.expand_as(times), times)
        mse_at_c = F.mse_loss(c.expand_as(times), times)
        (l1_pull,) = torch.autograd.grad(l1_at_c, c)
        (mse_pull,) = torch.autograd.grad(mse_at_c, c)
        art["dots_loss"].set_data([s.quote, s.quote], [max(l1_at_c.item(), 1.0), max(mse_at_c.item(), 1.0)])
        art["dots_grad"].set_data([s.quote, s.quote], [l1_pull.item(), mse_pull.item()])
        return [
            Reading("l1", "L1", l1_at_c.item()),
            Reading("l1_grad", "\u2202L1/\u2202c", l1_pull.item()),
            Reading("mse", "MSE", mse_at_c.item()),
            Reading("mse_grad", "\u2202MSE/\u2202c", mse_pull.item()),
            Reading("median", "median", median),
            Reading("mean", "mean", mean),
        ]


@register
class QuantileExplorer(Explorer):
    """Slide the quantile q and a constant c: the pinball loss of c is lowest at the data's q-quantile."""

    title = "The pinball loss: which constant does quantile q pick?"
    dpi = 72
    q = slider("quantile q", value=0.9, min=0.01, max=0.99, step=0.01)
    c = slider("constant c", value=30.0, min=15.0, max=80.0, step=0.25)

    def draw(self, fig: Figure) -> dict[str, Any]:
        data_ax, loss_ax = fig.subplots(1, 2)
        data_ax.hist(LATE_TAIL, bins=60, range=(15, 80), color=COLORS["sky"])
        data_ax.set(xlim=(14, 81), xlabel="delivery time (minutes)", ylabel="deliveries", title="1,001 deliveries")
        loss_ax.set(
            xlim=(14, 81),
            ylim=(0.05, 100),
            yscale="log",
            xlabel="constant c",
            ylabel="mean pinball loss (log scale)",
            title="loss of c",
        )
        art: dict[str, Any] = {}
        for ax, kind in ((data_ax, "data"), (loss_ax, "loss")):
            art[f"quantile_{kind}"] = ax.axvline(0, color=COLORS["vermillion"], linestyle="--", label="q-quantile")
            art[f"c_{kind}"] = ax.axvline(0, color=COLORS["black"], label="c")
        (art["curve"],) = loss_ax.plot([], [], color=COLORS["blue"])
        (art["dot"],) = loss_ax.plot([], [], "o", color=COLORS["black"])
        data_ax.legend(loc="upper right", fontsize=8)
        return art

    @recompute_on_change
    def curve(self, q: float) -> tuple[torch.Tensor, float]:
        errors = LATE_TAIL - _PINBALL_GRID[:, None]
        return torch.maximum(q * errors, (q - 1) * errors).mean(dim=1), torch.quantile(LATE_TAIL, q).item()

    def update(self, art: dict[str, Any], s: Any) -> list[Reading]:
        curve, quantile = self.curve(s.q)
        art["curve"].set_data(_PINBALL_GRID.numpy(), curve.numpy())
        c = torch.tensor(s.c, requires_grad=True)
        loss = pinball_loss(c.expand_as(LATE_TAIL), LATE_TAIL, q=s.q)
        (grad,) = torch.autograd.grad(loss, c)
        art["dot"].set_data([s.c], [loss.item()])
        for kind in ("data", "loss"):
            art[f"quantile_{kind}"].set_xdata([quantile, quantile])
            art[f"c_{kind}"].set_xdata([s.c, s.c])
        return [
            Reading("loss", "pinball loss", loss.item()),
            Reading("grad", "\u2202L/\u2202c", grad.item()),
            Reading("below", "share below c", (LATE_TAIL < s.c).float().mean().item()),
            Reading("quantile", "q-quantile", quantile),
        ]
