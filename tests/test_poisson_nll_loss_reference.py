"""lesson_utils.losses.poisson_nll_loss against torch.nn.functional.poisson_nll_loss."""

import functools
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.func import grad, hessian, jacfwd, jacrev, vmap
from torch.testing import assert_close

from lesson_utils.losses import poisson_nll_loss
from tests.regression import FLOATS, REDUCTIONS, assert_bitwise, assert_same, broadcast_partner, shapes, tensor_of

FEW = settings(max_examples=40)
COUNTS = st.one_of(st.integers(0, 50).map(float), st.sampled_from([0.0, 1.0, 0.5, 1.5, 2.0, 1e6]))
LOG_RATES = st.one_of(st.floats(-20, 20), st.sampled_from([0.0, -100.0, 80.0]))
RATES = st.one_of(st.floats(0, 50), st.sampled_from([0.0, 1e-9, 1e6]))


@FEW
@given(st.data(), st.sampled_from(REDUCTIONS), st.booleans(), st.booleans(), st.sampled_from([1e-8, 1e-3, 0.0]))
def test_value_gradients_and_dtype_match_torch(data, reduction, log_input, full, eps):
    shape = data.draw(shapes())
    other = data.draw(broadcast_partner(shape))
    x = tensor_of(data.draw, shape, LOG_RATES if log_input else RATES, data.draw(st.sampled_from(FLOATS)))
    y = tensor_of(data.draw, other, COUNTS, data.draw(st.sampled_from([*FLOATS, torch.int64])))
    kwargs = {"log_input": log_input, "full": full, "eps": eps, "reduction": reduction}
    assert_same(poisson_nll_loss, F.poisson_nll_loss, x, y, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("log_input", "full"), [(True, False), (True, True), (False, False), (False, True)])
@pytest.mark.parametrize("shape", [(), (5,), (4, 3)])
def test_gradcheck_and_gradgradcheck(reduction, log_input, full, shape):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(shape, generator=g, dtype=torch.float64) * 3 + (0 if log_input else 0.1)
    y = (torch.rand(shape, generator=g, dtype=torch.float64) * 6 + 1.2).requires_grad_()  # counts > 1: no 0 log 0
    loss = lambda a, b: poisson_nll_loss(a, b, log_input=log_input, full=full, reduction=reduction)  # noqa: E731
    assert torch.autograd.gradcheck(loss, (x.requires_grad_(), y))
    assert torch.autograd.gradgradcheck(loss, (x, y))


def test_the_stirling_term_only_for_counts_above_one_and_its_nan_gradient_at_zero():
    x = torch.full((6,), 0.3, dtype=torch.float64)
    y = torch.tensor([0.0, 0.5, 1.0, 1.5, 2.0, 10.0], dtype=torch.float64)
    plain = poisson_nll_loss(x, y, full=True, reduction="none") - poisson_nll_loss(x, y, reduction="none")
    stirling = y * y.log() - y + 0.5 * (2 * math.pi * y).log()
    assert_close(plain, torch.where(y > 1, stirling, 0.0))
    for log_input in (True, False):
        ours = assert_grads(poisson_nll_loss, x, y, log_input)
        theirs = assert_grads(F.poisson_nll_loss, x, y, log_input)
        for mine, torchs in zip(ours, theirs, strict=True):
            assert_bitwise(mine, torchs)
        assert math.isnan(ours[2][0]) and not ours[2][1:].isnan().any()  # d/dy at y = 0: 0 * log 0 in the masked term


def assert_grads(loss, x, y, log_input):
    x, y = x.clone().requires_grad_(), y.clone().requires_grad_()
    value = loss(x, y, log_input=log_input, full=True, reduction="none")
    value.sum().backward()
    return value.detach(), x.grad, y.grad


