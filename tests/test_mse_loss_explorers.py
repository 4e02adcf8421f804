"""The MSE lesson's explorers driven headless: set a control, then check the figure's data and the readout against
torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lesson_utils.explorers.mse_loss import LineLossExplorer, OutlierExplorer, X, Y, least_squares_line
from lesson_utils.widgets import format_number


def test_line_loss_explorer_shows_torchs_loss_and_gradient():
    explorer = LineLossExplorer()
    explorer.controls["w"].value = 1.5
    explorer.controls["b"].value = -0.5
    w = torch.tensor(1.5, requires_grad=True)
    b = torch.tensor(-0.5, requires_grad=True)
    loss = F.mse_loss(w * X + b, Y)
    loss.backward()
    assert explorer.shown["mse"] == pytest.approx(loss.item())
    assert explorer.shown["grad_w"] == pytest.approx(w.grad.item())
    assert explorer.shown["grad_b"] == pytest.approx(b.grad.item())
    np.testing.assert_allclose(explorer.art.position.get_data(), [[1.5], [-0.5]])
    left, right = explorer.art.fit.line.axes.get_xlim()
    np.testing.assert_allclose(explorer.art.fit.line.get_ydata(), [1.5 * left - 0.5, 1.5 * right - 0.5])
    assert "MSE = <b>" + format_number(loss.item()) in explorer.readout.value
    assert "\u2202L/\u2202w = <b>" + format_number(w.grad.item()) in explorer.readout.value


def test_outlier_explorer_refits_the_line_and_reports_its_share():
    explorer = OutlierExplorer(outlier_x=2.0, outlier_y=20.0)
    x, y = torch.cat([X, torch.tensor([2.0])]), torch.cat([Y, torch.tensor([20.0])])
    slope, intercept = least_squares_line(x, y)
    squared = (slope * x.double() + intercept - y.double()) ** 2
    assert explorer.shown["slope"] == pytest.approx(slope)
    assert explorer.shown["intercept"] == pytest.approx(intercept)
    assert explorer.shown["mse"] == pytest.approx(squared.mean().item())
    assert explorer.shown["outlier_share"] == pytest.approx((squared[-1] / squared.sum()).item())
    heights = [p.get_height() for p in explorer.art.shares.patches]
    np.testing.assert_allclose(heights, (squared / squared.sum()).numpy())
    np.testing.assert_allclose(explorer.art.outlier.get_data(), [[2.0], [20.0]])


def test_an_explorer_of_other_points_uses_them():
    x, y = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([1.0, 3.0, 5.0])
    explorer = LineLossExplorer(x=x, y=y, w=2.0, b=1.0)
    assert explorer.shown["mse"] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(explorer.art.fit.points.get_offsets(), np.column_stack([x, y]))
