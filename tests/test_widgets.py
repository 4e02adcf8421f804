"""Every registered explorer driven headless, and the Explorer base class: what it checks and what it guarantees."""

import base64
import importlib
import io
import math
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

import lesson_utils.explorers  # noqa: F401  (registers every explorer)
from lesson_utils import widgets
from lesson_utils.frames import _Layer, _words, artists_in, encode_png
from lesson_utils.widgets import (
    EXPLORER_OUTPUT,
    REGISTRY,
    Explorer,
    Reading,
    choice,
    format_number,
    recompute_on_change,
    register,
    slider,
)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.fixture(params=sorted(REGISTRY))
def explorer(request) -> Explorer:
    return REGISTRY[request.param]()


def ends(control) -> list:
    """A slider's two ends, or every option of a choice but the current one."""
    if hasattr(control, "min"):
        return [control.min, control.max]
    return [option for option in control.options if option != control.value]


def test_every_explorer_renders_a_png_and_a_short_stable_repr(explorer):
    frame = pixels(explorer.image.value)
    assert frame.shape[0] > 100 and frame.std() > 0, "blank figure"
    bundle, metadata = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert metadata == {"image/png": {"alt": explorer.describe()}, EXPLORER_OUTPUT: type(explorer).__name__}, (
        "the stored PNG's alt text is its description, and the output names its explorer"
    )
    assert base64.b64decode(bundle["image/png"]) == explorer.image.value
    settings = ", ".join(f"{name}={control.value!r}" for name, control in explorer.controls.items())
    assert bundle["text/plain"] == f"{type(explorer).__name__}({settings})"
    assert explorer.readings and all(isinstance(r, Reading) and r.label for r in explorer.readings)


def test_every_explorer_stays_finite_and_changes_its_figure_at_the_ends_of_every_control(explorer):
    for name, control in explorer.controls.items():
        for value in ends(control):
            if value == control.value:
                continue  # setting a control to its own value fires no change
            before = explorer.image.value
            control.value = value
            assert all(np.isfinite(v) for v in explorer.shown.values()), (name, value, explorer.shown)
            assert explorer.image.value != before, f"moving {name} to {value} left the figure unchanged"
            assert pixels(explorer.image.value).std() > 0


def test_every_explorer_refuses_invalid_values_and_keeps_working(explorer):
    """Issue 8: None, NaN, infinities, out of range and wrong types are refused; the explorer is left as it was."""
    for name, control in explorer.controls.items():
        bad = [None, "nonsense", object()]
        bad += [math.nan, math.inf, control.max + 1, control.min - 1] if hasattr(control, "min") else [True, 12345]
        for value in bad:
            before = explorer.values()
            with pytest.raises(traitlets.TraitError):
                control.value = value
            with pytest.raises(traitlets.TraitError):
                type(explorer)(**{name: value})
            assert explorer.values() == before
        for value in ends(control):  # every later change still works
            control.value = value
            assert all(np.isfinite(v) for v in explorer.shown.values())


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


def test_every_explorer_is_drawn_once_and_then_only_blitted(explorer, monkeypatch):
    draws = []
    monkeypatch.setattr(explorer.figure.canvas, "draw", lambda: draws.append(1))
    for control in explorer.controls.values():
        values = np.linspace(control.min, control.max, 4).tolist() if hasattr(control, "min") else control.options
        for value in values:
            control.value = value
    assert draws == []


class StackExplorer(Explorer):
    """A moving line under still points and a legend, and a title that changes only past the middle."""

    a = slider("a", value=0.0, min=-1.0, max=1.0, step=0.1)

    def draw(self, fig):
        ax = fig.subplots()
        ax.set(xlim=(-1, 1), ylim=(-1, 1))
        (line,) = ax.plot([-1, 1], [0, 0], linewidth=8, label="line")
        ax.scatter(np.linspace(-1, 1, 9), np.zeros(9), s=200, color="black", zorder=3, label="points")
        ax.legend(loc="center")
        return line

    def update(self, art, s):
        art.set_ydata([-s.a, s.a])
        title = "right" if s.a > 0 else "left"
        if art.axes.get_title() != title:
            art.axes.set_title(title)
        return [Reading("a", "a", s.a)]


