"""Explorer of the KL divergence lesson: a target distribution P and a model Q over six classes. Both directions of
the divergence, KL(P || Q) and KL(Q || P), their per-class terms, the gradient F.kl_div sends to Q's logits (for
log Q as the input, or for Q itself: the classic bug) and both directions over Q's centre. Every number comes from
torch's F.kl_div."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from lesson_utils.plotting import COLORS
from lesson_utils.widgets import Explorer, Reading, choice, recompute_on_change, register, slider

CLASSES = 6
#: The target distributions P, each positive everywhere (so that KL(Q || P) stays finite).
TARGETS = {
    "two peaks": (0.02, 0.5, 0.03, 0.03, 0.4, 0.02),  # unequal: the ends of the centre slider differ
    "one peak": (0.03, 0.1, 0.6, 0.19, 0.05, 0.03),
    "nearly a label": (0.01, 0.01, 0.95, 0.01, 0.01, 0.01),
}
#: What is fed to F.kl_div as its input: log Q (right) or Q itself (the bug: a silent wrong number).
INPUTS = ("log Q", "Q (a bug)")


def q_logits(centre: torch.Tensor, width: float) -> torch.Tensor:
    """Q's logits z_k = -(k - centre)^2 / (2 width^2) over the classes k: a bump at ``centre`` (any leading shape)."""
    k = torch.arange(CLASSES, dtype=torch.float64)
    return -((k - centre.unsqueeze(-1)) ** 2) / (2 * width**2)


def target_distribution(name: str) -> torch.Tensor:
    """P, the target distribution named ``name``, normalised, in float64."""
    p = torch.tensor(TARGETS[name], dtype=torch.float64)
    return p / p.sum()


def divergences(centre: float, width: float, target: str, *, feed_log: bool) -> dict[str, Any]:
    """For one Q: both KLs (torch's F.kl_div, summed over the classes), their per-class terms, what F.kl_div returns
    for the chosen input, and that value's gradient on Q's logits (autograd through softmax)."""
    p = target_distribution(target)
    z = q_logits(torch.tensor(centre, dtype=torch.float64), width).requires_grad_()
    log_q = torch.log_softmax(z, dim=-1)
    fed = F.kl_div(log_q if feed_log else log_q.exp(), p, reduction="sum")
    (grad,) = torch.autograd.grad(fed, z)
    log_q = log_q.detach()
    forward_terms = F.kl_div(log_q, p, reduction="none")  # p (log p - log q): KL(P || Q) term by term
    reverse_terms = F.kl_div(p.log(), log_q, reduction="none", log_target=True)  # q (log q - log p)
    return {
        "p": p,
        "q": log_q.exp(),
        "forward_terms": forward_terms,
        "reverse_terms": reverse_terms,
        "forward": forward_terms.sum().item(),
        "reverse": reverse_terms.sum().item(),
        "fed": fed.item(),
        "grad": grad,
        "cross_entropy": F.cross_entropy(z.detach(), p).item(),  # soft targets: H(P, Q), lesson 02's loss
    }


def bar_verts(x: np.ndarray, heights: Any, width: float) -> list[np.ndarray]:
    """The corners of one bar per x, ``width`` wide, from 0 to its height: the vertices of a PolyCollection."""
    verts = []
    for left, h in zip(x - width / 2, heights, strict=True):
        verts.append(np.array([(left, 0.0), (left, h), (left + width, h), (left + width, 0.0)]))
    return verts


def bars(ax: Any, x: np.ndarray, *, width: float = 0.8, **style: Any) -> PolyCollection:
    """Bars drawn as one PolyCollection (one artist to redraw, not one per bar); move them with ``bar_verts``."""
    return ax.add_collection(PolyCollection(bar_verts(x, np.zeros(len(x)), width), **style), autolim=False)


@dataclass
class KLArt:
    """What moves: Q's bars, P's outlines, the two sets of per-class terms, the gradient bars and the right gradient's
    outlines, the three curves over the centre and their dots."""

    q: PolyCollection
    p: PolyCollection
    forward_terms: PolyCollection
    reverse_terms: PolyCollection
    grad: PolyCollection
    right_grad: PolyCollection
    curves: dict[str, Line2D]
    dots: dict[str, Line2D]


