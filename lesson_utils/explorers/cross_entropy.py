"""Explorers of the cross-entropy lesson: three logits through softmax into the loss, and the loss over two logits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize, PowerNorm
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.quiver import Quiver
from matplotlib.text import Text

from lesson_utils.plotting import COLORS, SIGNED_CMAP, SURFACE_CMAP
from lesson_utils.widgets import Explorer, Reading, choice, recompute_on_change, register, slider

#: The tiny fixed world of the explorers: one image, three classes.
CLASSES = ("cat", "dog", "bird")
CLASS_COLORS = (COLORS["blue"], COLORS["orange"], COLORS["green"])
#: Signed gradients are coloured on this fixed scale, centred at zero (a gradient on a logit lies in [-1, 1]).
GRADIENT_NORM = Normalize(vmin=-1.0, vmax=1.0)


def loss_and_gradient(
    logits: list[float], true_class: int, *, label_smoothing: float = 0.0, softmax_first: bool = False
) -> tuple[float, list[float], list[float]]:
    """torch's cross-entropy of one sample, its gradient on each logit, and the probabilities the loss sees."""
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    scores = z.softmax(0) if softmax_first else z
    loss = F.cross_entropy(scores, torch.tensor(true_class), label_smoothing=label_smoothing)
    (grad,) = torch.autograd.grad(loss, z)
    return loss.item(), grad.tolist(), scores.detach().softmax(0).tolist()


def target_distribution(true_class: int, n_classes: int, label_smoothing: float) -> list[float]:
    """The distribution cross-entropy compares with: (1 - s) one-hot + s / C."""
    one_hot = F.one_hot(torch.tensor(true_class), n_classes).double()
    return (one_hot * (1 - label_smoothing) + label_smoothing / n_classes).tolist()


def probability_legend(probability_label: str, target_label: str) -> list[Patch]:
    """Legend entries for bars of probabilities (filled) against the target (dashed outline)."""
    return [
        Patch(facecolor="0.6", label=probability_label),
        Patch(fill=False, edgecolor=COLORS["black"], linestyle="--", label=target_label),
    ]


def gradient_readings(grad: list[float]) -> list[Reading]:
    """The gradient on each class's logit, named ``grad_<class>``."""
    return [Reading(f"grad_{name}", f"\u2202L/\u2202z_{name}", g) for name, g in zip(CLASSES, grad, strict=True)]


@dataclass
class SoftmaxArt:
    logits: BarContainer
    probabilities: BarContainer
    targets: BarContainer
    gradients: BarContainer
    probability_labels: list[Text]
    gradient_labels: list[Text]
    probability_title: Text
    gradient_title: Text


