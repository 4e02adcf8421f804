"""lesson_utils.losses.gaussian_nll_loss against torch.nn.functional.gaussian_nll_loss."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.func import grad, hessian, jacfwd, jacrev, vmap
from torch.testing import assert_close

from lesson_utils.losses import gaussian_nll_loss
from tests.regression import FLOATS, REDUCTIONS, assert_bitwise, assert_same, shapes, tensor_of

FEW = settings(max_examples=40)
VARIANCES = st.one_of(st.floats(0, 10), st.sampled_from([0.0, 1e-7, 1e-6, 1e-5, 1e30, math.inf]))


@st.composite
def var_shape(draw, shape):
    """Every shape of var torch accepts for input ``shape``: equal, input's without its last dim, one dim set to 1."""
    options = [shape]
    if shape:
        options.append(shape[:-1])
        options += [(*shape[:k], 1, *shape[k + 1 :]) for k in range(len(shape)) if shape[k] != 1]
    return draw(st.sampled_from(options))


@FEW
@given(st.data(), st.sampled_from(REDUCTIONS), st.booleans(), st.sampled_from([1e-6, 1e-3, 0.0]))
def test_value_gradients_and_dtype_match_torch(data, reduction, full, eps):
    shape = data.draw(shapes())
    x = tensor_of(data.draw, shape, st.floats(-1e3, 1e3), data.draw(st.sampled_from(FLOATS)))
    y = tensor_of(data.draw, shape, st.floats(-1e3, 1e3), data.draw(st.sampled_from(FLOATS)))
    v = tensor_of(data.draw, data.draw(var_shape(shape)), VARIANCES, data.draw(st.sampled_from(FLOATS)))
    assert_same(gaussian_nll_loss, F.gaussian_nll_loss, x, y, v, full=full, eps=eps, reduction=reduction)


@pytest.mark.parametrize("var", [0.5, 0.0, 1e-9])
def test_a_float_var_like_torch(var):
    x, y = torch.tensor([[0.5, 1.0], [2.0, -1.0]]), torch.zeros(2, 2)
    assert_same(lambda a, b: gaussian_nll_loss(a, b, var), lambda a, b: F.gaussian_nll_loss(a, b, var), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "vshape"), [((), ()), ((5,), (5,)), ((5,), ()), ((4, 3), (4,)), ((4, 3), (1, 3))])
def test_gradcheck_and_gradgradcheck(reduction, shape, vshape):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
    v = (torch.rand(vshape, generator=g, dtype=torch.float64) + 0.1).requires_grad_()
    loss = lambda a, b, c: gaussian_nll_loss(a, b, c, reduction=reduction, full=True)  # noqa: E731
    assert torch.autograd.gradcheck(loss, (x, y, v))
    assert torch.autograd.gradgradcheck(loss, (x, y, v))


def test_below_eps_the_variance_gradient_passes_straight_through_backward_and_is_zero_forward():
    v = torch.tensor([0.0, 1e-7, 1e-6, 1e-5, 1.0], dtype=torch.float64)
    x, y = torch.zeros(5, dtype=torch.float64), torch.full((5,), 2e-3, dtype=torch.float64)
    for ours, theirs in zip(
        assert_same_and_return(x, y, v), assert_same_and_return(x, y, v, loss=F.gaussian_nll_loss), strict=True
    ):
        assert_bitwise(ours, theirs)

    def f(loss):
        return lambda t: loss(x, y, t, reduction="sum")

    backward = jacrev(f(gaussian_nll_loss))(v)
    forward = jacfwd(f(gaussian_nll_loss))(v)
    at_eps = 0.5 * (1 / 1e-6 - 4e-6 / 1e-12)
    assert backward[:3].tolist() == [at_eps] * 3  # the gradient at eps, also where var < eps: the clamp is invisible
    assert forward[:2].tolist() == [0.0, 0.0]  # forward mode sees the in-place clamp
    assert_bitwise(backward, jacrev(f(F.gaussian_nll_loss))(v))
    assert_bitwise(forward, jacfwd(f(F.gaussian_nll_loss))(v))
    assert_bitwise(hessian(f(gaussian_nll_loss))(v), hessian(f(F.gaussian_nll_loss))(v))


def assert_same_and_return(x, y, v, loss=gaussian_nll_loss):
    x, y, v = (t.clone().requires_grad_() for t in (x, y, v))
    value = loss(x, y, v, reduction="none")
    value.sum().backward()
    return value.detach(), x.grad, y.grad, v.grad


