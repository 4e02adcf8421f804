"""The L1 lesson's world and explorers, against torch: the exact L1 line, and what the explorers show."""

import pytest
import torch
import torch.nn.functional as F

from lesson_utils.explorers.l1_loss import (
    DELIVERY_MINUTES,
    KM,
    LATE_TAIL,
    MINUTES,
    MedianExplorer,
    QuantileExplorer,
    least_absolute_line,
)
from lesson_utils.losses import pinball_loss


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


@pytest.mark.parametrize(("lost", "quote"), [(95.0, 40.0), (0.0, 0.0), (150.0, 150.0), (30.0, 25.5), (60.0, 26.0)])
def test_median_explorer_shows_torch_numbers(lost, quote):
    explorer = MedianExplorer(lost=lost, quote=quote)
    times = torch.cat([DELIVERY_MINUTES[:-1], torch.tensor([lost])])
    c = torch.tensor(quote, requires_grad=True)
    l1 = F.l1_loss(c.expand(9), times)
    (l1_grad,) = torch.autograd.grad(l1, c)
    shown = explorer.shown
    assert shown["l1"] == pytest.approx(l1.item(), rel=1e-6)
    assert shown["l1_grad"] == pytest.approx(l1_grad.item(), abs=1e-6)
    assert shown["l1_grad"] == pytest.approx(((times < quote).sum() - (times > quote).sum()).item() / 9, abs=1e-6)
    assert shown["mse"] == pytest.approx(F.mse_loss(c.expand(9), times).item(), rel=1e-6)
    assert shown["mse_grad"] == pytest.approx(2 * (quote - times.mean().item()), rel=1e-5, abs=1e-5)
    assert shown["median"] == times.median().item()
    assert shown["mean"] == pytest.approx(times.mean().item())


def test_median_explorer_the_lost_driver_moves_the_mean_not_the_median():
    explorer = MedianExplorer(lost=40.0)
    before = dict(explorer.shown)
    explorer.lost = 150.0
    assert explorer.shown["median"] == before["median"] == 26.0
    assert explorer.shown["mean"] > before["mean"] + 10
    assert abs(explorer.shown["l1_grad"]) <= 1


@pytest.mark.parametrize(("q", "c"), [(0.9, 30.0), (0.01, 15.0), (0.99, 80.0), (0.5, 40.1), (0.1, 22.3)])
def test_quantile_explorer_shows_torch_numbers(q, c):
    explorer = QuantileExplorer(q=q, c=c)
    shown = explorer.shown
    point = torch.tensor(c, requires_grad=True)
    loss = pinball_loss(point.expand(1001), LATE_TAIL, q=q)
    (grad,) = torch.autograd.grad(loss, point)
    assert shown["loss"] == pytest.approx(loss.item(), rel=1e-6)
    assert shown["grad"] == pytest.approx(grad.item(), abs=1e-6)
    below = (LATE_TAIL < c).float().mean().item()
    assert shown["below"] == pytest.approx(below)
    assert shown["grad"] == pytest.approx(below - q, abs=1e-5)  # no sample sits exactly at c
    assert shown["quantile"] == pytest.approx(torch.quantile(LATE_TAIL, q).item())


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_quantile_explorer_curve_is_lowest_at_the_quantile(q):
    explorer = QuantileExplorer(q=q)
    grid, curve = (torch.as_tensor(v) for v in explorer.art["curve"].get_data())
    step = (grid[1] - grid[0]).item()
    assert abs(grid[curve.argmin()].item() - torch.quantile(LATE_TAIL, q).item()) <= step