@register
class SoftmaxExplorer(Explorer):
    """Drag three logits and pick the true class: probabilities, loss and each logit's gradient move together."""

    title = "Three logits \u2192 softmax \u2192 cross-entropy, and the gradient on each logit"
    figsize = (9.0, 3.4)

    cat = slider("logit of cat", value=2.0, min=-8.0, max=8.0, step=0.1)
    dog = slider("logit of dog", value=1.0, min=-8.0, max=8.0, step=0.1)
    bird = slider("logit of bird", value=-1.0, min=-8.0, max=8.0, step=0.1)
    true_class = choice("true class", CLASSES, value="dog")
    into_the_loss = choice("into the loss", ["logits", "softmax first (a bug)"], value="logits")

    def draw(self, fig: Figure) -> SoftmaxArt:
        logit_ax, probability_ax, gradient_ax = fig.subplots(1, 3)
        x = np.arange(len(CLASSES))
        logit_ax.set(ylim=(-8.5, 8.5), xticks=x, xticklabels=CLASSES, ylabel="logit z", title="logits (any number)")
        logit_ax.axhline(0.0, color="0.6", linewidth=0.8)
        logits = logit_ax.bar(x, np.zeros(3), color=CLASS_COLORS)
        probability_ax.set(ylim=(0, 1.25), xticks=x, xticklabels=CLASSES, ylabel="probability")
        probability_title = probability_ax.set_title("softmax(z)")
        probabilities = probability_ax.bar(x, np.zeros(3), color=CLASS_COLORS, alpha=0.85)
        targets = probability_ax.bar(
            x, np.zeros(3), fill=False, edgecolor=COLORS["black"], linestyle="--", linewidth=1.5
        )
        probability_ax.legend(
            handles=probability_legend("what the loss sees", "target"), loc="upper center", ncols=2, fontsize=7
        )
        probability_labels = [probability_ax.text(i, 0.0, "", ha="center", va="bottom", fontsize=8) for i in x]
        gradient_ax.set(ylim=(-1.1, 1.1), xticks=x, xticklabels=CLASSES, ylabel="\u2202L/\u2202z")
        gradient_title = gradient_ax.set_title("gradient = p \u2212 target")
        gradient_ax.axhline(0.0, color="0.6", linewidth=0.8)
        gradients = gradient_ax.bar(x, np.zeros(3), color=COLORS["black"], edgecolor="0.4", linewidth=0.8)
        gradient_labels = [gradient_ax.text(i, 0.0, "", ha="center", fontsize=8) for i in x]
        return SoftmaxArt(
            logits,
            probabilities,
            targets,
            gradients,
            probability_labels,
            gradient_labels,
            probability_title,
            gradient_title,
        )

    def update(self, art: SoftmaxArt, s: Any) -> list[Reading]:
        label = CLASSES.index(s.true_class)
        softmax_first = s.into_the_loss != "logits"
        loss, grad, seen = loss_and_gradient([s.cat, s.dog, s.bird], label, softmax_first=softmax_first)
        target = target_distribution(label, len(CLASSES), 0.0)
        cmap = colormaps[SIGNED_CMAP]
        for i, (logit, p, q, g) in enumerate(zip((s.cat, s.dog, s.bird), seen, target, grad, strict=True)):
            art.logits.patches[i].set_height(logit)
            edge = (COLORS["black"], 2.5) if i == label else ("none", 0.0)
            for patch in (art.logits.patches[i], art.probabilities.patches[i]):
                patch.set_edgecolor(edge[0])
                patch.set_linewidth(edge[1])
            art.probabilities.patches[i].set_height(p)
            art.targets.patches[i].set_height(q)
            art.probability_labels[i].set_position((i, p + 0.01))
            art.probability_labels[i].set_text(f"{p:.2f}")
            art.gradients.patches[i].set_height(g)
            art.gradients.patches[i].set_facecolor(cmap(GRADIENT_NORM(g)))
            art.gradient_labels[i].set_position((i, g + (0.04 if g >= 0 else -0.04)))
            art.gradient_labels[i].set_verticalalignment("bottom" if g >= 0 else "top")
            art.gradient_labels[i].set_text(f"{g:+.3f}".replace("-", "\u2212"))
        art.probability_title.set_text("softmax(softmax(z))" if softmax_first else "softmax(z)")
        # Through the extra softmax the gradient is no longer p - target: the chain rule shrinks it.
        art.gradient_title.set_text("gradient, shrunk" if softmax_first else "gradient = p \u2212 target")
        return [
            Reading("loss", "loss", loss),
            Reading("p_true", f"p({s.true_class}) as the loss sees it", seen[label]),
            *gradient_readings(grad),
        ]


@dataclass
class SurfaceArt:
    image: AxesImage
    position: Line2D
    minimum: Line2D
    arrow: Quiver
    probabilities: BarContainer
    targets: BarContainer


