"""A loss and its gradient over 1-D and 2-D grids: vectorised with vmap, differentiated by plain autograd.

No Python loop over points: ``torch.vmap`` evaluates f at every point at once, and one backward pass of autograd
gives every point's gradient. ``torch.func.grad`` would give the same numbers, but its first call imports dynamo
and sympy: about 65 MB more in every lesson kernel, and 1 to 3 s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class Curve:
    """f and df/dx at every point of a 1-D grid ``x``."""

    x: Tensor
    value: Tensor
    grad: Tensor


@dataclass(frozen=True)
class Surface:
    """f and its gradient on the grid ``x`` (columns) by ``y`` (rows); value[i, j] = f(x[j], y[i])."""

    x: Tensor
    y: Tensor
    value: Tensor
    grad_x: Tensor
    grad_y: Tensor


def _check_grid(name: str, grid: object) -> Tensor:
    if not isinstance(grid, Tensor) or grid.ndim != 1 or not torch.is_floating_point(grid):
        raise TypeError(
            f"`{name}` must be a 1-D floating-point tensor of grid points, e.g. torch.linspace(-3, 3, 101); "
            f"got {type(grid).__name__}"
            + (f" with shape {tuple(grid.shape)} and dtype {grid.dtype}" if isinstance(grid, Tensor) else "")
        )
    if grid.numel() == 0:
        raise ValueError(
            f"`{name}` is an empty grid: there is no point to evaluate the function at. Give at least one point, "
            "e.g. torch.linspace(-3, 3, 101) (check the start, end and number of points of your linspace)."
        )
    return grid


def _check_scalar(f: Callable[..., Tensor], *points: Tensor) -> None:
    probe = f(*(p[0] for p in points))
    if not isinstance(probe, Tensor) or probe.ndim != 0:
        raise ValueError(
            "the function must return one number (a 0-D tensor) per grid point, got "
            + (f"shape {tuple(probe.shape)}" if isinstance(probe, Tensor) else type(probe).__name__)
            + ". Reduce it inside the function, e.g. with reduction='mean'."
        )


def _values_and_grads(f: Callable[..., Tensor], *points: Tensor) -> tuple[Tensor, tuple[Tensor, ...]]:
    """f at every point (one 1-D tensor per argument) and its partial derivatives there, all detached."""
    with torch.enable_grad():
        leaves = [p.detach().requires_grad_() for p in points]
        value = torch.vmap(f)(*leaves)
        if not value.requires_grad:  # f does not depend on its arguments through autograd: a flat function
            return value.detach(), tuple(torch.zeros_like(p) for p in points)
        # Each value depends on its own point only, so the gradient of the sum is every point's gradient. (A sum,
        # not grad_outputs: torch imports sympy, about 35 MB, to check the shape of explicit grad_outputs.)
        grads = torch.autograd.grad(value.sum(), leaves, allow_unused=True, materialize_grads=True)
    return value.detach(), grads


def curve(f: Callable[[Tensor], Tensor], x: Tensor) -> Curve:
    """Evaluate a scalar function f(x) and df/dx at every point of the 1-D grid ``x``."""
    _check_grid("x", x)
    _check_scalar(f, x)
    value, (grad,) = _values_and_grads(f, x)
    return Curve(x=x, value=value, grad=grad)


def surface(f: Callable[[Tensor, Tensor], Tensor], x: Tensor, y: Tensor) -> Surface:
    """Evaluate a scalar function f(x, y) and (df/dx, df/dy) at every point of the grid x by y."""
    _check_grid("x", x)
    _check_grid("y", y)
    _check_scalar(f, x, y)
    xx, yy = torch.meshgrid(x, y, indexing="xy")
    value, (gx, gy) = _values_and_grads(f, xx.reshape(-1), yy.reshape(-1))
    shape = xx.shape
    return Surface(
        x=x,
        y=y,
        value=value.reshape(shape),
        grad_x=gx.reshape(shape),
        grad_y=gy.reshape(shape),
    )