@register
class KLDirectionExplorer(Explorer):
    """A target P and a model Q over six classes: KL(P || Q) against KL(Q || P), per class, the gradient on Q's
    logits for log Q or Q fed to F.kl_div, and both directions over Q's centre."""

    title = "KL(P ‖ Q) is not KL(Q ‖ P): a target P, a model Q, and what F.kl_div gives"
    figsize = (9.0, 4.0)
    TERM_LIMITS = (-0.6, 2.0)
    TERM_TOP = 2.9
    KL_LIMITS = (-2.5, 7.5)
    centres = torch.linspace(-0.5, CLASSES - 0.5, 121, dtype=torch.float64)

    centre = slider("centre of Q", value=2.5, min=-0.5, max=CLASSES - 0.5, step=0.05)
    width = slider("width of Q", value=1.0, min=0.3, max=4.0, step=0.05)
    target = choice("target P", list(TARGETS), value="two peaks")
    fed = choice("input to F.kl_div", INPUTS, value=INPUTS[0])

    @recompute_on_change
    def curves(self, width: float, target: str) -> dict[str, np.ndarray]:
        """KL(P || Q), KL(Q || P) and the buggy F.kl_div(Q, P) over Q's centre: they depend on its width and on P."""
        p = target_distribution(target)
        log_q = torch.log_softmax(q_logits(self.centres, width), dim=-1)
        sums = {
            "forward": F.kl_div(log_q, p.expand_as(log_q), reduction="none").sum(-1),
            "reverse": F.kl_div(p.log().expand_as(log_q), log_q, reduction="none", log_target=True).sum(-1),
            "bug": F.kl_div(log_q.exp(), p.expand_as(log_q), reduction="none").sum(-1),
        }
        # Clamped far above the axes (a width of 0.3 puts a peak of P 150 nats away): the line leaves at the top.
        return {name: values.clamp(max=2 * self.KL_LIMITS[1]).numpy() for name, values in sums.items()}

    def draw(self, fig: Figure) -> KLArt:
        (dist_ax, term_ax), (grad_ax, curve_ax) = fig.subplots(2, 2)
        k = np.arange(CLASSES)
        classes = {"xlim": (-0.6, CLASSES - 0.4), "xticks": k, "xlabel": "class k"}  # bars do not move the limits
        dist_ax.set(ylim=(0, 1.05), ylabel="probability", title="P (target) and Q (model)", **classes)
        q = bars(dist_ax, k, facecolor=COLORS["sky"], label="Q")
        p = bars(dist_ax, k, facecolor="none", edgecolor=COLORS["black"], linestyle="--", linewidth=1.5, label="P")
        dist_ax.legend(loc="upper right", fontsize=8, framealpha=1)
        term_ax.set(
            ylim=(self.TERM_LIMITS[0], self.TERM_TOP), ylabel="term (clipped at 2)",
            title="per-class terms: each KL is their sum", **classes,
        )  # fmt: skip
        term_ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0.5)
        forward_terms = bars(term_ax, k - 0.2, width=0.4, facecolor=COLORS["blue"], label="p (log p − log q)")
        reverse_terms = bars(term_ax, k + 0.2, width=0.4, facecolor=COLORS["orange"], label="q (log q − log p)")
        term_ax.legend(loc="upper center", ncols=2, fontsize=7, framealpha=1)
        grad_ax.set(ylim=(-1.05, 1.05), ylabel="∂ loss / ∂ z_k", title="gradient on Q's logits", **classes)
        grad_ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0.5)
        grad = bars(grad_ax, k, facecolor=COLORS["vermillion"])
        right_grad = bars(grad_ax, k, facecolor="none", edgecolor=COLORS["black"], linestyle="--", linewidth=1.2)
        grad_ax.legend(
            handles=[
                Patch(color=COLORS["vermillion"], label="of what F.kl_div returns"),
                Patch(fill=False, edgecolor=COLORS["black"], linestyle="--", label="of KL(P ‖ Q): q − p"),
            ],
            loc="lower right",
            fontsize=7,
            framealpha=1,
        )
        curve_ax.set(
            xlim=(self.centres[0].item(), self.centres[-1].item()), ylim=self.KL_LIMITS,
            xlabel="centre of Q", ylabel="divergence in nats", title="over Q's centre, at this width",
        )  # fmt: skip
        curve_ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0.5)
        styles = {
            "forward": (COLORS["blue"], "-", "KL(P ‖ Q) = F.kl_div(log Q, P)"),
            "reverse": (COLORS["orange"], "-", "KL(Q ‖ P) = F.kl_div(log P, Q)"),
            "bug": (COLORS["vermillion"], ":", "F.kl_div(Q, P): the bug"),
        }
        curves, dots = {}, {}
        for name, (color, style, label) in styles.items():
            (curves[name],) = curve_ax.plot([], [], color=color, linestyle=style, linewidth=2, label=label)
            (dots[name],) = curve_ax.plot([], [], "o", color=color, markeredgecolor=COLORS["black"], markersize=6)
        curve_ax.legend(loc="upper right", fontsize=7, framealpha=1)
        return KLArt(q, p, forward_terms, reverse_terms, grad, right_grad, curves, dots)

    def update(self, art: KLArt, s: Any) -> list[Reading]:
        feed_log = s.fed == INPUTS[0]
        here = divergences(s.centre, s.width, s.target, feed_log=feed_log)
        right_grad = (here["q"] - here["p"]).numpy()
        low, high = self.TERM_LIMITS
        k = np.arange(CLASSES)
        art.q.set_verts(bar_verts(k, here["q"].numpy(), 0.8))
        art.p.set_verts(bar_verts(k, here["p"].numpy(), 0.8))
        art.forward_terms.set_verts(bar_verts(k - 0.2, here["forward_terms"].clamp(low, high).numpy(), 0.4))
        art.reverse_terms.set_verts(bar_verts(k + 0.2, here["reverse_terms"].clamp(low, high).numpy(), 0.4))
        art.grad.set_verts(bar_verts(k, here["grad"].numpy(), 0.8))
        art.right_grad.set_verts(bar_verts(k, right_grad, 0.8))
        curves = self.curves(s.width, s.target)
        values = {"forward": here["forward"], "reverse": here["reverse"], "bug": here["fed"]}
        for name, line in art.curves.items():
            if name == "bug" and feed_log:  # the bug's curve shows only while the bug is chosen
                line.set_data([], [])
                art.dots[name].set_data([], [])
                continue
            line.set_data(self.centres.numpy(), curves[name])
            art.dots[name].set_data([s.centre], [min(max(values[name], self.KL_LIMITS[0]), self.KL_LIMITS[1])])
        return [
            Reading("kl_pq", "KL(P ‖ Q)", here["forward"]),
            Reading("kl_qp", "KL(Q ‖ P)", here["reverse"]),
            Reading("fed", f"F.kl_div({'log Q' if feed_log else 'Q'}, P, reduction='sum')", here["fed"]),
            Reading("cross_entropy", "F.cross_entropy(z, P) = H(P) + KL(P ‖ Q)", here["cross_entropy"]),
            Reading("grad_max", "largest |∂ loss / ∂ z_k|", here["grad"].abs().max().item()),
        ]