@register
class LogitSurfaceExplorer(Explorer):
    """The loss over the logits of cat and dog (bird's logit fixed at 0), with label smoothing and the true class."""

    title = "Cross-entropy over two logits (bird's logit fixed at 0)"
    figsize = (9.0, 3.6)
    limit = 6.0
    points = 121
    #: Colours for the loss: low values spread out (the valley is where the action is), clipped at 8.
    norm = PowerNorm(gamma=0.5, vmin=0.0, vmax=8.0, clip=True)

    z_cat = slider("logit of cat", value=-1.0, min=-limit, max=limit, step=0.1)
    z_dog = slider("logit of dog", value=2.0, min=-limit, max=limit, step=0.1)
    true_class = choice("true class", CLASSES, value="cat")
    label_smoothing = slider("label_smoothing", value=0.1, min=0.0, max=0.5, step=0.01)

    def grid(self) -> torch.Tensor:
        return torch.linspace(-self.limit, self.limit, self.points, dtype=torch.float64)

    def surface(self, true_class: int, label_smoothing: float) -> torch.Tensor:
        """torch's loss at every (z_cat, z_dog) of the grid: rows are z_dog, columns z_cat."""
        axis = self.grid().float()
        z_dog, z_cat = torch.meshgrid(axis, axis, indexing="ij")
        logits = torch.stack([z_cat, z_dog, torch.zeros_like(z_cat)], dim=-1).reshape(-1, 3)
        target = torch.full((logits.shape[0],), true_class)
        values = F.cross_entropy(logits, target, reduction="none", label_smoothing=label_smoothing)
        return values.reshape(self.points, self.points)

    @recompute_on_change
    def surface_colours(self, true_class: int, label_smoothing: float) -> tuple[torch.Tensor, np.ndarray]:
        """The loss surface and its colours as RGBA bytes: dragging a logit reuses both."""
        values = self.surface(true_class, label_smoothing)
        return values, colormaps[SURFACE_CMAP](self.norm(values.numpy()), bytes=True)

    @recompute_on_change
    def colour_surface(self, true_class: int, label_smoothing: float) -> None:
        """Give the image this surface's colours; dragging a logit leaves the image as it is, so frames reuse it."""
        self.art.image.set_data(self.surface_colours(true_class, label_smoothing)[1])

    def draw(self, fig: Figure) -> SurfaceArt:
        surface_ax, probability_ax = fig.subplots(1, 2, width_ratios=(3, 2))
        # The image holds ready-made colours (RGBA bytes), so each frame only copies pixels: no colour mapping.
        image = surface_ax.imshow(
            np.zeros((self.points, self.points, 4), dtype=np.uint8),
            origin="lower",
            extent=(-self.limit, self.limit, -self.limit, self.limit),
            aspect="auto",
            interpolation="nearest",
        )
        fig.colorbar(ScalarMappable(self.norm, SURFACE_CMAP), ax=surface_ax, label="cross-entropy (clipped at 8)")
        surface_ax.grid(False)
        surface_ax.set(
            xlim=(-self.limit, self.limit),
            ylim=(-self.limit, self.limit),
            xlabel="logit of cat",
            ylabel="logit of dog",
            title="loss over (z_cat, z_dog); arrow: \u2212gradient",
        )
        (minimum,) = surface_ax.plot([], [], "*", color=COLORS["orange"], markersize=14, label="minimum")
        (position,) = surface_ax.plot([], [], "o", color=COLORS["vermillion"], markersize=8, label="your logits")
        arrow = surface_ax.quiver(
            [0.0], [0.0], [0.0], [0.0], color=COLORS["vermillion"], angles="xy", scale_units="xy", scale=1, width=0.012
        )
        surface_ax.legend(loc="lower left", fontsize=7)
        x = np.arange(len(CLASSES))
        probabilities = probability_ax.bar(x, np.zeros(3), color=CLASS_COLORS, alpha=0.85)
        targets = probability_ax.bar(
            x, np.zeros(3), fill=False, edgecolor=COLORS["black"], linestyle="--", linewidth=1.5
        )
        probability_ax.set(
            ylim=(0, 1.25), xticks=x, xticklabels=CLASSES, ylabel="probability", title="the loss is lowest at p = q"
        )
        probability_ax.legend(
            handles=probability_legend("p = softmax(z)", "target q"), loc="upper center", ncols=2, fontsize=7
        )
        return SurfaceArt(image, position, minimum, arrow, probabilities, targets)

    def update(self, art: SurfaceArt, s: Any) -> list[Reading]:
        z_cat, z_dog, label_smoothing = s.z_cat, s.z_dog, s.label_smoothing
        label = CLASSES.index(s.true_class)
        self.colour_surface(label, label_smoothing)
        loss, grad, probabilities = loss_and_gradient([z_cat, z_dog, 0.0], label, label_smoothing=label_smoothing)
        target = target_distribution(label, len(CLASSES), label_smoothing)
        if label_smoothing > 0:
            # softmax(z) = q exactly when z_k - z_bird = log(q_k / q_bird): the one point where the gradient is 0.
            best = [float(np.log(target[k] / target[2])) for k in (0, 1)]
            art.minimum.set_data([best[0]], [best[1]])
        else:
            art.minimum.set_data([], [])  # no minimum: the loss keeps falling as the true logit grows
        art.position.set_data([z_cat], [z_dog])
        length = max(float(np.hypot(grad[0], grad[1])), 1e-12) / 1.5  # a unit direction, 1.5 logits long
        art.arrow.set_offsets([[z_cat, z_dog]])
        art.arrow.set_UVC([-grad[0] / length], [-grad[1] / length])
        for patch, p in zip(art.probabilities.patches, probabilities, strict=True):
            patch.set_height(p)
        for i, (patch, q) in enumerate(zip(art.targets.patches, target, strict=True)):
            patch.set_height(q)
            patch.set_linewidth(2.5 if i == label else 1.5)
        return [Reading("loss", "loss", loss), *gradient_readings(grad)]
