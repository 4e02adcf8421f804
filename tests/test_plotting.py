"""lesson_utils.plotting: each helper draws on the Axes it is given and returns what it drew."""

import base64

import matplotlib as mpl
import numpy as np
import pytest
import torch
from matplotlib.collections import LineCollection
from matplotlib.image import AxesImage
from matplotlib.quiver import Quiver

from lesson_utils.plotting import (
    SIGNED_CMAP,
    SURFACE_CMAP,
    described,
    new_figure,
    plot_curve,
    plot_fit,
    plot_gradient,
    plot_gradient_field,
    plot_signed,
    plot_surface,
    update_fit,
)
from lesson_utils.surfaces import curve, surface


def test_new_figure_uses_no_pyplot_state():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig, axes = new_figure(ncols=2)
    assert len(axes) == 2 and axes[0].figure is fig
    assert plt.get_fignums() == before


def test_a_described_figure_shows_its_png_with_the_alt_text_in_its_metadata():
    fig, (ax,) = new_figure()
    ax.plot([0, 1], [0, 1])
    bundle, metadata = described(fig, alt="A line from (0, 0)\n  to (1, 1).")._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert metadata == {"image/png": {"alt": "A line from (0, 0) to (1, 1)."}}, "whitespace folded, as HTML shows it"
    assert bundle["text/plain"] == "A line from (0, 0) to (1, 1).", "strict nbval compares the alt text"


@pytest.mark.parametrize(("fig", "alt", "error"), [(None, "A line.", TypeError), ("figure", "", ValueError)])
def test_described_refuses_a_missing_figure_or_alt_text(fig, alt, error):
    figure, _ = new_figure()
    with pytest.raises(error, match="described: "):
        described(figure if fig == "figure" else fig, alt=alt)


def test_new_figure_takes_a_display_resolution():
    default, _ = new_figure()
    light, _ = new_figure(figsize=(8.0, 3.0), dpi=72)
    assert light.dpi == 72 and default.dpi == mpl.rcParams["figure.dpi"]
    assert tuple(light.get_size_inches()) == (8.0, 3.0)


def test_curve_and_gradient_plot_the_computed_values():
    c = curve(lambda p: (p - 1) ** 2, torch.linspace(-2, 3, 21))
    _, (ax,) = new_figure()
    (line,) = plot_curve(ax, c)
    zero, grad_line = plot_gradient(ax, c)
    np.testing.assert_allclose(line.get_ydata(), c.value.numpy())
    np.testing.assert_allclose(grad_line.get_ydata(), c.grad.numpy())
    assert zero.get_ydata()[0] == 0


def test_surface_heatmap_and_descent_arrows():
    s = surface(lambda x, y: x**2 + 4 * y**2, torch.linspace(-2, 2, 25), torch.linspace(-1, 1, 25))
    _, (ax,) = new_figure()
    image, _ = plot_surface(ax, s)
    assert isinstance(image, AxesImage) and image.get_cmap().name == SURFACE_CMAP
    np.testing.assert_allclose(image.get_array(), s.value.numpy())
    arrows = plot_gradient_field(ax, s, every=6)
    assert isinstance(arrows, Quiver)
    u, v = arrows.U.reshape(5, 5), arrows.V.reshape(5, 5)
    # row 2 is y = 0, column 4 is x = 2: descent points toward -x, with no y component
    assert u[2, 4] == -1 and abs(v[2, 4]) < 1e-6


def test_signed_map_is_centred_at_zero():
    _, (ax,) = new_figure()
    image = plot_signed(ax, torch.tensor([[-1.0, 3.0]]))
    assert image.get_cmap().name == SIGNED_CMAP
    assert image.norm.vcenter == 0


def test_fit_draws_points_line_residuals_and_moves_them_in_place():
    x, y = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([1.0, 2.0, 5.0])
    _, (ax,) = new_figure()
    ax.set_xlim(0, 2)
    art = plot_fit(ax, x, y, slope=2.0, intercept=0.0)
    assert isinstance(art.residuals, LineCollection)
    np.testing.assert_allclose(art.line.get_ydata(), [0.0, 4.0])
    update_fit(art, x, y, slope=1.0, intercept=1.0)
    np.testing.assert_allclose(art.line.get_ydata(), [1.0, 3.0])
    ends = [seg[1][1] for seg in art.residuals.get_segments()]
    np.testing.assert_allclose(ends, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("every", [0, -2, 1.5, None])
def test_gradient_field_refuses_a_step_that_draws_nothing(every):
    s = surface(lambda x, y: x**2 + y**2, torch.linspace(-1, 1, 5), torch.linspace(-1, 1, 5))
    _, (ax,) = new_figure()
    with pytest.raises(ValueError, match=r"every must be a whole number >= 1.*got"):
        plot_gradient_field(ax, s, every=every)
