"""The cross-entropy explorers driven headless: set controls, then check figure data and shown numbers against torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib import colormaps

from lesson_utils.explorers.cross_entropy import (
    CLASSES,
    LogitSurfaceExplorer,
    SoftmaxExplorer,
    loss_and_gradient,
    target_distribution,
)
from lesson_utils.plotting import SURFACE_CMAP
from lesson_utils.widgets import REGISTRY, format_number


def torch_loss_and_grad(logits, label, *, label_smoothing=0.0, softmax_first=False):
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    scores = F.softmax(z, dim=0) if softmax_first else z
    loss = F.cross_entropy(scores.unsqueeze(0), torch.tensor([label]), label_smoothing=label_smoothing)
    loss.backward()
    return loss.item(), z.grad


def test_both_explorers_are_registered():
    assert REGISTRY["SoftmaxExplorer"] is SoftmaxExplorer
    assert REGISTRY["LogitSurfaceExplorer"] is LogitSurfaceExplorer


@pytest.mark.parametrize("softmax_first", [False, True])
def test_softmax_explorer_shows_torchs_loss_probabilities_and_gradient(softmax_first):
    explorer = SoftmaxExplorer()
    explorer.controls["cat"].value = -1.5
    explorer.controls["dog"].value = 3.2
    explorer.controls["bird"].value = 0.4
    explorer.controls["true_class"].value = "bird"
    explorer.controls["into_the_loss"].value = "softmax first (a bug)" if softmax_first else "logits"
    logits = [-1.5, 3.2, 0.4]
    loss, grad = torch_loss_and_grad(logits, 2, softmax_first=softmax_first)
    seen = torch.tensor(logits).softmax(0)
    if softmax_first:
        seen = seen.softmax(0)
    assert explorer.shown["loss"] == pytest.approx(loss)
    assert explorer.shown["p_true"] == pytest.approx(seen[2].item(), rel=1e-5)
    for name, g in zip(CLASSES, grad.tolist(), strict=True):
        assert explorer.shown[f"grad_{name}"] == pytest.approx(g)
    art = explorer.art
    np.testing.assert_allclose([p.get_height() for p in art.logits.patches], logits)
    np.testing.assert_allclose([p.get_height() for p in art.probabilities.patches], seen.numpy(), rtol=1e-5)
    np.testing.assert_allclose([p.get_height() for p in art.targets.patches], [0.0, 0.0, 1.0])
    np.testing.assert_allclose([p.get_height() for p in art.gradients.patches], grad.numpy())
    assert [p.get_linewidth() for p in art.logits.patches] == [0.0, 0.0, 2.5]
    assert "loss = <b>" + format_number(loss) in explorer.readout.value
    assert "p(bird) as the loss sees it = <b>" in explorer.readout.value


def test_the_gradient_on_the_logits_is_softmax_minus_one_hot_and_sums_to_zero():
    explorer = SoftmaxExplorer(cat=0.3, dog=-2.0, bird=1.1, true_class="cat")
    probabilities = torch.tensor([0.3, -2.0, 1.1], dtype=torch.float64).softmax(0)
    expected = probabilities - torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)
    shown = [explorer.shown[f"grad_{name}"] for name in CLASSES]
    np.testing.assert_allclose(shown, expected.numpy(), atol=1e-12)
    assert sum(shown) == pytest.approx(0.0, abs=1e-12)


def test_softmax_first_shrinks_the_gradient():
    right = SoftmaxExplorer(cat=8.0, dog=-8.0, bird=-8.0, true_class="dog")
    wrong = SoftmaxExplorer(cat=8.0, dog=-8.0, bird=-8.0, true_class="dog", into_the_loss="softmax first (a bug)")
    assert abs(right.shown["grad_dog"]) > 0.99
    assert abs(wrong.shown["grad_dog"]) < 1e-3


def test_surface_explorer_image_is_torchs_loss_on_the_grid():
    explorer = LogitSurfaceExplorer(true_class="dog", label_smoothing=0.2)
    values, colours = explorer.surface_colours(1, 0.2)
    axis = explorer.grid().float()
    for row, col in [(0, 0), (60, 30), (120, 120), (17, 99)]:
        logits = torch.tensor([[axis[col], axis[row], 0.0]])
        expected = F.cross_entropy(logits, torch.tensor([1]), label_smoothing=0.2)
        assert values[row, col].item() == pytest.approx(expected.item(), rel=1e-5)
    np.testing.assert_array_equal(colours, colormaps[SURFACE_CMAP](explorer.norm(values.numpy()), bytes=True))
    np.testing.assert_array_equal(np.asarray(explorer.art.image.get_array()), colours)
    extent = explorer.art.image.get_extent()
    assert tuple(extent) == (-6.0, 6.0, -6.0, 6.0)


def test_surface_explorer_reports_torchs_gradient_and_marks_the_minimum():
    explorer = LogitSurfaceExplorer(z_cat=1.0, z_dog=-2.5, true_class="cat", label_smoothing=0.3)
    loss, grad = torch_loss_and_grad([1.0, -2.5, 0.0], 0, label_smoothing=0.3)
    assert explorer.shown["loss"] == pytest.approx(loss)
    for name, g in zip(CLASSES, grad.tolist(), strict=True):
        assert explorer.shown[f"grad_{name}"] == pytest.approx(g)
    np.testing.assert_allclose(explorer.art.position.get_data(), [[1.0], [-2.5]])
    u, v = explorer.art.arrow.U[0], explorer.art.arrow.V[0]
    direction = -grad[:2] / grad[:2].norm()
    np.testing.assert_allclose([u, v], 1.5 * direction.numpy(), rtol=1e-6)
    # At the star the gradient vanishes: softmax there equals the smoothed target.
    (best_cat,), (best_dog,) = explorer.art.minimum.get_data()
    _, grad_at_best = torch_loss_and_grad([best_cat, best_dog, 0.0], 0, label_smoothing=0.3)
    assert grad_at_best.abs().max().item() < 1e-12
    q = target_distribution(0, 3, 0.3)
    np.testing.assert_allclose([p.get_height() for p in explorer.art.targets.patches], q)


def test_without_smoothing_there_is_no_minimum_to_mark():
    explorer = LogitSurfaceExplorer(label_smoothing=0.0)
    assert len(explorer.art.minimum.get_xdata()) == 0


def test_dragging_a_logit_reuses_the_surface(monkeypatch):
    explorer = LogitSurfaceExplorer()
    calls = []
    real = LogitSurfaceExplorer.surface
    monkeypatch.setattr(LogitSurfaceExplorer, "surface", lambda self, *args: calls.append(args) or real(self, *args))
    for value in np.linspace(-6, 6, 7):
        explorer.controls["z_cat"].value = float(value)
    assert calls == []
    explorer.controls["true_class"].value = "bird"
    assert calls == [(2, 0.1)]


def test_loss_and_gradient_helper_matches_torch_at_extreme_logits():
    loss, grad, probabilities = loss_and_gradient([8.0, -8.0, -8.0], 1, label_smoothing=0.5)
    expected_loss, expected_grad = torch_loss_and_grad([8.0, -8.0, -8.0], 1, label_smoothing=0.5)
    assert loss == pytest.approx(expected_loss)
    np.testing.assert_allclose(grad, expected_grad.numpy())
    assert sum(probabilities) == pytest.approx(1.0)