def test_still_artists_stay_above_moving_ones_and_changes_to_them_are_redrawn(monkeypatch):
    explorer = StackExplorer()
    assert explorer.art.get_animated(), "what draw returns is marked animated by the frames, not by the explorer"
    draws = []
    monkeypatch.setattr(explorer.figure.canvas, "draw", lambda draw=explorer.figure.canvas.draw: draws.append(draw()))
    for value in (-0.5, -0.2, 0.5, 0.8):
        explorer.controls["a"].value = value
        assert_frame_is_a_full_redraw(explorer)
    assert len(draws) == 1, "only the title's one change costs a full redraw"


class StampExplorer(Explorer):
    """A moving image and title that change with `b` only, and a moving line that changes with `a`."""

    a = slider("a", value=0.0, min=-1.0, max=1.0, step=0.1)
    b = slider("b", value=0.0, min=0.0, max=1.0, step=0.5)

    def draw(self, fig):
        ax = fig.subplots()
        image = ax.imshow(np.zeros((4, 4)), extent=(-1, 1, -1, 1), vmin=0, vmax=1, alpha=0.8)
        (line,) = ax.plot([-1, 1], [0, 0], linewidth=4)
        return {"image": image, "title": ax.set_title(""), "line": line}

    @recompute_on_change
    def show_b(self, b):
        self.art["image"].set_data(np.full((4, 4), b))
        self.art["title"].set_text(f"b = {b}")

    def update(self, art, s):
        self.show_b(s.b)
        art["line"].set_ydata([-s.a, s.a])
        return [Reading("a", "a", s.a)]


def test_moving_text_and_images_that_did_not_change_are_painted_from_stamps_as_a_full_redraw_shows_them(monkeypatch):
    explorer = StampExplorer()
    image, title = explorer.art["image"], explorer.art["title"]
    draws = []
    for artist in (image, title):
        monkeypatch.setattr(artist, "draw", lambda renderer, draw=artist.draw: draws.append(draw(renderer)))
    for a in (0.1, 0.2, 0.3):  # the first frame draws them once more, alone, as stamps; later frames paint those
        explorer.a = a
        assert_frame_is_a_full_redraw(explorer)
    assert len(draws) == 2
    explorer.b = 0.5  # they changed: drawn into the frame, then stamped again once they stay
    assert_frame_is_a_full_redraw(explorer)
    explorer.a = 0.4
    explorer.a = 0.5
    assert_frame_is_a_full_redraw(explorer)
    assert len(draws) == 6


def test_a_still_layer_blends_exactly_as_agg_blends_plain_rgba():
    """Agg's integer blend (the formula _Layer followed before it computed in float64) on every coverage."""
    figure = Figure(figsize=(1, 1), dpi=100)
    FigureCanvasAgg(figure)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    ink, under = np.random.default_rng(0).integers(0, 256, (2, 10_000, 4), dtype=np.int64)
    ink[:, 3] = np.arange(10_000) % 254 + 1  # every translucent coverage
    renderer.clear()
    _words(renderer)[: len(ink)] = ink.astype(np.uint8).view(np.uint32).reshape(-1)
    layer = _Layer(renderer)
    words = under.astype(np.uint8).view(np.uint32).reshape(-1).copy()
    layer.paint(words)
    alpha, under_alpha = ink[:, 3:], under[:, 3:]
    under_color = under[:, :3] * under_alpha
    out_alpha = ((alpha + under_alpha) << 8) - alpha * under_alpha
    color = (((ink[:, :3] << 8) - under_color) * alpha + (under_color << 8)) // out_alpha
    expected = np.hstack([color, out_alpha >> 8]).astype(np.uint8)
    np.testing.assert_array_equal(words.view(np.uint8).reshape(-1, 4), expected)


