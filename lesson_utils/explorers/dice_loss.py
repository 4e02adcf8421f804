"""Explorer of the Dice lesson: slide and scale a predicted blob over a target mask; Dice, IoU and BCE respond."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

from lesson_utils.losses import dice_loss
from lesson_utils.plotting import COLORS, SIGNED_CMAP
from lesson_utils.widgets import Explorer, Reading, recompute_on_change, register, slider

#: The tiny fixed world: a 40 x 40 image whose target is a disk of radius 8 a little left of centre.
SIZE = 40
TARGET_CENTRE = (17.0, 20.0)
TARGET_RADIUS = 8.0
#: Horizontal shifts at which the loss-along-x panel is computed.
SHIFTS = torch.linspace(-20.0, 20.0, 41)


def pixel_grid(size: int = SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """x (column) and y (row) coordinates of every pixel, each of shape (size, size)."""
    ys, xs = torch.meshgrid(
        torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij"
    )
    return xs, ys


def disk(cx: float, cy: float, radius: float, size: int = SIZE) -> torch.Tensor:
    """A 0/1 float mask of shape (size, size): the pixels within ``radius`` of (cx, cy)."""
    xs, ys = pixel_grid(size)
    return ((xs - cx) ** 2 + (ys - cy) ** 2 <= radius**2).float()


TARGET = disk(*TARGET_CENTRE, TARGET_RADIUS)


def blob_logits(
    shift_x: float | torch.Tensor, shift_y: float, scale: float, sharpness: float, size: int = SIZE
) -> torch.Tensor:
    """Logits of a predicted disk: sharpness * (radius - distance to its centre), radius = scale * the target's.

    ``shift_x`` may be a 1-D tensor of shifts; the result then has shape (len(shift_x), size, size).
    """
    xs, ys = pixel_grid(size)
    dx = torch.as_tensor(shift_x, dtype=torch.float32).reshape(-1, 1, 1)
    cx, cy = TARGET_CENTRE[0] + dx, TARGET_CENTRE[1] + shift_y
    distance = torch.sqrt((xs - cx) ** 2 + (ys - cy) ** 2)
    logits = sharpness * (scale * TARGET_RADIUS - distance)
    return logits if isinstance(shift_x, torch.Tensor) else logits[0]


def overlap_scores(probs: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Hard Dice and IoU of predictions thresholded at p > 0.5, over the last two dims (1 where both are empty)."""
    predicted = probs > 0.5
    truth = (target > 0.5).expand_as(predicted)
    inter = (predicted & truth).sum(dim=(-2, -1)).double()
    total = (predicted.sum(dim=(-2, -1)) + truth.sum(dim=(-2, -1))).double()
    union = (predicted | truth).sum(dim=(-2, -1)).double()
    dice = torch.where(total > 0, 2 * inter / total.clamp_min(1), 1.0)
    iou = torch.where(union > 0, inter / union.clamp_min(1), 1.0)
    return dice, iou


@dataclass
class BlobState:
    """What the explorer shows for one setting: p per pixel, the gradient on each logit, and the readout."""

    probs: torch.Tensor
    grad: torch.Tensor
    readings: list[Reading]

    @property
    def numbers(self) -> dict[str, float]:
        """The readout's numbers by the label a learner reads."""
        return {reading.label: reading.value for reading in self.readings}


def blob_state(shift_x: float, shift_y: float, scale: float, sharpness: float, bce_weight: float) -> BlobState:
    """The predicted blob's probabilities, the gradient of (1 - w) Dice + w BCE on its logits, and the numbers."""
    logits = blob_logits(shift_x, shift_y, scale, sharpness).requires_grad_()
    dice = dice_loss(logits[None, None], TARGET[None, None])
    bce = F.binary_cross_entropy_with_logits(logits, TARGET)
    loss = (1 - bce_weight) * dice + bce_weight * bce
    (grad,) = torch.autograd.grad(loss, logits)
    probs = torch.sigmoid(logits.detach())
    hard_dice, hard_iou = (score.item() for score in overlap_scores(probs, TARGET))
    readings = [
        Reading("soft_dice", "soft Dice loss", dice.item()),
        Reading("hard_dice", "hard Dice", hard_dice),
        Reading("hard_iou", "hard IoU", hard_iou),
        Reading("bce", "BCE", bce.item()),
        Reading("loss", "(1\u2212w)\u00b7Dice + w\u00b7BCE", loss.item()),
        Reading("max_grad", "max |\u2202L/\u2202logit|", grad.abs().max().item()),
    ]
    return BlobState(probs=probs, grad=grad, readings=readings)


@dataclass
class BlobArt:
    probs: AxesImage
    grad: AxesImage
    dice_curve: Line2D
    iou_curve: Line2D
    bce_curve: Line2D
    marker: Line2D
    dots: Line2D


def _outline(ax: Axes, color: str) -> None:
    """The target's edge, drawn over the image beneath it."""
    ax.contour(TARGET.numpy(), levels=[0.5], colors=color, linewidths=1.5, zorder=3)


