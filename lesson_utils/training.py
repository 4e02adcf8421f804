"""A tiny training loop for the lessons' end-to-end runs, and the figure of its loss and metric curves."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from torch import Tensor, nn

from lesson_utils.plotting import COLORS

Metric = Callable[[Tensor, Tensor], Tensor | float]
OptimizerFactory = Callable[..., torch.optim.Optimizer]


@dataclass(frozen=True)
class History:
    """What a run recorded at every step: the loss and each metric, on the outputs that gave that loss."""

    loss: list[float]
    metrics: dict[str, list[float]] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """How many optimizer steps the run took."""
        return len(self.loss)

    def final(self, name: str = "loss") -> float:
        """The last recorded value of the loss (``"loss"``) or of a metric."""
        return self.loss[-1] if name == "loss" else self.metrics[name][-1]


def accuracy(outputs: Tensor, targets: Tensor) -> Tensor:
    """Fraction of rows whose largest logit is the target class: mean(argmax(outputs, 1) == targets)."""
    return (outputs.argmax(dim=1) == targets).float().mean()


def _batches(n: int, batch_size: int | None, generator: torch.Generator) -> Iterable[Tensor]:
    """Index batches forever: the whole set each step, or shuffled minibatches epoch after epoch."""
    while True:
        if batch_size is None or batch_size >= n:
            yield torch.arange(n)
            continue
        order = torch.randperm(n, generator=generator)
        yield from order.split(batch_size)


def train(
    model: nn.Module,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    inputs: Tensor,
    targets: Tensor,
    *,
    steps: int,
    lr: float,
    optimizer: OptimizerFactory = torch.optim.SGD,
    metrics: Mapping[str, Metric] | None = None,
    batch_size: int | None = None,
    seed: int = 0,
) -> History:
    """Train ``model`` in place for ``steps`` optimizer steps and record the loss and metrics of every step.

    Each step: outputs = model(inputs[batch]), loss = loss_fn(outputs, targets[batch]), backward, step.
    ``optimizer`` is called as ``optimizer(model.parameters(), lr=lr)`` (``torch.optim.SGD`` by default,
    ``torch.optim.Adam`` or any optimizer class). ``batch_size=None`` uses the whole set every step (no
    randomness); otherwise minibatches are shuffled by a generator seeded with ``seed``. Metrics are
    functions ``(outputs, targets) -> number`` evaluated without gradient on the same outputs as the loss.
    A loss that turns inf or nan is recorded as it is, so a diverging run shows in the curves.
    """
    if steps < 1:
        raise ValueError(f"train: steps must be at least 1, got {steps}.")
    if lr <= 0:
        raise ValueError(f"train: lr must be positive, got {lr}; try 0.1 for SGD or 0.01 for Adam.")
    if len(inputs) != len(targets):
        raise ValueError(
            f"train: inputs has {len(inputs)} examples but targets has {len(targets)}; "
            "they must have the same length along dimension 0."
        )
    metrics = dict(metrics or {})
    opt = optimizer(model.parameters(), lr=lr)
    history = History(loss=[], metrics={name: [] for name in metrics})
    batches = _batches(len(inputs), batch_size, torch.Generator().manual_seed(seed))
    for _, index in zip(range(steps), batches, strict=False):
        opt.zero_grad()
        outputs = model(inputs[index])
        loss = loss_fn(outputs, targets[index])
        if loss.dim() != 0:
            raise ValueError(
                f"train: loss_fn returned a tensor of shape {tuple(loss.shape)}; it must return one number "
                "(use reduction='mean' or 'sum', not 'none')."
            )
        loss.backward()
        opt.step()
        history.loss.append(loss.item())
        with torch.no_grad():
            for name, metric in metrics.items():
                history.metrics[name].append(float(metric(outputs.detach(), targets[index])))
    return history


def plot_history(
    loss_ax: Axes,
    metric_ax: Axes,
    history: History,
    *,
    metric: str | None = None,
    label: str | None = None,
    color: str = COLORS["blue"],
    log_loss: bool = False,
) -> list[Line2D]:
    """Draw the loss per step on ``loss_ax`` and one metric per step on ``metric_ax``; return both lines.

    ``metric`` names the metric (default: the run's only one). Call it once per run, with its own ``label``
    and ``color``, to compare runs on the same two axes; ``log_loss=True`` puts the loss on a log scale.
    """
    if metric is None:
        if len(history.metrics) != 1:
            raise ValueError(
                f"plot_history: the run recorded {len(history.metrics)} metrics ({', '.join(history.metrics)}); "
                "name the one to draw with metric=..."
            )
        (metric,) = history.metrics
    if metric not in history.metrics:
        raise ValueError(f"plot_history: no metric {metric!r} in this run; it has {sorted(history.metrics)}.")
    steps = np.arange(1, history.steps + 1)
    (loss_line,) = loss_ax.plot(steps, history.loss, color=color, label=label)
    (metric_line,) = metric_ax.plot(steps, history.metrics[metric], color=color, label=label)
    if log_loss:
        loss_ax.set_yscale("log")
    loss_ax.set(xlabel="step", ylabel="loss" + (" (log scale)" if log_loss else ""), title="training loss")
    metric_ax.set(xlabel="step", ylabel=metric, title=metric)
    return [loss_line, metric_line]
