"""The Gaussian NLL lesson's explorer driven headless: set the controls, then check the readout and the figure's
data against torch."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lesson_utils.explorers.gaussian_nll_loss import LOG_VARS, MEANS, GaussianNLLExplorer, arrow_towards
from lesson_utils.widgets import format_number


def torch_nll(mean: float, log_var: float, target: float, eps: float) -> tuple[torch.Tensor, ...]:
    mu = torch.tensor(mean, dtype=torch.float64, requires_grad=True)
    var = torch.tensor(math.exp(log_var), dtype=torch.float64, requires_grad=True)
    loss = F.gaussian_nll_loss(mu, torch.tensor(target, dtype=torch.float64), var, eps=eps)
    loss.backward()
    return loss, mu.grad, var.grad


@pytest.mark.parametrize(
    ("mean", "log_var", "target", "eps"),
    [(1.5, -2.0, 0.0, 1e-6), (-0.5, 1.0, 2.0, 0.01), (0.3, -15.0, 0.25, 1e-6), (2.0, -3.0, 2.0, 0.25)],
)
def test_readout_is_torchs_loss_and_gradients(mean, log_var, target, eps):
    explorer = GaussianNLLExplorer(mean=mean, log_var=log_var, target=target, eps=eps)
    loss, grad_mean, grad_var = torch_nll(mean, log_var, target, eps)
    shown = explorer.shown
    assert shown["loss"] == pytest.approx(loss.item())
    assert shown["grad_mean"] == pytest.approx(grad_mean.item())
    assert shown["grad_var"] == pytest.approx(grad_var.item())
    assert shown["grad_log_var"] == pytest.approx(grad_var.item() * math.exp(log_var))
    assert shown["residual"] == pytest.approx(mean - target)
    assert shown["best_var"] == pytest.approx(max((mean - target) ** 2, eps))
    assert "loss = <b>" + format_number(loss.item()) in explorer.readout.value


def test_below_eps_the_gradient_on_var_is_the_one_at_eps():
    explorer = GaussianNLLExplorer(mean=0.1, log_var=-16.0, target=0.0, eps=1e-6)
    at_eps = 0.5 * (1 / 1e-6 - 0.1**2 / 1e-6**2)
    assert explorer.shown["grad_var"] == pytest.approx(at_eps)
    assert explorer.shown["loss"] == pytest.approx(0.5 * (math.log(1e-6) + 0.1**2 / 1e-6))


def test_the_surface_and_the_curve_are_torchs_loss_and_the_minimum_sits_at_max_r2_eps():
    explorer = GaussianNLLExplorer(mean=1.0, log_var=0.0, target=0.5, eps=0.01)
    surface = explorer.art.surface.get_array()
    row, column = 120, 37  # log var LOG_VARS[120], mean MEANS[37]
    expected = F.gaussian_nll_loss(MEANS[column], torch.tensor(0.5, dtype=torch.float64), LOG_VARS[row].exp(), eps=0.01)
    assert surface[row, column] == pytest.approx(expected.item())
    log_vars, curve = explorer.art.curve.get_data()
    np.testing.assert_allclose(log_vars, LOG_VARS.numpy())
    expected_curve = F.gaussian_nll_loss(
        torch.full_like(LOG_VARS, 0.5), torch.zeros_like(LOG_VARS), LOG_VARS.exp(), eps=0.01, reduction="none"
    )
    np.testing.assert_allclose(curve, expected_curve.numpy())
    best = math.log(0.25)
    assert explorer.art.curve_best.get_xdata()[0] == pytest.approx(best)
    assert LOG_VARS[int(np.argmin(curve))].item() == pytest.approx(best, abs=0.1)
    np.testing.assert_allclose(explorer.art.position.get_data(), [[1.0], [0.0]])
    assert explorer.art.clamped.get_width() == pytest.approx(math.log(0.01) - LOG_VARS[0].item())


def test_the_valley_follows_the_target_and_sinks_to_eps_at_the_target():
    explorer = GaussianNLLExplorer(target=1.0, eps=0.25)
    means, valley = explorer.art.valley.get_data()
    at_target = int(np.argmin(np.abs(means - 1.0)))
    assert valley[at_target] == pytest.approx(math.log(0.25))
    assert valley[0] == pytest.approx(math.log((means[0] - 1.0) ** 2))


def test_the_arrow_points_downhill_and_is_sane_when_the_gradient_is_zero_or_huge():
    explorer = GaussianNLLExplorer(mean=1.5, log_var=-2.0, target=0.0)
    u, v = explorer.art.arrow.U[0], explorer.art.arrow.V[0]
    assert u < 0 and v > 0, "the mean should move towards the target and the variance up towards r^2"
    assert arrow_towards(0.0, 0.0) == (0.0, 0.0)
    assert all(math.isfinite(c) for c in arrow_towards(-1e15, 3e13))