def test_the_readout_shows_labels_and_code_reads_names():
    explorer = StackExplorer(a=-0.5)
    assert explorer.shown == {"a": -0.5}
    assert explorer.readout.value == f"a = <b>{format_number(-0.5)}</b>"
    explorer.a = 0.3  # a control reads and sets as an attribute too
    assert explorer.a == 0.3 and explorer.controls["a"].value == 0.3 and explorer.shown == {"a": 0.3}


def test_a_slider_takes_its_ends_with_rounding_and_refuses_past_them_with_a_clear_error():
    explorer = StackExplorer()
    explorer.a = 1.0000000000000002  # -1 + 20 * 0.1, as a browser may step there
    assert explorer.a == 1.0
    with pytest.raises(traitlets.TraitError, match=r"'a' takes a number from -1 to 1; got 1.01"):
        explorer.a = 1.01
    assert explorer.a == 1.0


def test_unknown_control_names_list_the_real_ones():
    with pytest.raises(TypeError, match=r"no control named 'slope'.*'a'"):
        StackExplorer(slope=1.0)


def test_an_old_style_update_is_refused_when_the_class_is_defined():
    with pytest.raises(TypeError, match=r"update must be `def update\(self, art, s\)`.*reads s\.w"):

        class OldStyle(Explorer):
            w = slider("w", value=0.0, min=-1.0, max=1.0, step=0.1)

            def update(self, art, *, w):
                return []


def test_old_style_make_controls_is_refused_when_the_class_is_defined():
    with pytest.raises(TypeError, match=r"declare each control as a class attribute"):

        class OldControls(Explorer):
            def make_controls(self):
                return {}


@pytest.mark.parametrize("name", ["title", "figure", "values"])
def test_a_control_may_not_take_a_name_the_base_class_uses(name):
    with pytest.raises(TypeError, match=rf"may not be named '{name}'.*Rename the control"):
        type("Clash", (Explorer,), {name: slider(name, value=0.0, min=-1.0, max=1.0, step=0.1)})


def test_construction_order_does_not_matter():
    """The figure is drawn after every __init__ ran, so a subclass may set its state after super().__init__."""

    class Scaled(StackExplorer):
        def __init__(self, *, scale: float = 2.0, **values):
            super().__init__(**values)
            self.scale = scale

        def update(self, art, s):
            return [Reading("scaled", "a times the scale", self.scale * s.a)]

    assert Scaled(a=0.5, scale=3.0).shown == {"scaled": 1.5}


def test_controls_are_inherited_in_order_and_settings_are_frozen():
    class More(StackExplorer):
        b = choice("b", ["x", "y"], value="y")

        def update(self, art, s):
            with pytest.raises(AttributeError):
                s.a = 1.0
            return [Reading("a", "a", s.a), Reading("b_is_y", "b is y", s.b == "y")]

    explorer = More(b="x")
    assert list(explorer.controls) == ["a", "b"] and explorer.shown == {"a": 0.0, "b_is_y": 0.0}
    assert repr(explorer) == "More(a=0.0, b='x')"


@pytest.mark.parametrize(
    ("readings", "error"),
    [
        ({"a": 1.0}, r"must return a list of Reading\(name, label, value\)"),
        ([Reading("a", "a", 1.0), Reading("a", "again", 2.0)], r"named \['a'\] more than once"),
    ],
)
def test_update_must_return_readings_with_distinct_names(readings, error):
    class Bad(StackExplorer):
        def update(self, art, s):
            return readings

    with pytest.raises((TypeError, ValueError), match=error):
        Bad()


def test_draw_returns_only_artists():
    figure = Figure()
    line = figure.subplots().plot([0, 1])[0]
    assert artists_in({"lines": [line], "none": None}) == [line]
    with pytest.raises(TypeError, match=r"art\['n'\] is a int: what draw returns holds only the artists that move"):
        artists_in({"n": 3})


