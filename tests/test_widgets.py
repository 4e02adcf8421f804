"""Explorers driven headless: set a control, then check the figure's data and the shown numbers against torch."""

import base64
import io

import ipywidgets as widgets
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from lesson_utils.explorers.mse_loss import LineLossExplorer, OutlierExplorer, X, Y, least_squares_line
from lesson_utils.frames import encode_png
from lesson_utils.widgets import REGISTRY, Explorer, format_number, slider


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


def test_a_line_moved_over_still_points_is_only_blitted(monkeypatch):
    explorer = LineLossExplorer()  # its points are not animated, and update_fit leaves them untouched
    draws = []
    monkeypatch.setattr(explorer.figure.canvas, "draw", lambda: draws.append(1))
    for value in np.linspace(-1, 5, 10):
        explorer.controls["w"].value = float(value)
    assert draws == []


def test_format_number_words_for_non_finite():
    assert format_number(float("nan")) == "undefined"
    assert format_number(-1.23456) == "\u22121.235"
    assert format_number(float("inf")) == "\u221e"


def full_redraw(explorer: Explorer) -> np.ndarray:
    """A new explorer with the same values, its figure drawn in full by savefig (which draws animated artists)."""
    buffer = io.BytesIO()
    type(explorer)(**explorer.values()).figure.savefig(buffer, format="png", dpi=explorer.dpi)
    return pixels(buffer.getvalue())


def assert_frame_is_a_full_redraw(explorer: Explorer) -> None:
    """Blitted and fully redrawn frames agree: at most 2/255 apart, where still artists overlap in a cached layer."""
    difference = np.abs(pixels(explorer.image.value).astype(int) - full_redraw(explorer))
    assert difference.max() <= 2, f"{difference.max()} levels apart"
    assert (difference > 0).any(axis=2).mean() < 0.01


def test_every_frame_shows_what_a_full_redraw_shows(explorer):
    assert_frame_is_a_full_redraw(explorer)
    for control in explorer.controls.values():
        if hasattr(control, "options"):
            control.index = (control.index + 1) % len(control.options)
        else:
            control.value = control.min + 0.3 * (control.max - control.min)
    assert_frame_is_a_full_redraw(explorer)


class StackExplorer(Explorer):
    """A moving line under still points and a legend, and a title that changes only past the middle."""

    def make_controls(self) -> dict[str, widgets.FloatSlider]:
        return {"a": slider("a", value=0.0, min=-1.0, max=1.0, step=0.1)}

    def draw(self, fig):
        ax = fig.subplots()
        ax.set(xlim=(-1, 1), ylim=(-1, 1))
        (line,) = ax.plot([-1, 1], [0, 0], linewidth=8, animated=True, label="line")
        ax.scatter(np.linspace(-1, 1, 9), np.zeros(9), s=200, color="black", zorder=3, label="points")
        ax.legend(loc="center")
        return line

    def update(self, art, *, a):
        art.set_ydata([-a, a])
        title = "right" if a > 0 else "left"
        if art.axes.get_title() != title:
            art.axes.set_title(title)
        return {"a": a}


def test_still_artists_stay_above_moving_ones_and_changes_to_them_are_redrawn(monkeypatch):
    explorer = StackExplorer()
    draws = []
    monkeypatch.setattr(explorer.figure.canvas, "draw", lambda draw=explorer.figure.canvas.draw: draws.append(draw()))
    for value in (-0.5, -0.2, 0.5, 0.8):
        explorer.controls["a"].value = value
        assert_frame_is_a_full_redraw(explorer)
    assert len(draws) == 1, "only the title's one change costs a full redraw"


@pytest.mark.parametrize("facecolor", ["white", (1.0, 1.0, 1.0, 0.25)])
def test_encode_png_is_lossless_and_drops_alpha_only_when_opaque(facecolor):
    figure = Figure(figsize=(2, 1.5), facecolor=facecolor)
    FigureCanvasAgg(figure)
    figure.subplots().plot([0, 1], [1, 0])
    figure.canvas.draw()
    image = Image.open(io.BytesIO(encode_png(figure.canvas)))
    assert image.mode == ("RGB" if facecolor == "white" else "RGBA")
    np.testing.assert_array_equal(np.asarray(image.convert("RGBA")), np.asarray(figure.canvas.buffer_rgba()))


def test_reduction_explorer_shows_each_reduction_and_the_gradient_torch_computes():
    from lesson_utils.explorers.start_here import PREDICTIONS, TARGETS, ReductionExplorer

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
