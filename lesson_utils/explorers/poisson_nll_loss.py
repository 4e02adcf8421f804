"""Explorer of the Poisson NLL lesson: one observed count and one predicted rate. The loss over the rate, the gradient
the model gets when it outputs the log-rate (log_input=True) or the rate itself (log_input=False), and the Poisson
distribution of the predicted rate with the observed count marked. Every number comes from torch."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lesson_utils.plotting import COLORS
from lesson_utils.widgets import Explorer, Reading, choice, recompute_on_change, register, slider

#: What the model outputs, by the choice's option: the log-rate (torch's default) or the rate.
LOG_INPUT = {"log-rate": True, "rate": False}


def poisson_nll_exact(rate: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
    """-log P(y | rate) of a Poisson count: rate - y log(rate) + log(y!), with log(y!) = lgamma(y + 1) exactly."""
    return rate - torch.xlogy(count, rate) + torch.lgamma(count + 1)


def count_losses(log_rate: torch.Tensor, count: float, *, log_input: bool) -> dict[str, torch.Tensor]:
    """For log-rates x (any shape) and one count y, element by element, in float64: torch's loss (full=False), the
    exact -log P(y | rate) and the gradient of the loss with respect to what the model outputs (x, or rate = e^x)."""
    output = log_rate.detach().double() if log_input else log_rate.detach().double().exp()
    output.requires_grad_()
    target = torch.full_like(output, count)
    loss = F.poisson_nll_loss(output, target, log_input=log_input, reduction="none")
    (grad,) = torch.autograd.grad(loss.sum(), output)
    rate = log_rate.detach().double().exp()
    nll = poisson_nll_exact(rate, target)
    return {"rate": rate, "loss": loss.detach(), "nll": nll, "grad": grad}


@dataclass
class CountArt:
    """What moves: the NLL curve and its dot, the minimum's marker, both gradient curves and the dot, the pmf bars."""

    nll: Line2D
    nll_dot: Line2D
    minimum: Line2D
    grads: dict[str, Line2D]
    grad_dot: Line2D
    pmf: BarContainer


@register
class PoissonRateExplorer(Explorer):
    """One count y and a predicted log-rate x: -log P(y | e^x) over the rate, the gradient for either log_input,
    and the Poisson pmf of the predicted rate."""

    title = "One count, one predicted rate: the Poisson NLL, its gradient and the distribution it predicts"
    figsize = (9.6, 3.4)
    X_MIN, X_MAX, K_MAX, NLL_TOP = -2.5, 3.25, 20, 12.0

    x = torch.linspace(X_MIN, X_MAX, 231, dtype=torch.float64)
    count = slider("observed count y", value=3.0, min=0.0, max=float(K_MAX), step=1.0, readout_format=".0f")
    log_rate = slider("predicted log-rate x", value=0.0, min=X_MIN, max=X_MAX, step=0.05)
    outputs = choice("the model outputs", list(LOG_INPUT), value="log-rate")

    @recompute_on_change
    def curves(self, count: float) -> dict[str, dict[str, torch.Tensor]]:
        """Both forms over the log-rate grid: they depend on the count only."""
        return {name: count_losses(self.x, count, log_input=log_input) for name, log_input in LOG_INPUT.items()}

    def draw(self, fig: Figure) -> CountArt:
        nll_ax, grad_ax, pmf_ax = fig.subplots(1, 3)
        rates = (math.exp(self.X_MIN), math.exp(self.X_MAX))
        nll_ax.set(
            xscale="log", xlim=rates, ylim=(0, self.NLL_TOP), xlabel="predicted rate λ = eˣ (log scale)",
            ylabel="−log P(y | λ) = loss + log y!", title="the loss over the rate",
        )  # fmt: skip
        (nll,) = nll_ax.plot([], [], color=COLORS["blue"], linewidth=2)
        (minimum,) = nll_ax.plot([], [], color=COLORS["orange"], linestyle="--", linewidth=1.5, label="λ = y")
        (nll_dot,) = nll_ax.plot([], [], "o", color=COLORS["black"], markersize=7)
        nll_ax.legend(loc="upper center", fontsize=8)
        grad_ax.set(
            xscale="log", yscale="symlog", xlim=rates, ylim=(-400, 40), xlabel="predicted rate λ (log scale)",
            ylabel="gradient (symlog scale)", title="what the model's output gets",
        )  # fmt: skip
        grad_ax.axhline(0.0, color="0.6", linewidth=0.8)
        labels = {"log-rate": "∂L/∂x = λ − y (log_input=True)", "rate": "∂L/∂λ = 1 − y/λ (log_input=False)"}
        styles = {"log-rate": (COLORS["blue"], "-"), "rate": (COLORS["vermillion"], "--")}
        grads = {}
        for name, (color, style) in styles.items():
            (grads[name],) = grad_ax.plot([], [], color=color, linestyle=style, linewidth=2, label=labels[name])
        (grad_dot,) = grad_ax.plot([], [], "o", color=COLORS["black"], markersize=7)
        grad_ax.legend(loc="lower right", fontsize=7)
        pmf = pmf_ax.bar(np.arange(self.K_MAX + 1), np.zeros(self.K_MAX + 1), color=COLORS["sky"])
        pmf_ax.set(ylim=(0, 1), xlabel="count k", ylabel="P(k | λ)", title="the counts λ predicts")
        return CountArt(nll=nll, nll_dot=nll_dot, minimum=minimum, grads=grads, grad_dot=grad_dot, pmf=pmf)

    def update(self, art: CountArt, s: Any) -> list[Reading]:
        curves = self.curves(s.count)
        here = count_losses(torch.tensor(s.log_rate), s.count, log_input=LOG_INPUT[s.outputs])
        rate, nll = here["rate"].item(), here["nll"].item()
        rates = curves["log-rate"]["rate"].numpy()
        art.nll.set_data(rates, curves["log-rate"]["nll"].numpy())
        art.nll_dot.set_data([rate], [min(nll, self.NLL_TOP)])  # off the top: on the edge; the readout has it
        y = max(s.count, math.exp(self.X_MIN))  # y = 0: the minimum is at rate 0, the left edge
        art.minimum.set_data([y, y], [0, self.NLL_TOP])
        for name, line in art.grads.items():
            line.set_data(rates, curves[name]["grad"].numpy())
            line.set_alpha(1.0 if name == s.outputs else 0.35)
        art.grad_dot.set_data([rate], [here["grad"].item()])
        k = torch.arange(self.K_MAX + 1, dtype=torch.float64)
        pmf = (-poisson_nll_exact(here["rate"], k)).exp()
        for i, (bar, p) in enumerate(zip(art.pmf.patches, pmf.tolist(), strict=True)):
            bar.set_height(p)
            bar.set_color(COLORS["orange"] if i == s.count else COLORS["sky"])
        wrt = "x" if LOG_INPUT[s.outputs] else "λ"
        return [
            Reading("rate", "λ = eˣ", rate),
            Reading("loss", f"loss (log_input={LOG_INPUT[s.outputs]})", here["loss"].item()),
            Reading("grad", f"∂loss/∂{wrt}", here["grad"].item()),
            Reading("nll", "−log P(y | λ)", nll),
            Reading("p", "P(y | λ)", math.exp(-nll)),
        ]
