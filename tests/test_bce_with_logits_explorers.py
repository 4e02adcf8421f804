"""The BCE lesson's explorers, driven headless: set controls, then check the figure's data and the shown numbers
against what torch computes there."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lesson_utils.explorers.bce_with_logits as module
from lesson_utils.explorers.bce_with_logits import GRADIENT_FLOOR, LogitLossExplorer, SaturationExplorer
from lesson_utils.widgets import format_number


def torch_at(z: float, y: float, dtype=torch.float64):
    """BCE-with-logits, MSE on sigmoid and sigmoid-then-BCELoss at one logit, with their gradients dL/dz."""
    out = {}
    for name, fn in {
        "bce": lambda t: F.binary_cross_entropy_with_logits(t, torch.full_like(t, y)),
        "mse": lambda t: F.mse_loss(torch.sigmoid(t), torch.full_like(t, y)),
        "two_step": lambda t: F.binary_cross_entropy(torch.sigmoid(t), torch.full_like(t, y)),
    }.items():
        t = torch.tensor([z], dtype=dtype, requires_grad=True)
        loss = fn(t)
        loss.backward()
        out[name], out[f"{name}_grad"] = loss.item(), t.grad.item()
    return out


def test_logit_explorer_shows_torchs_losses_and_gradients():
    explorer = LogitLossExplorer(logit=-6.0, target=1.0)
    expected = torch_at(-6.0, 1.0)
    assert explorer.shown["bce"] == pytest.approx(expected["bce"])
    assert explorer.shown["bce_grad"] == pytest.approx(expected["bce_grad"])
    assert explorer.shown["mse"] == pytest.approx(expected["mse"])
    assert explorer.shown["mse_grad"] == pytest.approx(expected["mse_grad"])
    assert explorer.shown["p"] == pytest.approx(torch.sigmoid(torch.tensor(-6.0, dtype=torch.float64)).item())
    # The point the lesson makes: at z = -6 with y = 1, MSE's gradient is hundreds of times smaller.
    assert abs(explorer.shown["bce_grad"]) > 100 * abs(explorer.shown["mse_grad"])
    assert f"BCE = <b>{format_number(expected['bce'])}</b>" in explorer.readout.value


def test_logit_explorer_curves_and_dots_are_torchs():
    explorer = LogitLossExplorer()
    explorer.controls["target"].value = 0.25
    explorer.controls["logit"].value = 3.0
    z = explorer.z
    target = torch.full_like(z, 0.25)
    zz = z.clone().requires_grad_()
    bce = F.binary_cross_entropy_with_logits(zz, target, reduction="none")
    (bce_grad,) = torch.autograd.grad(bce.sum(), zz)
    mse = F.mse_loss(torch.sigmoid(zz), target, reduction="none")
    (mse_grad,) = torch.autograd.grad(mse.sum(), zz)
    lines, dots = explorer.art.lines, explorer.art.dots
    np.testing.assert_allclose(lines["bce"].get_xdata(), z.numpy())
    np.testing.assert_allclose(lines["bce"].get_ydata(), bce.detach().numpy())
    np.testing.assert_allclose(lines["mse"].get_ydata(), mse.detach().numpy())
    np.testing.assert_allclose(lines["bce_grad"].get_ydata(), bce_grad.numpy())
    np.testing.assert_allclose(lines["mse_grad"].get_ydata(), mse_grad.numpy())
    np.testing.assert_allclose(lines["mse_size"].get_ydata(), np.maximum(mse_grad.abs().numpy(), GRADIENT_FLOOR))
    expected = torch_at(3.0, 0.25)
    np.testing.assert_allclose(dots["bce"].get_data(), [[3.0], [expected["bce"]]])
    np.testing.assert_allclose(dots["mse_grad"].get_data(), [[3.0], [expected["mse_grad"]]])


def test_dragging_the_logit_reuses_the_curves(monkeypatch):
    explorer = LogitLossExplorer()
    calls = []
    real = module.logit_losses
    monkeypatch.setattr(module, "logit_losses", lambda z, y: calls.append(z.numel()) or real(z, y))
    for value in np.linspace(-12, 12, 7):
        explorer.controls["logit"].value = float(value)
    assert calls == [1] * 7, "only the point under the logit is recomputed"
    explorer.controls["target"].value = 0.5
    assert calls[-2:] == [len(explorer.z), 1]


def test_saturation_explorer_shows_the_float32_cliff():
    explorer = SaturationExplorer(logit=20.0, target=0.0, dtype="float32")
    expected = torch_at(20.0, 0.0, torch.float32)
    assert explorer.shown["one_minus_p"] == 0.0
    assert "1 − σ(z) in float32 = <b>0</b>" in explorer.readout.value
    assert explorer.shown["two_step"] == expected["two_step"] == pytest.approx(100.0)
    assert explorer.shown["two_step_grad"] == expected["two_step_grad"] == 0.0
    assert explorer.shown["fused"] == pytest.approx(expected["bce"]) == pytest.approx(20.0)
    assert explorer.shown["fused_grad"] == pytest.approx(expected["bce_grad"]) == pytest.approx(1.0)


def test_saturation_explorer_in_float64_agrees_with_the_fused_loss_at_the_same_logit():
    explorer = SaturationExplorer(logit=20.0, target=0.0, dtype="float64")
    expected = torch_at(20.0, 0.0, torch.float64)
    assert explorer.shown["two_step"] == pytest.approx(expected["two_step"]) == pytest.approx(20.0)
    assert explorer.shown["one_minus_p"] == pytest.approx(1 - torch.sigmoid(torch.tensor(20.0).double()).item())


@pytest.mark.parametrize("dtype", ["bfloat16", "float32", "float64"])
def test_saturation_explorer_curves_are_torchs_in_the_chosen_dtype(dtype):
    explorer = SaturationExplorer(target=1.0, logit=-40.0)
    explorer.controls["dtype"].value = dtype
    torch_dtype = getattr(torch, dtype)
    z = explorer.z.to(torch_dtype).requires_grad_()
    target = torch.ones_like(z)
    two_step = F.binary_cross_entropy(torch.sigmoid(z), target, reduction="none")
    (two_step_grad,) = torch.autograd.grad(two_step.sum(), z)
    lines = explorer.art.lines
    np.testing.assert_allclose(lines["two_step"].get_xdata(), z.detach().double().numpy())
    np.testing.assert_allclose(lines["two_step"].get_ydata(), two_step.detach().double().numpy())
    np.testing.assert_allclose(lines["two_step_grad"].get_ydata(), two_step_grad.double().numpy())
    expected = torch_at(-40.0, 1.0, torch_dtype)
    assert explorer.shown["two_step_grad"] == pytest.approx(expected["two_step_grad"])
    assert explorer.shown["fused_grad"] == pytest.approx(expected["bce_grad"])
