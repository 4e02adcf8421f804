"""The Poisson NLL lesson's explorer driven headless: set the controls, then check the readout and the figure's data
against torch."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.colors import to_rgb

from lesson_utils.explorers.poisson_nll_loss import PoissonRateExplorer, poisson_nll_exact
from lesson_utils.plotting import COLORS


@pytest.mark.parametrize(("outputs", "log_input"), [("log-rate", True), ("rate", False)])
def test_the_readout_is_torchs_loss_and_the_gradient_of_what_the_model_outputs(outputs, log_input):
    explorer = PoissonRateExplorer(count=5.0, log_rate=0.7, outputs=outputs)
    x = torch.tensor(0.7, dtype=torch.float64)
    output = (x if log_input else x.exp()).requires_grad_()
    loss = F.poisson_nll_loss(output, torch.tensor(5.0, dtype=torch.float64), log_input=log_input)
    loss.backward()
    assert explorer.shown["rate"] == pytest.approx(math.exp(0.7))
    assert explorer.shown["loss"] == pytest.approx(loss.item())
    assert explorer.shown["grad"] == pytest.approx(output.grad.item())
    expected_grad = math.exp(0.7) - 5 if log_input else 1 - 5 / math.exp(0.7)
    assert explorer.shown["grad"] == pytest.approx(expected_grad)
    poisson = torch.distributions.Poisson(torch.tensor(math.exp(0.7), dtype=torch.float64))
    log_p = poisson.log_prob(torch.tensor(5.0, dtype=torch.float64)).item()
    assert explorer.shown["nll"] == pytest.approx(-log_p)
    assert explorer.shown["nll"] == pytest.approx(loss.item() + math.lgamma(6))  # the loss plus log y!
    assert explorer.shown["p"] == pytest.approx(math.exp(log_p))


def test_the_curve_has_its_minimum_at_the_count_and_the_pmf_marks_the_count():
    explorer = PoissonRateExplorer(count=4.0, log_rate=1.0)
    rates, nll = explorer.art.nll.get_data()
    assert rates[np.argmin(nll)] == pytest.approx(4.0, rel=0.03)
    np.testing.assert_allclose(explorer.art.minimum.get_xdata(), [4.0, 4.0])
    heights = np.array([bar.get_height() for bar in explorer.art.pmf.patches])
    k = torch.arange(len(heights), dtype=torch.float64)
    expected = torch.distributions.Poisson(torch.tensor(math.e, dtype=torch.float64)).log_prob(k).exp()
    np.testing.assert_allclose(heights, expected.numpy(), rtol=1e-10)
    orange = [
        i for i, bar in enumerate(explorer.art.pmf.patches) if bar.get_facecolor()[:3] == to_rgb(COLORS["orange"])
    ]
    assert orange == [4]


def test_the_gradient_curves_are_torchs_and_the_chosen_one_is_highlighted():
    explorer = PoissonRateExplorer(count=3.0, outputs="rate")
    rates, grad = explorer.art.grads["rate"].get_data()
    np.testing.assert_allclose(grad, 1 - 3 / (rates + 1e-8))
    rates, grad = explorer.art.grads["log-rate"].get_data()
    np.testing.assert_allclose(grad, rates - 3)
    assert explorer.art.grads["rate"].get_alpha() == 1.0
    assert explorer.art.grads["log-rate"].get_alpha() < 1.0


def test_a_zero_count_and_the_extremes_stay_finite():
    explorer = PoissonRateExplorer(count=0.0, log_rate=PoissonRateExplorer.X_MIN, outputs="rate")
    assert explorer.shown["loss"] == pytest.approx(math.exp(PoissonRateExplorer.X_MIN))
    assert explorer.shown["grad"] == pytest.approx(1.0)
    explorer.count = 20.0
    assert all(math.isfinite(v) for v in explorer.shown.values())
    assert explorer.art.nll_dot.get_ydata()[0] == PoissonRateExplorer.NLL_TOP  # off the top: drawn on the edge


def test_the_exact_nll_is_torchs_poisson_log_prob():
    rate = torch.tensor([0.1, 1.0, 7.5], dtype=torch.float64)
    count = torch.tensor([0.0, 1.0, 12.0], dtype=torch.float64)
    torch.testing.assert_close(poisson_nll_exact(rate, count), -torch.distributions.Poisson(rate).log_prob(count))
