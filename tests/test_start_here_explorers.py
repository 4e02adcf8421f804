"""The start page's explorer driven headless: each reduction and the gradient, against torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lesson_utils.explorers.start_here import PREDICTIONS, TARGETS, ReductionExplorer


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_reduction_explorer_shows_each_reduction_and_the_gradient_torch_computes(reduction):
    explorer = ReductionExplorer(last_prediction=7.0, reduction=reduction)
    predictions = torch.cat([PREDICTIONS[:-1], torch.tensor([7.0])]).requires_grad_()
    loss = F.mse_loss(predictions, TARGETS, reduction=reduction)
    loss.backward()
    assert explorer.shown["loss"] == pytest.approx(loss.item())
    assert explorer.shown["grad_last"] == pytest.approx(predictions.grad[-1].item())
    heights = [p.get_height() for p in explorer.art.elements.patches]
    np.testing.assert_allclose(heights, F.mse_loss(predictions, TARGETS, reduction="none").detach().numpy())
    reduced = [p.get_height() for p in explorer.art.reduced.patches]
    np.testing.assert_allclose(reduced, [F.mse_loss(predictions, TARGETS, reduction=r).item() for r in ("mean", "sum")])


def test_reduction_none_shows_every_element():
    explorer = ReductionExplorer(last_prediction=7.0)
    explorer.reduction = "none"
    per_element = F.mse_loss(torch.cat([PREDICTIONS[:-1], torch.tensor([7.0])]), TARGETS, reduction="none")
    assert [r.name for r in explorer.readings] == [f"loss_{i}" for i in range(1, 6)] + ["grad_last"]
    assert [r.label for r in explorer.readings][:5] == [f"loss[{i}]" for i in range(1, 6)]
    np.testing.assert_allclose([explorer.shown[f"loss_{i}"] for i in range(1, 6)], per_element.numpy())
