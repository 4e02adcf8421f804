"""Explorer of the start page: per-element losses, and what 'none', 'mean' and 'sum' make of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from lesson_utils.plotting import COLORS
from lesson_utils.widgets import Explorer, Reading, choice, register, slider

PREDICTIONS = torch.tensor([1.0, 2.5, 2.0, 4.5, 3.0])
TARGETS = torch.tensor([1.5, 2.0, 2.0, 4.0, 3.0])


@dataclass
class ReductionArt:
    elements: BarContainer
    reduced: BarContainer


@register
class ReductionExplorer(Explorer):
    """Move one prediction; see every element's squared error, the mean and the sum, and the gradient."""

    title = "Five squared errors, and what a reduction makes of them"
    figsize = (8.0, 3.2)

    last_prediction = slider("prediction 5", value=6.0, min=-2.0, max=9.0, step=0.1)
    reduction = choice("reduction", ["none", "mean", "sum"], value="mean")

    def draw(self, fig: Figure) -> ReductionArt:
        element_ax, reduced_ax = fig.subplots(1, 2, width_ratios=(3, 2))
        n = len(PREDICTIONS)
        elements = element_ax.bar(np.arange(1, n + 1), np.zeros(n), color=COLORS["blue"])
        element_ax.set(
            ylim=(0, 40),
            xticks=np.arange(1, n + 1),
            xlabel="element",
            ylabel="squared error",
            title="reduction='none' keeps these five numbers",
        )
        reduced = reduced_ax.bar(["mean", "sum"], [0.0, 0.0], color=COLORS["sky"])
        reduced_ax.set(ylim=(0, 40), ylabel="loss", title="'mean', 'sum': one number")
        return ReductionArt(elements=elements, reduced=reduced)

    def update(self, art: ReductionArt, s: Any) -> list[Reading]:
        reduction = s.reduction
        predictions = torch.cat([PREDICTIONS[:-1], torch.tensor([s.last_prediction])]).requires_grad_()
        per_element = F.mse_loss(predictions, TARGETS, reduction="none")
        for patch, value in zip(art.elements.patches, per_element.tolist(), strict=True):
            patch.set_height(value)
        for patch, name in zip(art.reduced.patches, ("mean", "sum"), strict=True):
            patch.set_height(F.mse_loss(predictions, TARGETS, reduction=name).item())
            patch.set_color(COLORS["vermillion"] if name == reduction else COLORS["sky"])
        highlight = COLORS["vermillion"] if reduction == "none" else COLORS["blue"]
        for patch in art.elements.patches:
            patch.set_color(highlight)
        loss = F.mse_loss(predictions, TARGETS, reduction=reduction)
        (grad,) = torch.autograd.grad(loss.sum(), predictions)
        if reduction == "none":
            shown = [Reading(f"loss_{i}", f"loss[{i}]", v) for i, v in enumerate(loss.tolist(), start=1)]
        else:
            shown = [Reading("loss", "loss", loss.item())]
        return [*shown, Reading("grad_last", "gradient on prediction 5", grad[-1].item())]
