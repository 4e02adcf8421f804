"""Explorers of the L1 lesson, and its tiny world: delivery times with a few very late ones."""

from __future__ import annotations

import itertools

import torch

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
