"""The L1 lesson's world and explorers, against torch: the exact L1 line, and what the explorers show."""

import pytest
import torch
import torch.nn.functional as F

from lesson_utils.explorers.l1_loss import KM, LATE_TAIL, MINUTES, least_absolute_line


def _l1_of_line(slope, intercept, x, y):
    return (slope * x.double() + intercept - y.double()).abs().mean().item()


@pytest.mark.parametrize("seed", range(5))
def test_least_absolute_line_beats_every_nearby_and_random_line(seed):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(9, generator=generator, dtype=torch.float64)
    y = 2 * x + torch.randn(9, generator=generator, dtype=torch.float64) ** 3
    slope, intercept = least_absolute_line(x, y)
    best = _l1_of_line(slope, intercept, x, y)
    steps = torch.linspace(-0.5, 0.5, 41, dtype=torch.float64)
    nearby = (slope + steps[:, None, None]) * x + (intercept + steps[None, :, None]) - y
    assert nearby.abs().mean(dim=-1).min().item() >= best - 1e-12
    others = torch.randn(2000, 2, generator=generator, dtype=torch.float64) * 3
    assert ((others[:, :1] * x + others[:, 1:] - y).abs().mean(dim=1) >= best - 1e-12).all()


def test_the_lesson_line_ignores_the_two_late_deliveries():
    slope, intercept = least_absolute_line(KM, MINUTES)
    residuals = MINUTES - (slope * KM + intercept)
    assert residuals.abs().topk(2).indices.sort().values.tolist() == [3, 9]
    assert _l1_of_line(slope, intercept, KM, MINUTES) < _l1_of_line(slope + 0.01, intercept, KM, MINUTES)


@pytest.mark.parametrize(
    ("x", "y"),
    [(torch.ones(4), torch.arange(4.0)), (torch.arange(3.0), torch.arange(4.0)), (torch.zeros(1), torch.zeros(1))],
)
def test_least_absolute_line_refuses_what_has_no_line(x, y):
    with pytest.raises(ValueError, match="at least two different x values"):
        least_absolute_line(x, y)


def test_late_tail_is_skewed_and_fixed():
    assert LATE_TAIL.shape == (1001,)
    assert LATE_TAIL.min().item() >= 20
    assert LATE_TAIL.mean().item() > LATE_TAIL.median().item()
    assert (
        F.l1_loss(LATE_TAIL, LATE_TAIL.median().expand(1001)).item()
        < F.l1_loss(LATE_TAIL, LATE_TAIL.mean().expand(1001)).item()
    )