def test_recompute_on_change_runs_again_only_for_new_arguments():
    calls = []

    class Counted(StackExplorer):
        @recompute_on_change
        def curve(self, a: float, *, power: int = 2) -> list:
            calls.append((a, power))
            return [a**power]

        def update(self, art, s):
            return [Reading("square", "a squared", self.curve(round(s.a))[0])]

    explorer = Counted()
    for value in (0.1, 0.2, 0.3, 0.8, 0.9):
        explorer.a = value
    assert calls == [(0, 2), (1, 2)]
    assert explorer.curve(1) is explorer.curve(1) and explorer.curve(1, power=3) == [1]
    assert calls[-1] == (1, 3)


def test_register_refuses_a_name_already_taken_but_not_the_same_class_or_a_reload(monkeypatch, tmp_path):
    monkeypatch.setattr(widgets, "REGISTRY", {})
    assert register(StackExplorer) is StackExplorer
    assert register(StackExplorer) is StackExplorer  # the same class again: harmless

    class StackExplorer2(StackExplorer):
        pass

    StackExplorer2.__name__ = "StackExplorer"
    with pytest.raises(ValueError, match=r"'StackExplorer' is already registered, from tests.test_widgets; rename"):
        register(StackExplorer2)
    assert widgets.REGISTRY == {"StackExplorer": StackExplorer}

    module = tmp_path / "reloaded_explorer.py"
    module.write_text(
        textwrap.dedent(
            """
            from lesson_utils.widgets import Explorer, Reading, register, slider

            @register
            class ReloadedExplorer(Explorer):
                a = slider("a", value=0.0, min=-1.0, max=1.0, step=0.1)

                def draw(self, fig):
                    return fig.subplots().plot([0, 1])[0]

                def update(self, art, s):
                    return [Reading("a", "a", s.a)]
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    first = importlib.import_module("reloaded_explorer").ReloadedExplorer
    second = importlib.reload(sys.modules["reloaded_explorer"]).ReloadedExplorer  # autoreload does the same
    assert second is not first and widgets.REGISTRY["ReloadedExplorer"] is second
    monkeypatch.delitem(sys.modules, "reloaded_explorer")


def test_register_refuses_an_explorer_without_controls():
    class Empty(Explorer):
        pass

    with pytest.raises(TypeError, match="declares no controls"):
        register(Empty)


def test_format_number_words_for_non_finite():
    assert format_number(float("nan")) == "undefined"
    assert format_number(-1.23456) == "\u22121.235"
    assert format_number(float("inf")) == "\u221e"


@pytest.mark.parametrize("facecolor", ["white", (1.0, 1.0, 1.0, 0.25)])
def test_encode_png_is_lossless_and_drops_alpha_only_when_opaque(facecolor):
    figure = Figure(figsize=(2, 1.5), facecolor=facecolor)
    FigureCanvasAgg(figure)
    figure.subplots().plot([0, 1], [1, 0])
    figure.canvas.draw()
    image = Image.open(io.BytesIO(encode_png(figure.canvas)))
    assert image.mode == ("RGB" if facecolor == "white" else "RGBA")
    np.testing.assert_array_equal(np.asarray(image.convert("RGBA")), np.asarray(figure.canvas.buffer_rgba()))


def test_the_anatomy_docs_example_explorer_works(monkeypatch):
    """The example a lesson author copies from docs/lesson-anatomy.md registers, runs and blits exactly."""
    doc = (Path(__file__).parent.parent / "docs" / "lesson-anatomy.md").read_text()
    (code,) = re.findall(r"## Writing an explorer.*?```python\n(.*?)```", doc, re.DOTALL)
    monkeypatch.setattr(widgets, "REGISTRY", {})
    namespace = {"__name__": "anatomy_example"}
    exec(compile(code, "lesson-anatomy.md", "exec"), namespace)
    explorer = widgets.REGISTRY["SquaredErrorExplorer"](target=1.5)
    assert explorer.shown == pytest.approx({"loss": 0.25, "grad": 1.0})
    explorer.prediction = -3.0
    assert explorer.shown == pytest.approx({"loss": 20.25, "grad": -9.0})
    assert_frame_is_a_full_redraw(explorer)
