"""The Dice lesson's explorer driven headless: set controls, then check the figure and the readout against torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lesson_utils.explorers.dice_loss import (
    SHIFTS,
    SIZE,
    TARGET,
    DiceBlobExplorer,
    blob_logits,
    blob_state,
    overlap_scores,
)
from lesson_utils.losses import dice_loss
from lesson_utils.widgets import format_number


def expected_logits(shift_x, shift_y, scale, sharpness):
    """The predicted blob, written out again: sharpness * (8 * scale - distance to (17 + dx, 20 + dy))."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    distance = np.hypot(xs - (17.0 + shift_x), ys - (20.0 + shift_y))
    return torch.tensor(sharpness * (8.0 * scale - distance), dtype=torch.float32)


def plain_soft_dice_loss(logits, target, smooth=1.0):
    p = torch.sigmoid(logits.double()).reshape(-1)
    t = target.double().reshape(-1)
    return (1 - (2 * (p * t).sum() + smooth) / (p.sum() + t.sum() + smooth)).item()


def test_the_target_is_a_disk_of_radius_eight():
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    np.testing.assert_array_equal(TARGET.numpy(), ((xs - 17) ** 2 + (ys - 20) ** 2 <= 64).astype(np.float32))


@pytest.mark.parametrize(
    "settings",
    [
        {"shift_x": 3.5, "shift_y": -2.0, "scale": 1.3, "sharpness": 2.0, "bce_weight": 0.0},
        {"shift_x": -6.0, "shift_y": 1.0, "scale": 0.6, "sharpness": 0.5, "bce_weight": 0.4},
        {"shift_x": 20.0, "shift_y": 20.0, "scale": 3.0, "sharpness": 10.0, "bce_weight": 1.0},
    ],
)
def test_readout_and_images_are_what_torch_computes(settings):
    explorer = DiceBlobExplorer()
    for name, value in settings.items():
        explorer.controls[name].value = value
    logits = expected_logits(settings["shift_x"], settings["shift_y"], settings["scale"], settings["sharpness"])
    torch.testing.assert_close(blob_logits(**settings_without_weight(settings)), logits, rtol=1e-5, atol=1e-4)
    probs = torch.sigmoid(logits)
    z = logits.clone().requires_grad_()
    dice = dice_loss(z[None, None], TARGET[None, None])
    bce = F.binary_cross_entropy_with_logits(z, TARGET)
    w = settings["bce_weight"]
    loss = (1 - w) * dice + w * bce
    loss.backward()
    predicted, truth = (probs > 0.5).numpy(), TARGET.numpy() > 0.5
    shown = explorer.shown
    assert shown["soft_dice"] == pytest.approx(plain_soft_dice_loss(logits, TARGET), rel=1e-4, abs=1e-6)
    assert shown["bce"] == pytest.approx(bce.item(), rel=1e-4)
    assert shown["loss"] == pytest.approx(loss.item(), rel=1e-4)
    inter, union = (predicted & truth).sum(), (predicted | truth).sum()
    assert shown["hard_iou"] == pytest.approx(inter / union if union else 1.0)
    assert shown["hard_dice"] == pytest.approx(2 * inter / (predicted.sum() + truth.sum()))
    biggest = z.grad.abs().max().item()
    assert shown["max_grad"] == pytest.approx(biggest, rel=1e-4)
    np.testing.assert_allclose(explorer.art.probs.get_array(), probs.numpy(), atol=1e-5)
    np.testing.assert_allclose(explorer.art.grad.get_array(), (z.grad / biggest).numpy(), atol=1e-4)
    assert np.abs(explorer.art.grad.get_array()).max() == pytest.approx(1.0)
    assert "soft Dice loss = <b>" + format_number(shown["soft_dice"]) in explorer.readout.value


def settings_without_weight(settings):
    return {k: v for k, v in settings.items() if k != "bce_weight"}


def test_the_curve_panel_is_the_loss_at_every_shift_and_the_marker_sits_at_the_current_one():
    explorer = DiceBlobExplorer(shift_x=-4.0, shift_y=3.0, scale=0.8, sharpness=1.5)
    xs, dice = explorer.art.dice_curve.get_data()
    np.testing.assert_allclose(xs, SHIFTS.numpy())
    expected = [plain_soft_dice_loss(expected_logits(float(s), 3.0, 0.8, 1.5), TARGET) for s in SHIFTS]
    np.testing.assert_allclose(dice, expected, rtol=1e-4, atol=1e-6)
    _, one_minus_iou = explorer.art.iou_curve.get_data()
    ious = [overlap_scores(torch.sigmoid(expected_logits(float(s), 3.0, 0.8, 1.5)), TARGET)[1].item() for s in SHIFTS]
    np.testing.assert_allclose(one_minus_iou, 1 - np.array(ious))
    _, bce = explorer.art.bce_curve.get_data()
    assert bce.max() == pytest.approx(1.0) and (bce >= 0).all()
    np.testing.assert_allclose(explorer.art.marker.get_xdata(), [-4.0, -4.0])
    index = int(np.argmin(np.abs(xs + 4.0)))
    assert explorer.shown["soft_dice"] == pytest.approx(dice[index], rel=1e-4)


def test_dice_saturates_when_the_blobs_part_while_bce_keeps_its_gradient():
    """The lesson's claim, checked: far apart, Dice's gradient all but vanishes; BCE's does not."""
    apart = DiceBlobExplorer(shift_x=20.0, shift_y=20.0, scale=1.0, sharpness=2.0, bce_weight=0.0)
    near = DiceBlobExplorer(shift_x=2.0, shift_y=0.0, scale=1.0, sharpness=2.0, bce_weight=0.0)
    assert apart.shown["soft_dice"] > 0.99
    assert apart.shown["max_grad"] < 1e-2 * near.shown["max_grad"]
    apart.controls["bce_weight"].value = 1.0
    assert apart.shown["max_grad"] > 1e-4


def test_hard_scores_of_two_empty_masks_are_one():
    dice, iou = overlap_scores(torch.zeros(3, 4, 4), torch.zeros(4, 4))
    assert dice.tolist() == [1.0] * 3 and iou.tolist() == [1.0] * 3


def test_dragging_x_only_moves_the_marker_and_blits(monkeypatch):
    explorer = DiceBlobExplorer()
    draws = []
    monkeypatch.setattr(explorer.figure.canvas, "draw", lambda: draws.append(1))
    curve_before = explorer.art.dice_curve.get_ydata().copy()
    for value in np.linspace(-20, 20, 9):
        explorer.controls["shift_x"].value = float(value)
    assert draws == []
    np.testing.assert_array_equal(explorer.art.dice_curve.get_ydata(), curve_before)
    explorer.controls["scale"].value = 2.0
    assert not np.array_equal(explorer.art.dice_curve.get_ydata(), curve_before)


def test_blob_state_gives_the_numbers_the_explorer_shows():
    settings = {"shift_x": -3.0, "shift_y": 4.5, "scale": 1.4, "sharpness": 0.7, "bce_weight": 0.3}
    state, explorer = blob_state(**settings), DiceBlobExplorer(**settings)
    assert tuple(state.readings) == explorer.readings
    assert state.numbers == {reading.label: reading.value for reading in explorer.readings}
