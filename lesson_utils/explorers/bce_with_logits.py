"""Explorers of the binary cross-entropy lesson: BCE-with-logits against MSE on a sigmoid, and sigmoid-then-BCELoss
in finite precision. Every number shown and every curve drawn is computed by torch's own losses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lesson_utils.losses.binary import LOG_FLOOR
from lesson_utils.plotting import COLORS
from lesson_utils.widgets import Explorer, Reading, choice, recompute_on_change, register, slider

#: The floor of the log-scale gradient panel: a gradient smaller than this is drawn on the floor.
GRADIENT_FLOOR = 1e-12


def logit_losses(z: torch.Tensor, y: float) -> dict[str, torch.Tensor]:
    """For logits z (any shape) and one target y: both losses and their gradients dL/dz, element by element."""
    z = z.detach().clone().requires_grad_()
    target = torch.full_like(z, y)
    bce = F.binary_cross_entropy_with_logits(z, target, reduction="none")
    mse = F.mse_loss(torch.sigmoid(z), target, reduction="none")
    (bce_grad,) = torch.autograd.grad(bce.sum(), z)
    (mse_grad,) = torch.autograd.grad(mse.sum(), z)
    return {"bce": bce.detach(), "bce_grad": bce_grad, "mse": mse.detach(), "mse_grad": mse_grad}


@dataclass
class CurveArt:
    """The curves of an explorer over the logit, and the dot that marks the current logit on each, by name."""

    lines: dict[str, Line2D]
    dots: dict[str, Line2D]


@register
class LogitLossExplorer(Explorer):
    """One logit z and a target y: BCE-with-logits beside MSE on sigmoid(z), their gradients, and how small."""

    title = "One logit, one target: BCE with logits against MSE on the sigmoid"
    figsize = (9.6, 3.2)
    Z_MAX = 12.0

    z = torch.linspace(-Z_MAX, Z_MAX, 241, dtype=torch.float64)
    logit = slider("logit z", value=-4.0, min=-Z_MAX, max=Z_MAX, step=0.1)
    target = slider("target y", value=1.0, min=0.0, max=1.0, step=0.05)

    @recompute_on_change
    def curves(self, target: float) -> dict[str, torch.Tensor]:
        """Both losses and their gradients over the logit grid: they depend on the target only."""
        return logit_losses(self.z, target)

    def draw(self, fig: Figure) -> CurveArt:
        loss_ax, grad_ax, log_ax = fig.subplots(1, 3)
        limits = (-self.Z_MAX, self.Z_MAX)
        loss_ax.set(xlim=limits, ylim=(-0.4, self.Z_MAX + 1), xlabel="logit z", ylabel="loss", title="loss")
        grad_ax.set(xlim=limits, ylim=(-1.1, 1.1), xlabel="logit z", ylabel="dL/dz", title="gradient")
        grad_ax.axhline(0.0, color="0.6", linewidth=0.8)
        log_ax.set(
            xlim=limits, ylim=(GRADIENT_FLOOR / 2, 3), yscale="log", xlabel="logit z", ylabel="|dL/dz| (log scale)",
            title="gradient size",
        )  # fmt: skip
        styles = {"bce": (COLORS["blue"], "-"), "mse": (COLORS["vermillion"], "--")}
        labels = {"bce": "BCE with logits", "mse": "MSE on sigmoid(z)"}
        lines, dots = {}, {}
        for name, (color, style) in styles.items():
            for ax, key in ((loss_ax, name), (grad_ax, f"{name}_grad"), (log_ax, f"{name}_size")):
                (lines[key],) = ax.plot([], [], color=color, linestyle=style, linewidth=2, label=labels[name])
                (dots[key],) = ax.plot([], [], "o", color=color, markersize=7)
        loss_ax.legend(loc="upper center", fontsize=8)
        return CurveArt(lines=lines, dots=dots)

    def update(self, art: CurveArt, s: Any) -> list[Reading]:
        logit, target = s.logit, s.target
        curves = self.curves(target)
        here = logit_losses(torch.tensor([logit], dtype=torch.float64), target)
        z = self.z.numpy()
        for name in ("bce", "mse"):
            grad = curves[f"{name}_grad"].numpy()
            art.lines[name].set_data(z, curves[name].numpy())
            art.lines[f"{name}_grad"].set_data(z, grad)
            art.lines[f"{name}_size"].set_data(z, np.maximum(np.abs(grad), GRADIENT_FLOOR))
            value, slope = here[name].item(), here[f"{name}_grad"].item()
            art.dots[name].set_data([logit], [value])
            art.dots[f"{name}_grad"].set_data([logit], [slope])
            art.dots[f"{name}_size"].set_data([logit], [max(abs(slope), GRADIENT_FLOOR)])
        return [
            Reading("p", "σ(z)", torch.sigmoid(torch.tensor(logit, dtype=torch.float64)).item()),
            Reading("bce", "BCE", here["bce"].item()),
            Reading("bce_grad", "∂BCE/∂z", here["bce_grad"].item()),
            Reading("mse", "MSE", here["mse"].item()),
            Reading("mse_grad", "∂MSE/∂z", here["mse_grad"].item()),
        ]


DTYPES = {"bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64}


def saturation_losses(z: torch.Tensor, y: float, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """In ``dtype``: sigmoid then BCELoss, and BCEWithLogitsLoss, with their gradients dL/dz, element by element."""
    z = z.detach().to(dtype).requires_grad_()
    target = torch.full_like(z, y)
    probability = torch.sigmoid(z)
    two_step = F.binary_cross_entropy(probability, target, reduction="none")
    fused = F.binary_cross_entropy_with_logits(z, target, reduction="none")
    (two_step_grad,) = torch.autograd.grad(two_step.sum(), z)
    (fused_grad,) = torch.autograd.grad(fused.sum(), z)
    return {
        "z": z.detach(),
        "p": probability.detach(),
        "two_step": two_step.detach(),
        "two_step_grad": two_step_grad,
        "fused": fused.detach(),
        "fused_grad": fused_grad,
    }


@register
class SaturationExplorer(Explorer):
    """Sigmoid then BCELoss, against BCEWithLogitsLoss, over a wide range of logits in a chosen float dtype."""

    title = "Sigmoid, then BCELoss: what finite precision does to the loss and its gradient"
    figsize = (8.8, 3.2)
    Z_MAX = 120.0

    z = torch.linspace(-Z_MAX, Z_MAX, 481, dtype=torch.float64)
    logit = slider("logit z", value=20.0, min=-Z_MAX, max=Z_MAX, step=0.5, readout_format=".1f")
    target = choice("target y", [0.0, 1.0], value=0.0)
    dtype = choice("dtype", list(DTYPES), value="float32")

    @recompute_on_change
    def curves(self, target: float, dtype: str) -> dict[str, torch.Tensor]:
        """Both losses and their gradients over the logit grid, in ``dtype``: dragging the logit reuses them."""
        return saturation_losses(self.z, target, DTYPES[dtype])

    def draw(self, fig: Figure) -> CurveArt:
        loss_ax, grad_ax = fig.subplots(1, 2)
        limits = (-self.Z_MAX, self.Z_MAX)
        loss_ax.set(xlim=limits, ylim=(-3, 128), xlabel="logit z", ylabel="loss", title="loss")
        loss_ax.axhline(-LOG_FLOOR, color="0.4", linestyle=":", linewidth=1.2, label="BCELoss's cap, 100")
        grad_ax.set(xlim=limits, ylim=(-1.15, 1.15), xlabel="logit z", ylabel="dL/dz", title="gradient")
        grad_ax.axhline(0.0, color="0.6", linewidth=0.8)
        styles = {
            "fused": (COLORS["blue"], "-", "BCEWithLogitsLoss(z)"),
            "two_step": (COLORS["vermillion"], "--", "BCELoss(sigmoid(z))"),
        }
        lines, dots = {}, {}
        for name, (color, style, label) in styles.items():
            for ax, key in ((loss_ax, name), (grad_ax, f"{name}_grad")):
                (lines[key],) = ax.plot([], [], color=color, linestyle=style, linewidth=2, label=label)
                (dots[key],) = ax.plot([], [], "o", color=color, markersize=7)
        fig.legend(*loss_ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=8)
        return CurveArt(lines=lines, dots=dots)

    def update(self, art: CurveArt, s: Any) -> list[Reading]:
        logit, target, dtype = s.logit, s.target, s.dtype
        curves = self.curves(target, dtype)
        here = saturation_losses(torch.tensor([logit]), target, DTYPES[dtype])
        z = curves["z"].double().numpy()
        for name in ("fused", "two_step"):
            art.lines[name].set_data(z, curves[name].double().numpy())
            art.lines[f"{name}_grad"].set_data(z, curves[f"{name}_grad"].double().numpy())
            art.dots[name].set_data([logit], [here[name].item()])
            art.dots[f"{name}_grad"].set_data([logit], [here[f"{name}_grad"].item()])
        return [
            Reading("one_minus_p", f"1 − σ(z) in {dtype}", (1 - here["p"]).item()),
            Reading("two_step", "BCELoss(σ(z))", here["two_step"].item()),
            Reading("two_step_grad", "its ∂/∂z", here["two_step_grad"].item()),
            Reading("fused", "BCEWithLogitsLoss(z)", here["fused"].item()),
            Reading("fused_grad", "∂/∂z of that", here["fused_grad"].item()),
        ]
