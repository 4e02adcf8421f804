"""The KL divergence lesson's explorer driven headless: set the controls, then check the readout and the figure's
data against torch."""

import math

import numpy as np
import pytest
import torch
from torch.distributions import Categorical, kl_divergence

from lesson_utils.explorers.kl_div import CLASSES, INPUTS, TARGETS, KLDirectionExplorer, target_distribution


def model_distribution(centre, width):
    """Q as the explorer defines it, written out: softmax of -(k - centre)^2 / (2 width^2)."""
    k = torch.arange(CLASSES, dtype=torch.float64)
    return torch.softmax(-((k - centre) ** 2) / (2 * width**2), dim=0)


def heights(collection):
    """The heights of bars drawn as a PolyCollection of rectangles from 0."""
    return np.array([path.vertices[1, 1] for path in collection.get_paths()])


@pytest.mark.parametrize("target", list(TARGETS))
def test_the_readout_is_both_kls_and_cross_entropy_as_torch_distributions_has_them(target):
    explorer = KLDirectionExplorer(centre=1.3, width=0.8, target=target)
    p, q = target_distribution(target), model_distribution(1.3, 0.8)
    forward = kl_divergence(Categorical(probs=p), Categorical(probs=q)).item()
    reverse = kl_divergence(Categorical(probs=q), Categorical(probs=p)).item()
    assert explorer.shown["kl_pq"] == pytest.approx(forward)
    assert explorer.shown["kl_qp"] == pytest.approx(reverse)
    assert explorer.shown["fed"] == pytest.approx(forward)  # log Q fed: F.kl_div returns KL(P || Q)
    entropy = Categorical(probs=p).entropy().item()
    assert explorer.shown["cross_entropy"] == pytest.approx(entropy + forward)
    assert forward != pytest.approx(reverse)  # not symmetric
    np.testing.assert_allclose(heights(explorer.art.q), q.numpy())
    np.testing.assert_allclose(heights(explorer.art.p), p.numpy())


def test_the_per_class_terms_sum_to_each_kl():
    explorer = KLDirectionExplorer(centre=2.0, width=1.5, target="one peak")
    assert heights(explorer.art.forward_terms).sum() == pytest.approx(explorer.shown["kl_pq"])
    assert heights(explorer.art.reverse_terms).sum() == pytest.approx(explorer.shown["kl_qp"])


def test_log_q_gives_the_gradient_q_minus_p_and_q_itself_a_wrong_number_and_gradient():
    explorer = KLDirectionExplorer(centre=0.5, width=1.0, target="two peaks")
    p, q = target_distribution("two peaks"), model_distribution(0.5, 1.0)
    np.testing.assert_allclose(heights(explorer.art.grad), (q - p).numpy(), atol=1e-12)
    np.testing.assert_allclose(heights(explorer.art.right_grad), (q - p).numpy(), atol=1e-12)
    assert len(explorer.art.curves["bug"].get_xdata()) == 0  # the bug's curve shows only with the bug
    explorer.fed = INPUTS[1]
    wrong = (torch.xlogy(p, p) - p * q).sum().item()  # F.kl_div(Q, P): sum p log p - p q, not KL
    assert explorer.shown["fed"] == pytest.approx(wrong)
    assert explorer.shown["fed"] < 0 < explorer.shown["kl_pq"]
    bug_grad = heights(explorer.art.grad)
    expected = -(q * (p - (p * q).sum())).numpy()  # d/dz of -sum p q through softmax
    np.testing.assert_allclose(bug_grad, expected, atol=1e-12)
    assert np.abs(bug_grad).max() < np.abs(heights(explorer.art.right_grad)).max()
    np.testing.assert_allclose(explorer.art.dots["bug"].get_ydata(), [wrong])


def test_forward_kl_covers_both_peaks_and_reverse_kl_picks_one():
    explorer = KLDirectionExplorer(width=0.5, target="two peaks")
    centres = explorer.art.curves["forward"].get_xdata()
    forward = explorer.art.curves["forward"].get_ydata()
    reverse = explorer.art.curves["reverse"].get_ydata()
    assert 1.5 < centres[np.argmin(forward)] < 3.5  # between the peaks at 1 and 4, nearer the larger one
    assert centres[np.argmin(reverse)] == pytest.approx(1.0, abs=0.1)  # inside the larger peak
    assert reverse[np.argmin(np.abs(centres - 4.0))] < reverse[np.argmin(np.abs(centres - 3.0))]  # a valley at 4 too
    middle = np.argmin(np.abs(centres - 2.5))
    assert reverse[middle] > reverse.min() + 1  # reverse KL: the valley between the peaks is a hill


def test_the_ends_of_the_centre_slider_show_different_numbers():
    # A symmetric target would show the same readout at both ends, and a keyboard user could not tell them apart.
    ends = [KLDirectionExplorer(centre=c).shown for c in (-0.5, CLASSES - 0.5)]
    assert ends[0]["kl_pq"] != pytest.approx(ends[1]["kl_pq"])


@pytest.mark.parametrize("fed", INPUTS)
@pytest.mark.parametrize("target", list(TARGETS))
def test_the_extremes_stay_finite_and_the_dots_on_the_axes(fed, target):
    low, high = KLDirectionExplorer.KL_LIMITS
    for centre in (-0.5, CLASSES - 0.5):
        for width in (0.3, 4.0):
            explorer = KLDirectionExplorer(centre=centre, width=width, target=target, fed=fed)
            assert all(math.isfinite(v) for v in explorer.shown.values()), explorer.shown
            for dot in explorer.art.dots.values():
                assert all(low <= y <= high for y in dot.get_ydata())
            for name in ("forward_terms", "reverse_terms"):
                assert np.all(heights(getattr(explorer.art, name)) <= KLDirectionExplorer.TERM_LIMITS[1])
