"""lesson_utils.surfaces: grid values and gradients equal a loop of autograd calls, and bad grids are named."""

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from lesson_utils import losses
from lesson_utils.surfaces import curve, surface

X = torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=torch.float64)
Y = torch.tensor([1.0, 3.0, 5.0, 8.0], dtype=torch.float64)


def line_mse(w, b):
    return F.mse_loss(w * X + b, Y)


def autograd_at(f, *point):
    leaves = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    value = f(*leaves)
    value.backward()
    return value.item(), [leaf.grad.item() for leaf in leaves]


def test_curve_matches_autograd_point_by_point():
    x = torch.linspace(-2, 3, 11, dtype=torch.float64)
    c = curve(lambda p: F.mse_loss(p, torch.tensor(1.0, dtype=torch.float64)), x)
    for i, xi in enumerate(x.tolist()):
        value, (grad,) = autograd_at(lambda p: F.mse_loss(p, torch.tensor(1.0, dtype=torch.float64)), xi)
        assert c.value[i].item() == pytest.approx(value)
        assert c.grad[i].item() == pytest.approx(grad)


def test_surface_matches_autograd_and_is_laid_out_rows_y_columns_x():
    w, b = torch.linspace(-1, 4, 6, dtype=torch.float64), torch.linspace(-2, 2, 5, dtype=torch.float64)
    s = surface(line_mse, w, b)
    assert s.value.shape == (5, 6)
    for i, bi in enumerate(b.tolist()):
        for j, wj in enumerate(w.tolist()):
            value, (gw, gb) = autograd_at(line_mse, wj, bi)
            assert_close(s.value[i, j].item(), value)
            assert_close(s.grad_x[i, j].item(), gw)
            assert_close(s.grad_y[i, j].item(), gb)


def test_surface_of_a_200_by_200_grid_needs_no_python_loop():
    s = surface(
        line_mse, torch.linspace(-1, 4, 200, dtype=torch.float64), torch.linspace(-2, 2, 200, dtype=torch.float64)
    )
    assert s.value.shape == s.grad_x.shape == s.grad_y.shape == (200, 200)
    assert torch.isfinite(s.value).all()


@pytest.mark.parametrize(
    ("grid", "words"),
    [([0.0, 1.0], "got list"), (torch.zeros(2, 2), r"shape \(2, 2\)"), (torch.arange(3), "dtype torch.int64")],
)
def test_bad_grids_say_what_a_grid_is(grid, words):
    with pytest.raises(TypeError, match=rf"1-D floating-point tensor.*linspace.*{words}"):
        curve(lambda p: p**2, grid)


def test_a_function_that_does_not_reduce_is_told_to():
    with pytest.raises(ValueError, match=r"one number.*shape \(4,\).*reduction='mean'"):
        curve(lambda p: F.mse_loss(p * X, Y, reduction="none"), torch.linspace(0, 1, 3, dtype=torch.float64))


def test_an_empty_grid_is_named_not_an_index_error():
    empty = torch.linspace(0, 1, 0, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"`x` is an empty grid.*at least one point"):
        curve(lambda p: p**2, empty)
    with pytest.raises(ValueError, match=r"`y` is an empty grid"):
        surface(line_mse, X, empty)


def test_validation_inside_a_loss_still_runs_over_a_grid():
    # torch raises for probabilities outside [0, 1]; the reference must too under vmap, not return NaN.
    target = torch.tensor([1.0, 0.0], dtype=torch.float64)
    grid = torch.linspace(0.0, 1.5, 4, dtype=torch.float64)  # the first point is fine, a later one is not
    for loss in (F.binary_cross_entropy, losses.binary_cross_entropy):
        with pytest.raises((RuntimeError, ValueError), match=r"between 0 and 1|in \[0, 1\]"):
            curve(lambda p, loss=loss: loss(p * torch.ones(2, dtype=torch.float64), target), grid)
    inside = curve(lambda p: losses.binary_cross_entropy(p.expand(2), target), grid[:3])
    assert torch.isfinite(inside.value).all()