def test_zero_counts_and_zero_rates_like_torch():
    x = torch.tensor([0.0, 0.0, 1e-9], dtype=torch.float64)
    y = torch.tensor([0.0, 2.0, 3.0], dtype=torch.float64)
    for eps in (1e-8, 0.0):  # eps = 0: 0 log 0 is NaN, log 0 is -inf
        ours = assert_grads(functools.partial(poisson_nll_loss, eps=eps), x, y, False)
        theirs = assert_grads(functools.partial(F.poisson_nll_loss, eps=eps), x, y, False)
        for mine, torchs in zip(ours, theirs, strict=True):
            assert_bitwise(mine, torchs)


@pytest.mark.parametrize(
    ("input_dtype", "target_dtype", "target_shape"),
    [
        (torch.float32, torch.float64, ()),
        (torch.int64, torch.int64, (3,)),
        (torch.float16, torch.int64, (3,)),
        (torch.bfloat16, torch.float16, (3,)),
    ],
)
def test_mixed_dtypes_promote_like_torch_without_broadcasting_first(input_dtype, target_dtype, target_shape):
    x = torch.tensor([1.0, 2.0, 0.0]).to(input_dtype)
    y = torch.full(target_shape, 3.0).to(target_dtype)
    for full in (False, True):
        assert_same(poisson_nll_loss, F.poisson_nll_loss, x, y, full=full)


def test_empty_inputs_and_autocast_like_torch():
    e = torch.empty(0)
    for reduction in REDUCTIONS:
        assert_same(poisson_nll_loss, F.poisson_nll_loss, e, e, reduction=reduction, full=True)
    for dtype in (torch.bfloat16, torch.float16, torch.float32):
        x, y = torch.tensor([1.5, -2.0]).to(dtype), torch.tensor([3.0, 0.0]).to(dtype)
        with torch.autocast("cpu"):
            assert_same(poisson_nll_loss, F.poisson_nll_loss, x, y, full=True)


def on_log_rates(loss, log_input):
    """The loss as a function of log rates a: given a itself (log_input=True) or exp(a) (log_input=False)."""
    return lambda a, b: loss(a if log_input else a.exp(), b, log_input=log_input, full=True)


def test_torch_func_transforms_match_torch():
    x = torch.linspace(-2, 2, 7, dtype=torch.float64)
    y = torch.tensor([0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0], dtype=torch.float64)
    for log_input in (True, False):
        ours, theirs = (on_log_rates(loss, log_input) for loss in (poisson_nll_loss, F.poisson_nll_loss))
        assert_close(vmap(ours)(x, y), vmap(theirs)(x, y))
        for transform in (grad, jacfwd, jacrev, hessian):
            assert_close(transform(ours)(x, y), transform(theirs)(x, y))


def test_a_broadcasting_target_warns_where_torch_is_silent():
    with pytest.warns(UserWarning, match=r"broadcast to \(3, 3\)"):
        poisson_nll_loss(torch.ones(3, 1), torch.ones(3))


X, Y = torch.zeros(3), torch.ones(3)
REJECTS = [
    ("bad reduction", lambda f: f(X, Y, reduction="avg"), ValueError, r"got 'avg'"),
    ("shapes", lambda f: f(X, torch.ones(4)), ValueError, r"shape \(3,\).*shape \(4,\).*view_as"),
    ("input not a tensor", lambda f: f([0.0], Y), TypeError, r"`input` must be a torch.Tensor"),
    ("target a list", lambda f: f(X, [1.0, 2.0, 3.0]), TypeError, r"`target` must be a torch.Tensor"),
]


@pytest.mark.parametrize(("name", "call", "error", "words"), REJECTS, ids=[r[0] for r in REJECTS])
def test_rejects_what_torch_rejects_and_names_the_fix(name, call, error, words):
    with pytest.raises((RuntimeError, ValueError, TypeError, AttributeError)):
        call(F.poisson_nll_loss)
    with pytest.raises(error, match=words):
        call(poisson_nll_loss)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        poisson_nll_loss(X, Y, False)
    with pytest.raises(ValueError, match="deprecated spelling"):
        poisson_nll_loss(X, Y, reduction="elementwise_mean")
