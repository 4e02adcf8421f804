"""The Huber lesson's explorer driven headless: its lines are the minimisers torch's losses say they are, and its
readout and bars are torch's gradients."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lesson_utils.explorers.huber_loss import HuberOutlierExplorer, huber_line, l1_line
from lesson_utils.explorers.mse_loss import X, Y, least_squares_line
from lesson_utils.widgets import format_number


def with_outlier(outlier_y):
    return torch.cat([X, torch.tensor([3.0])]).double(), torch.cat([Y, torch.tensor([outlier_y])]).double()


def line_gradient(loss, x, y, line):
    """d loss / d (slope, intercept) at the line, by autograd through torch's loss."""
    params = torch.tensor(line, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(loss(params[0] * x + params[1], y), params)
    return grad


@pytest.mark.parametrize("outlier_y", [-8.0, 1.0, 18.0, 22.0])
@pytest.mark.parametrize("delta", [0.05, 0.3, 1.0, 10.0])
def test_huber_line_is_where_torchs_huber_loss_has_zero_gradient(outlier_y, delta):
    x, y = with_outlier(outlier_y)
    grad = line_gradient(lambda p, t: F.huber_loss(p, t, delta=delta), x, y, huber_line(x, y, delta))
    torch.testing.assert_close(grad, torch.zeros(2, dtype=torch.float64), atol=1e-9, rtol=0)


@pytest.mark.parametrize("outlier_y", [-8.0, 1.0, 22.0])
def test_l1_line_is_no_worse_than_any_line_on_a_fine_grid_around_it(outlier_y):
    x, y = with_outlier(outlier_y)
    slope, intercept = l1_line(x, y)
    best = F.l1_loss(slope * x + intercept, y).item()
    w, b = torch.meshgrid(
        torch.linspace(slope - 1, slope + 1, 201, dtype=torch.float64),
        torch.linspace(intercept - 1, intercept + 1, 201, dtype=torch.float64),
        indexing="ij",
    )
    costs = (w[..., None] * x + b[..., None] - y).abs().mean(-1)
    assert costs.min().item() >= best - 1e-12


def test_the_knee_moves_huber_between_l1_and_mse():
    x, y = with_outlier(18.0)
    np.testing.assert_allclose(huber_line(x, y, 100.0), least_squares_line(x, y), atol=1e-9)
    small = huber_line(x, y, 1e-3)
    assert F.l1_loss(small[0] * x + small[1], y).item() == pytest.approx(
        F.l1_loss(l1_line(x, y)[0] * x + l1_line(x, y)[1], y).item(), rel=1e-3
    )


def test_huber_line_and_l1_line_refuse_what_they_cannot_fit():
    with pytest.raises(ValueError, match="delta must be more than 0"):
        huber_line(X, Y, 0.0)
    with pytest.raises(ValueError, match="two points with different x"):
        l1_line(torch.ones(3), torch.arange(3.0))


def test_explorer_shows_torchs_losses_and_pulls():
    explorer = HuberOutlierExplorer(outlier_y=-6.0, delta=0.5)
    x, y = with_outlier(-6.0)
    huber, mse, l1 = huber_line(x, y, 0.5), least_squares_line(x, y), l1_line(x, y)
    assert explorer.shown["huber_slope"] == pytest.approx(huber[0])
    assert explorer.shown["mse_slope"] == pytest.approx(mse[0])
    assert explorer.shown["l1_slope"] == pytest.approx(l1[0])
    prediction = (huber[0] * x + huber[1]).requires_grad_()
    loss = F.huber_loss(prediction, y, delta=0.5)
    assert explorer.shown["huber_loss"] == pytest.approx(loss.item())
    (huber_grad,) = torch.autograd.grad(F.huber_loss(prediction, y, delta=0.5, reduction="sum"), prediction)
    mse_prediction = (mse[0] * x + mse[1]).requires_grad_()
    (mse_grad,) = torch.autograd.grad(0.5 * F.mse_loss(mse_prediction, y, reduction="sum"), mse_prediction)
    np.testing.assert_allclose([p.get_height() for p in explorer.art.huber_pulls.patches], -huber_grad.numpy())
    np.testing.assert_allclose([p.get_height() for p in explorer.art.mse_pulls.patches], -mse_grad.numpy())
    assert explorer.shown["huber_outlier_pull"] == pytest.approx(0.5 * np.sign(-6.0 - prediction[-1].item()))
    assert explorer.shown["mse_outlier_pull"] == pytest.approx(-mse_grad[-1].item())
    left, right = explorer.art.huber_line.axes.get_xlim()
    np.testing.assert_allclose(explorer.art.band[0].get_ydata(), [huber[0] * e + huber[1] + 0.5 for e in (left, right)])
    np.testing.assert_allclose(explorer.art.outlier.get_data(), [[3.0], [-6.0]])
    assert "Huber slope = <b>" + format_number(huber[0]) in explorer.readout.value


def test_dragging_the_knee_reuses_the_mse_and_l1_lines(monkeypatch):
    explorer = HuberOutlierExplorer()
    calls = []
    monkeypatch.setattr("lesson_utils.explorers.huber_loss.l1_line", lambda x, y: calls.append(1) or (2.0, 1.0))
    explorer.delta = 2.0
    assert calls == []
    explorer.outlier_y = 5.0
    assert calls == [1]
