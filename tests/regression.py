"""Shared by the regression-loss reference tests: tensors drawn by hypothesis and a value-and-gradients oracle."""

import math
import warnings

import torch
from hypothesis import strategies as st
from torch.testing import assert_close

REDUCTIONS = ["none", "mean", "sum"]
FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
INF = math.inf
#: Ordinary values and the extremes: zeros, huge, infinite (NaN is drawn separately where torch defines it).
VALUES = st.one_of(st.floats(-10, 10), st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e30, -1e30, INF, -INF]))


@st.composite
def shapes(draw, max_dims=3):
    return tuple(draw(st.lists(st.integers(0, 3), min_size=0, max_size=max_dims)))


@st.composite
def broadcast_partner(draw, shape):
    """A shape that broadcasts with ``shape``: equal, or some leading dims dropped and some dims set to 1."""
    kept = draw(st.integers(0, len(shape)))
    return tuple(draw(st.sampled_from([d, 1])) for d in shape[len(shape) - kept :])


@st.composite
def broadcast_pair(draw, values):
    """Two tensors of ``values`` whose shapes broadcast (either may be the smaller), each of some float dtype."""
    shape = draw(shapes())
    other = draw(broadcast_partner(shape))
    if draw(st.booleans()):
        shape, other = other, shape
    return tuple(tensor_of(draw, s, values, draw(st.sampled_from(FLOATS))) for s in (shape, other))


def tensor_of(draw, shape, elements, dtype):
    values = draw(st.lists(elements, min_size=math.prod(shape), max_size=math.prod(shape)))
    return torch.tensor(values, dtype=torch.float64).reshape(shape).to(dtype)


def value_and_grads(fn, *tensors, needs_grad=None, **kwargs):
    """fn's value and its gradients with respect to every floating-point tensor (None for the others).

    ``needs_grad`` (one bool per tensor) leaves some tensors out, where torch itself cannot differentiate.
    """
    needs_grad = needs_grad or [True] * len(tensors)
    leaves = [t.clone().requires_grad_(t.is_floating_point() and n) for t, n in zip(tensors, needs_grad, strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = fn(*leaves, **kwargs)
    if value.requires_grad:
        value.sum().backward()
    return (value.detach(), *(t.grad for t in leaves))


def assert_same(fn, reference, *tensors, **kwargs):
    """Value, dtype and gradients of fn equal reference's (``needs_grad`` as in value_and_grads)."""
    ours, theirs = value_and_grads(fn, *tensors, **kwargs), value_and_grads(reference, *tensors, **kwargs)
    assert ours[0].dtype == theirs[0].dtype, (ours[0].dtype, theirs[0].dtype)
    for mine, torchs in zip(ours, theirs, strict=True):
        assert_close(mine, torchs, equal_nan=True)


def assert_bitwise(ours, theirs):
    """Equal to the last bit (NaN equal to NaN, -0 equal to 0)."""
    assert ours.dtype == theirs.dtype
    assert torch.equal(torch.nan_to_num(ours, nan=7.0), torch.nan_to_num(theirs, nan=7.0)), (ours, theirs)


def grads_at(fn, x, y, **kwargs):
    """d/dx and d/dy of fn(x, y, reduction='sum', **kwargs), in float64."""
    return value_and_grads(fn, x, y, reduction="sum", **kwargs)[1:]
