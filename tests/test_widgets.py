"""Explorers driven headless: set a control, then check the figure's data and the shown numbers against torch."""

import base64
import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from lesson_utils.explorers.mse import LineLossExplorer, OutlierExplorer, X, Y, least_squares_line
from lesson_utils.widgets import REGISTRY, Explorer, format_number


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.fixture(params=sorted(REGISTRY))
def explorer(request) -> Explorer:
    return REGISTRY[request.param]()


def test_every_explorer_renders_a_png_and_a_short_stable_repr(explorer):
    frame = pixels(explorer.image.value)
    assert frame.shape[0] > 100 and frame.std() > 0, "blank figure"
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
    assert bundle["text/plain"].startswith(type(explorer).__name__ + "(") and "0x" not in bundle["text/plain"]


def test_every_explorer_stays_finite_and_changes_its_figure_at_the_ends_of_every_control(explorer):
    for name, control in explorer.controls.items():
        if hasattr(control, "min"):
            ends = (control.min, control.max)
        else:
            ends = [option for option in control.options if option != control.value]
        for value in ends:
            if value == control.value:
                continue  # setting a control to its own value fires no change
            before = explorer.image.value
            control.value = value
            assert all(np.isfinite(v) for v in explorer.shown.values()), (name, value, explorer.shown)
            assert explorer.image.value != before, f"moving {name} to {value} left the figure unchanged"
            assert pixels(explorer.image.value).std() > 0


def test_unknown_control_names_list_the_real_ones():
    with pytest.raises(TypeError, match=r"no control named 'slope'.*'w', 'b'"):
        LineLossExplorer(slope=1.0)


def test_line_loss_explorer_shows_torchs_loss_and_gradient():
    explorer = LineLossExplorer()
    explorer.controls["w"].value = 1.5
    explorer.controls["b"].value = -0.5
    w = torch.tensor(1.5, requires_grad=True)
    b = torch.tensor(-0.5, requires_grad=True)
    loss = F.mse_loss(w * X + b, Y)
    loss.backward()
    assert explorer.shown["MSE"] == pytest.approx(loss.item())
    assert explorer.shown["\u2202L/\u2202w"] == pytest.approx(w.grad.item())
    assert explorer.shown["\u2202L/\u2202b"] == pytest.approx(b.grad.item())
    np.testing.assert_allclose(explorer.art.position.get_data(), [[1.5], [-0.5]])
    left, right = explorer.art.fit.line.axes.get_xlim()
    np.testing.assert_allclose(explorer.art.fit.line.get_ydata(), [1.5 * left - 0.5, 1.5 * right - 0.5])
    assert "MSE = <b>" + format_number(loss.item()) in explorer.readout.value


def test_outlier_explorer_refits_the_line_and_reports_its_share():
    explorer = OutlierExplorer(outlier_x=2.0, outlier_y=20.0)
    x, y = torch.cat([X, torch.tensor([2.0])]), torch.cat([Y, torch.tensor([20.0])])
    slope, intercept = least_squares_line(x, y)
    squared = (slope * x.double() + intercept - y.double()) ** 2
    assert explorer.shown["slope"] == pytest.approx(slope)
    assert explorer.shown["MSE of the best line"] == pytest.approx(squared.mean().item())
    assert explorer.shown["outlier's share of the loss"] == pytest.approx((squared[-1] / squared.sum()).item())
    heights = [p.get_height() for p in explorer.art.shares.patches]
    np.testing.assert_allclose(heights, (squared / squared.sum()).numpy())
    np.testing.assert_allclose(explorer.art.outlier.get_data(), [[2.0], [20.0]])


def test_the_figure_is_drawn_once_and_then_only_blitted(monkeypatch):
    explorer = OutlierExplorer()
    draws = []
    monkeypatch.setattr(explorer.figure.canvas, "draw", lambda: draws.append(1))
    for value in np.linspace(-8, 22, 10):
        explorer.controls["outlier_y"].value = float(value)
    assert draws == []


def test_format_number_words_for_non_finite():
    assert format_number(float("nan")) == "undefined"
    assert format_number(-1.23456) == "\u22121.235"
    assert format_number(float("inf")) == "\u221e"


def test_reduction_explorer_shows_each_reduction_and_the_gradient_torch_computes():
    from lesson_utils.explorers.reductions import PREDICTIONS, TARGETS, ReductionExplorer

    explorer = ReductionExplorer(last_prediction=7.0, reduction="sum")
    predictions = torch.cat([PREDICTIONS[:-1], torch.tensor([7.0])]).requires_grad_()
    loss = F.mse_loss(predictions, TARGETS, reduction="sum")
    loss.backward()
    assert explorer.shown["loss"] == pytest.approx(loss.item())
    assert explorer.shown["gradient on prediction 5"] == pytest.approx(predictions.grad[-1].item())
    heights = [p.get_height() for p in explorer.art.elements.patches]
    np.testing.assert_allclose(heights, F.mse_loss(predictions, TARGETS, reduction="none").detach().numpy())
    explorer.controls["reduction"].value = "none"
    assert [k for k in explorer.shown if k.startswith("loss[")] == [f"loss[{i}]" for i in range(1, 6)]
