"""lesson_utils.losses huber_loss and smooth_l1_loss against torch.nn.functional: values, gradients, errors."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.func import grad, hessian, jacfwd, jacrev, vmap
from torch.testing import assert_close

from lesson_utils.losses import huber_loss, smooth_l1_loss
from tests.regression import (
    REDUCTIONS,
    VALUES,
    assert_bitwise,
    assert_same,
    broadcast_pair,
    grads_at,
    shapes,
    tensor_of,
)

FEW = settings(max_examples=40)
KNEES = st.one_of(st.sampled_from([1.0, 0.5, 2.0, 1e-3, 1e3, math.inf]), st.floats(0.01, 10))


PAIRS = broadcast_pair(st.one_of(VALUES, st.just(math.nan)))


@FEW
@given(PAIRS, st.sampled_from(REDUCTIONS), st.one_of(KNEES, st.just(0.0)))
def test_smooth_l1_value_gradients_and_dtype_match_torch(case, reduction, beta):
    assert_same(smooth_l1_loss, F.smooth_l1_loss, *case, reduction=reduction, beta=beta)


@FEW
@given(PAIRS, st.sampled_from(REDUCTIONS), KNEES, st.booleans())
def test_huber_value_gradients_and_dtype_match_torch(case, reduction, delta, weighted):
    x, y = case
    weight = torch.rand(x.shape, generator=torch.Generator().manual_seed(1)).to(x.dtype) if weighted else None
    # torch's huber backward fails when target's dtype is not input's ("Found dtype ... but expected ..."):
    # there only the values are compared.
    needs_grad = [x.dtype == y.dtype] * 2
    assert_same(huber_loss, F.huber_loss, x, y, reduction=reduction, delta=delta, weight=weight, needs_grad=needs_grad)


@FEW
@given(st.data(), st.sampled_from(REDUCTIONS), KNEES.filter(math.isfinite))
def test_huber_is_delta_times_smooth_l1_with_beta_delta(data, reduction, delta):
    shape = data.draw(shapes())
    x = tensor_of(data.draw, shape, st.floats(-1e3, 1e3), torch.float64).requires_grad_()
    y = tensor_of(data.draw, shape, st.floats(-1e3, 1e3), torch.float64)
    huber = huber_loss(x, y, reduction=reduction, delta=delta)
    scaled = delta * smooth_l1_loss(x, y, reduction=reduction, beta=delta)
    assert_close(huber, scaled, equal_nan=True)
    if x.numel():
        assert_close(torch.autograd.grad(huber.sum(), x)[0], torch.autograd.grad(scaled.sum(), x)[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "other"), [((), ()), ((5,), (5,)), ((4, 3), (4, 3)), ((2, 3, 4), (4,))])
@pytest.mark.filterwarnings("ignore:huber_loss", "ignore:smooth_l1_loss")
def test_gradcheck_and_gradgradcheck(reduction, shape, other):
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(shape, generator=g, dtype=torch.float64) * 2).requires_grad_()
    y = torch.randn(other, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.rand(shape, generator=g, dtype=torch.float64, requires_grad=True)
    for loss in (
        lambda a, b: smooth_l1_loss(a, b, reduction=reduction, beta=0.7),
        lambda a, b: huber_loss(a, b, reduction=reduction, delta=0.7),
    ):
        assert torch.autograd.gradcheck(loss, (x, y))
        assert torch.autograd.gradgradcheck(loss, (x, y))
    assert torch.autograd.gradcheck(lambda a, b, c: huber_loss(a, b, reduction=reduction, weight=c), (x, y, w))


EDGES = torch.tensor([-math.inf, -3.0, -1.5, -0.75, 0.0, -0.0, 0.75, 1.5, 3.0, math.inf, math.nan], dtype=torch.float64)


@pytest.mark.parametrize("knee", [1.5, 0.75, 1.0])
def test_gradients_at_the_knee_zero_inf_and_nan_equal_torchs_to_the_last_bit(knee):
    y = torch.zeros_like(EDGES)
    for ours, theirs in (
        (grads_at(smooth_l1_loss, EDGES, y, beta=knee), grads_at(F.smooth_l1_loss, EDGES, y, beta=knee)),
        (grads_at(huber_loss, EDGES, y, delta=knee), grads_at(F.huber_loss, EDGES, y, delta=knee)),
    ):
        for mine, torchs in zip(ours, theirs, strict=True):
            assert_bitwise(mine, torchs)
    assert_bitwise(
        smooth_l1_loss(EDGES, y, beta=knee, reduction="none"), F.smooth_l1_loss(EDGES, y, beta=knee, reduction="none")
    )
    assert_bitwise(
        huber_loss(EDGES, y, delta=knee, reduction="none"), F.huber_loss(EDGES, y, delta=knee, reduction="none")
    )


def test_beta_zero_is_l1_with_its_gradient_and_integer_sums():
    y = torch.zeros_like(EDGES)
    for ours, theirs in zip(grads_at(smooth_l1_loss, EDGES, y, beta=0.0), grads_at(F.l1_loss, EDGES, y), strict=True):
        assert_bitwise(ours, theirs)
    ints = torch.tensor([1, 5]), torch.tensor([3, 2])
    assert_bitwise(smooth_l1_loss(*ints, beta=0.0, reduction="sum"), F.smooth_l1_loss(*ints, beta=0.0, reduction="sum"))


def test_huber_keeps_the_inputs_dtype_where_smooth_l1_promotes():
    x, y = torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0], dtype=torch.float64)
    assert huber_loss(x, y).dtype == F.huber_loss(x, y).dtype == torch.float32
    assert smooth_l1_loss(x, y).dtype == F.smooth_l1_loss(x, y).dtype == torch.float64
    assert_same(huber_loss, F.huber_loss, x.half(), y, needs_grad=[False, False])
    assert_same(smooth_l1_loss, F.smooth_l1_loss, x, torch.tensor(2.0, dtype=torch.float64))


def test_weighted_huber_mean_divides_by_n_not_by_the_weights():
    x, y, w = torch.tensor([1.0, 4.0]), torch.tensor([0.0, 0.0]), torch.tensor([1.0, 3.0])
    expected = torch.tensor((0.5 * 1 + 3 * 3.5) / 2)
    assert_close(huber_loss(x, y, weight=w), expected)
    assert_close(F.huber_loss(x, y, weight=w), expected)


def test_empty_inputs_like_torch():
    e = torch.empty(2, 0)
    for reduction in REDUCTIONS:
        assert_same(smooth_l1_loss, F.smooth_l1_loss, e, e, reduction=reduction)
        assert_same(huber_loss, F.huber_loss, e, e, reduction=reduction)
        assert_same(huber_loss, F.huber_loss, e, e, reduction=reduction, weight=e)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16, torch.float64])
def test_autocast_like_torch(dtype):
    x, y = torch.tensor([1.5, -2.0, 0.25]).to(dtype), torch.tensor([1.0, 0.0, 3.0]).to(dtype)
    w = torch.tensor([1.0, 2.0, 0.5]).to(dtype)
    with torch.autocast("cpu"):
        assert_same(smooth_l1_loss, F.smooth_l1_loss, x, y, beta=0.5)
        assert_same(huber_loss, F.huber_loss, x, y, delta=0.5)
        assert_same(huber_loss, F.huber_loss, x, y, weight=w)


def test_torch_func_transforms_match_torch():
    x = torch.linspace(-3, 3, 13, dtype=torch.float64)
    y = torch.linspace(1, -1, 13, dtype=torch.float64)
    for ours, theirs in (
        (lambda a, b: smooth_l1_loss(a, b, beta=0.5), lambda a, b: F.smooth_l1_loss(a, b, beta=0.5)),
        (lambda a, b: huber_loss(a, b, delta=0.5), lambda a, b: F.huber_loss(a, b, delta=0.5)),
    ):
        assert_close(vmap(ours)(x, y), vmap(theirs)(x, y))
        assert_close(vmap(grad(ours))(x, y), vmap(grad(theirs))(x, y))
        for transform in (grad, jacfwd, jacrev, hessian):
            assert_close(transform(ours)(x, y), transform(theirs)(x, y))


X, Y = torch.tensor([0.2, 0.9]), torch.tensor([0.0, 1.0])
SMOOTH_REJECTS = [
    ("input not a tensor", lambda f: f([0.2, 0.9], Y), TypeError, r"`input` must be a torch.Tensor, got list"),
    ("bad reduction", lambda f: f(X, Y, reduction="avg"), ValueError, r"got 'avg'"),
    ("shapes", lambda f: f(X, torch.ones(3)), ValueError, r"shape \(2,\).*shape \(3,\).*view_as"),
    ("negative beta", lambda f: f(X, Y, beta=-1.0), ValueError, r"beta must be 0 or more, got -1.0.*beta=1.0"),
    ("nan beta", lambda f: f(X, Y, beta=math.nan), ValueError, r"beta must be 0 or more, got nan"),
    ("integers", lambda f: f(torch.tensor([1]), torch.tensor([2])), TypeError, r"floating point.*input.float\(\)"),
    ("complex", lambda f: f(X.to(torch.complex64), Y), TypeError, r"complex64.*\.real"),
]
HUBER_REJECTS = [
    ("input not a tensor", lambda f: f([0.2, 0.9], Y), TypeError, r"`input` must be a torch.Tensor, got list"),
    ("bad reduction", lambda f: f(X, Y, reduction="avg"), ValueError, r"got 'avg'"),
    ("weighted bad reduction", lambda f: f(X, Y, reduction="avg", weight=X), ValueError, r"got 'avg'"),
    ("shapes", lambda f: f(X, torch.ones(3)), ValueError, r"shape \(2,\).*shape \(3,\).*view_as"),
    ("zero delta", lambda f: f(X, Y, delta=0.0), ValueError, r"delta must be more than 0, got 0.0"),
    ("negative delta", lambda f: f(X, Y, delta=-2.0), ValueError, r"delta must be more than 0"),
    ("nan delta", lambda f: f(X, Y, delta=math.nan), ValueError, r"got nan"),
    ("integers", lambda f: f(torch.tensor([1]), torch.tensor([2])), TypeError, r"floating point"),
    ("integer input", lambda f: f(torch.tensor([1, 2]), Y), TypeError, r"input must be floating point.*input.float"),
    ("complex", lambda f: f(X.to(torch.complex64), Y), TypeError, r"\.real"),
    ("weight shape", lambda f: f(X, Y, weight=torch.ones(3)), ValueError, r"weight must have the shape of input"),
]


@pytest.mark.parametrize(("name", "call", "error", "words"), SMOOTH_REJECTS, ids=[r[0] for r in SMOOTH_REJECTS])
@pytest.mark.filterwarnings("ignore:Using a target size")
def test_smooth_l1_rejects_what_torch_rejects_and_names_the_fix(name, call, error, words):
    with pytest.raises((RuntimeError, ValueError, TypeError, AttributeError, NotImplementedError)):
        call(F.smooth_l1_loss)
    with pytest.raises(error, match=words):
        call(smooth_l1_loss)


@pytest.mark.parametrize(("name", "call", "error", "words"), HUBER_REJECTS, ids=[r[0] for r in HUBER_REJECTS])
@pytest.mark.filterwarnings("ignore:Using a target size")
def test_huber_rejects_what_torch_rejects_and_names_the_fix(name, call, error, words):
    with pytest.raises((RuntimeError, ValueError, TypeError, AttributeError, NotImplementedError)):
        call(F.huber_loss)
    with pytest.raises(error, match=words):
        call(huber_loss)


def test_knees_may_be_0_d_tensors_like_torch_and_options_are_keyword_only():
    assert_close(smooth_l1_loss(X, Y, beta=torch.tensor(0.5)), F.smooth_l1_loss(X, Y, beta=torch.tensor(0.5)))
    with pytest.raises(TypeError):
        huber_loss(X, Y, "sum")
    with pytest.raises(ValueError, match=r"'elementwise_mean' is the deprecated spelling"):
        smooth_l1_loss(X, Y, reduction="elementwise_mean")