def test_mse_is_the_fixed_variance_case():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(6, generator=g), torch.randn(6, generator=g)
    assert_close(gaussian_nll_loss(x, y, 1.0), 0.5 * F.mse_loss(x, y))


def test_torch_func_transforms_match_torch():
    x = torch.linspace(-2, 2, 7, dtype=torch.float64)
    y = torch.linspace(1, -1, 7, dtype=torch.float64)
    v = torch.linspace(0.5, 3, 7, dtype=torch.float64)
    ours = lambda a, b, c: gaussian_nll_loss(a, b, c)  # noqa: E731
    assert_close(vmap(ours)(x, y, v), torch.stack([F.gaussian_nll_loss(*t) for t in zip(x, y, v, strict=True)]))
    for transform in (grad, jacfwd, jacrev, hessian):
        for argnums in (0, 2):
            assert_close(transform(ours, argnums)(x, y, v), transform(F.gaussian_nll_loss, argnums)(x, y, v))


def test_negative_var_is_refused_under_vmap_too_where_torch_cannot_check():
    with pytest.raises(RuntimeError, match="data-dependent control flow"):
        vmap(lambda v: F.gaussian_nll_loss(torch.zeros(()), torch.ones(()), v))(torch.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"1 of 2 are negative.*softplus"):
        vmap(lambda v: gaussian_nll_loss(torch.zeros(()), torch.ones(()), v))(torch.tensor([1.0, -2.0]))


def test_empty_inputs_and_autocast_like_torch():
    e = torch.empty(0, 2)
    for reduction in REDUCTIONS:
        assert_same(gaussian_nll_loss, F.gaussian_nll_loss, e, e, e, reduction=reduction)
    x, y, v = torch.tensor([1.5, -2.0]).bfloat16(), torch.tensor([1.0, 0.0]).bfloat16(), torch.ones(2).bfloat16()
    with torch.autocast("cpu"):
        assert_same(gaussian_nll_loss, F.gaussian_nll_loss, x, y, v)


def test_a_broadcasting_target_warns_where_torch_is_silent():
    with pytest.warns(UserWarning, match=r"broadcast to \(3, 3\)"):
        gaussian_nll_loss(torch.ones(3), torch.ones(3, 1), torch.ones(3))


X, Y = torch.zeros(2, 3), torch.ones(2, 3)
REJECTS = [
    ("negative var", lambda f: f(X, Y, -torch.ones(2, 3)), ValueError, r"6 of 6 are negative.*softplus"),
    ("negative float var", lambda f: f(X, Y, -1.0), ValueError, r"0 or more, got -1.0"),
    ("int var", lambda f: f(X, Y, 1), TypeError, r"got int 1.*var=1.0"),
    ("integer var tensor", lambda f: f(X, Y, torch.ones(2, 3, dtype=torch.long)), TypeError, r"var.float\(\)"),
    ("0-d var for 2-d input", lambda f: f(X, Y, torch.tensor(1.0)), ValueError, r"var of shape \(\) does not fit"),
    ("var (1, 1)", lambda f: f(X, Y, torch.ones(1, 1)), ValueError, r"var of shape \(1, 1\) does not fit.*a float"),
    ("var (3,)", lambda f: f(X, Y, torch.ones(3)), ValueError, r"var of shape \(3,\) does not fit"),
    ("bad reduction", lambda f: f(X, Y, torch.ones(2, 3), reduction="avg"), ValueError, r"got 'avg'"),
    ("input not a tensor", lambda f: f([0.0], Y, torch.ones(2, 3)), TypeError, r"`input` must be a torch.Tensor"),
]


@pytest.mark.parametrize(("name", "call", "error", "words"), REJECTS, ids=[r[0] for r in REJECTS])
def test_rejects_what_torch_rejects_and_names_the_fix(name, call, error, words):
    with pytest.raises((RuntimeError, ValueError, TypeError, AttributeError)):
        call(F.gaussian_nll_loss)
    with pytest.raises(error, match=words):
        call(gaussian_nll_loss)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        gaussian_nll_loss(X, Y, torch.ones(2, 3), True)
    with pytest.raises(ValueError, match="deprecated spelling"):
        gaussian_nll_loss(X, Y, torch.ones(2, 3), reduction="elementwise_mean")