@register
class DiceBlobExplorer(Explorer):
    """Move and scale a predicted blob over a target disk: Dice, IoU and BCE, and the gradient on every logit."""

    title = "A predicted blob against a target mask: Dice, IoU and BCE"
    figsize = (8.6, 3.0)

    shift_x = slider("shift x (pixels)", value=5.0, min=-20.0, max=20.0, step=0.5, readout_format=".1f")
    shift_y = slider("shift y (pixels)", value=2.0, min=-20.0, max=20.0, step=0.5, readout_format=".1f")
    scale = slider("size (x target's)", value=1.0, min=0.0, max=3.0, step=0.05)
    sharpness = slider("sharpness (logit / pixel)", value=1.0, min=0.1, max=10.0, step=0.1)
    bce_weight = slider("BCE weight in the gradient", value=0.0, min=0.0, max=1.0, step=0.05)

    def draw(self, fig: Figure) -> BlobArt:
        prob_ax, grad_ax, curve_ax = fig.subplots(1, 3, width_ratios=(1, 1, 1.35))
        blank = np.zeros((SIZE, SIZE))
        probs = prob_ax.imshow(blank, cmap="cividis", vmin=0, vmax=1, interpolation="nearest")
        fig.colorbar(probs, ax=prob_ax, label="p = sigmoid(logit)", shrink=0.85)
        _outline(prob_ax, COLORS["vermillion"])
        prob_ax.set(title="prediction p", xlabel="x (pixel)", ylabel="y (pixel)")
        grad = grad_ax.imshow(blank, cmap=SIGNED_CMAP, vmin=-1, vmax=1, interpolation="nearest")
        fig.colorbar(grad, ax=grad_ax, label="\u2202L/\u2202logit, scaled to \u00b11", shrink=0.85)
        _outline(grad_ax, COLORS["black"])
        grad_ax.set(title="gradient \u2202L/\u2202logit", xlabel="x (pixel)")
        for ax in (prob_ax, grad_ax):
            ax.grid(False)
        (dice_curve,) = curve_ax.plot([], [], color=COLORS["blue"], label="soft Dice loss")
        (iou_curve,) = curve_ax.plot([], [], color=COLORS["green"], linestyle="--", label="1 \u2212 IoU (p > 0.5)")
        (bce_curve,) = curve_ax.plot([], [], color=COLORS["orange"], linestyle="-.", label="BCE \u00f7 its max here")
        marker = curve_ax.axvline(0.0, color=COLORS["vermillion"], linewidth=1.2)
        (dots,) = curve_ax.plot([], [], "o", color=COLORS["vermillion"], markersize=5)
        curve_ax.set(
            xlim=(float(SHIFTS[0]), float(SHIFTS[-1])),
            ylim=(-0.03, 1.5),
            xlabel="shift x (pixels)",
            ylabel="loss",
            title="the same blob slid along x",
        )
        curve_ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        curve_ax.legend(loc="upper center", fontsize=7, frameon=False)
        return BlobArt(probs, grad, dice_curve, iou_curve, bce_curve, marker, dots)

    @recompute_on_change
    def along_x(self, shift_y: float, scale: float, sharpness: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Soft Dice loss, hard IoU and BCE at every shift in SHIFTS (dragging x only moves the marker)."""
        with torch.no_grad():
            batch = blob_logits(SHIFTS, shift_y, scale, sharpness)
            targets = TARGET.expand_as(batch)
            dice = dice_loss(batch[:, None], targets[:, None], reduction="none")[:, 0]
            bce = F.binary_cross_entropy_with_logits(batch, targets, reduction="none").mean(dim=(1, 2))
            _, iou = overlap_scores(batch > 0, TARGET)  # p > 0.5 exactly where the logit > 0
        return dice.numpy(), iou.numpy(), bce.numpy()

    def update(self, art: BlobArt, s: Any) -> list[Reading]:
        shift_x, shift_y, scale, sharpness = s.shift_x, s.shift_y, s.scale, s.sharpness
        state = blob_state(shift_x, shift_y, scale, sharpness, s.bce_weight)
        numbers = {reading.name: reading.value for reading in state.readings}
        biggest = numbers["max_grad"]
        art.probs.set_data(state.probs.numpy())
        art.grad.set_data((state.grad / biggest).numpy() if biggest > 0 else np.zeros((SIZE, SIZE)))
        dice_along, iou_along, bce_along = self.along_x(shift_y, scale, sharpness)
        bce_scale = max(float(bce_along.max()), 1e-12)
        xs = SHIFTS.numpy()
        art.dice_curve.set_data(xs, dice_along)
        art.iou_curve.set_data(xs, 1 - iou_along)
        art.bce_curve.set_data(xs, bce_along / bce_scale)
        art.marker.set_xdata([shift_x, shift_x])
        heights = [numbers["soft_dice"], 1 - numbers["hard_iou"], min(numbers["bce"] / bce_scale, 1.0)]
        art.dots.set_data([shift_x] * 3, heights)
        return state.readings
