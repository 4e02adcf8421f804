"""lesson_utils.losses.l1_loss against torch.nn.functional.l1_loss, and pinball_loss against its formula."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.func import grad, hessian, jacfwd, jacrev, vmap
from torch.testing import assert_close

from lesson_utils.losses import l1_loss, pinball_loss
from tests.regression import (
    FLOATS,
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


@st.composite
def l1_case(draw):
    x, y = draw(broadcast_pair(st.one_of(VALUES, st.just(math.nan))))
    weight = None
    if draw(st.booleans()):
        weight = tensor_of(draw, x.shape, st.floats(0, 3), draw(st.sampled_from(FLOATS)))
    return x, y, weight


@FEW
@given(l1_case(), st.sampled_from(REDUCTIONS))
def test_value_gradients_and_dtype_match_torch(case, reduction):
    x, y, weight = case
    assert_same(l1_loss, F.l1_loss, x, y, reduction=reduction, weight=weight)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "other"), [((), ()), ((5,), (5,)), ((4, 3), (4, 3)), ((2, 3, 4), (3, 1))])
@pytest.mark.filterwarnings("ignore:l1_loss")
def test_gradcheck_and_gradgradcheck(reduction, shape, other):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.randn(other, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.rand(shape, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: l1_loss(a, b, reduction=reduction), (x, y))
    assert torch.autograd.gradcheck(lambda a, b, c: l1_loss(a, b, reduction=reduction, weight=c), (x, y, w))
    assert torch.autograd.gradgradcheck(lambda a, b: l1_loss(a, b, reduction=reduction), (x, y))


def test_the_subgradient_at_zero_is_torchs_zero_to_the_last_bit():
    d = torch.tensor([-2.0, -1e-300, 0.0, -0.0, 1e-300, 2.0, math.inf, -math.inf, math.nan], dtype=torch.float64)
    y = torch.zeros_like(d)
    for ours, theirs in zip(grads_at(l1_loss, d, y), grads_at(F.l1_loss, d, y), strict=True):
        assert_bitwise(ours, theirs)
    assert grads_at(l1_loss, d, y)[0].tolist()[:6] == [-1.0, -1.0, 0.0, 0.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("input_dtype", "target_dtype", "target_shape"),
    [
        (torch.float32, torch.float64, ()),
        (torch.float16, torch.bfloat16, (3,)),
        (torch.float32, torch.int64, (3,)),
        (torch.int64, torch.float16, ()),
    ],
)
def test_mixed_dtypes_promote_after_broadcasting_like_torch(input_dtype, target_dtype, target_shape):
    x = torch.tensor([1.0, 2.0, 4.0]).to(input_dtype)
    y = torch.full(target_shape, 2.0).to(target_dtype)
    assert_same(l1_loss, F.l1_loss, x, y)


def test_integer_errors_sum_like_torch_and_their_mean_is_refused():
    x, y = torch.tensor([1, 5]), torch.tensor([3, 2])
    assert_bitwise(l1_loss(x, y, reduction="sum"), F.l1_loss(x, y, reduction="sum"))
    assert_bitwise(l1_loss(x, y, reduction="none"), F.l1_loss(x, y, reduction="none"))
    with pytest.raises(RuntimeError):
        F.l1_loss(x, y)
    with pytest.raises(TypeError, match=r"mean of integer errors.*input.float\(\).*reduction='sum'"):
        l1_loss(x, y)


def test_complex_inputs_give_the_modulus_like_torch():
    x, y = torch.tensor([1 + 1j, 3j], dtype=torch.complex128), torch.tensor([0.0, 1.0], dtype=torch.float64)
    assert_same(l1_loss, F.l1_loss, x, y)


def test_weighted_mean_divides_by_the_sum_of_the_weights():
    x, y, w = torch.tensor([1.0, 4.0]), torch.tensor([0.0, 0.0]), torch.tensor([1.0, 3.0])
    assert_close(l1_loss(x, y, weight=w), torch.tensor(13.0 / 4))
    assert_close(F.l1_loss(x, y, weight=w), torch.tensor(13.0 / 4))


def test_empty_inputs_like_torch():
    e = torch.empty(0, 3)
    for reduction in REDUCTIONS:
        assert_same(l1_loss, F.l1_loss, e, e, reduction=reduction)
        assert_same(l1_loss, F.l1_loss, e, e, reduction=reduction, weight=e)


def test_broadcast_shapes_warn():
    with pytest.warns(UserWarning, match=r"shape \(3, 1\).*shape \(3,\).*broadcast to \(3, 3\)"):
        l1_loss(torch.ones(3, 1), torch.ones(3))


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16, torch.float64])
def test_autocast_like_torch(dtype):
    x, y = torch.tensor([1.5, -2.0, 0.25]).to(dtype), torch.tensor([1.0, 0.0, 3.0]).to(dtype)
    w = torch.tensor([1.0, 2.0, 0.5]).to(dtype)
    with torch.autocast("cpu"):
        assert_same(l1_loss, F.l1_loss, x, y)
        assert_same(l1_loss, F.l1_loss, x, y, weight=w)


def test_torch_func_transforms_match_torch():
    x = torch.linspace(-2, 2, 9, dtype=torch.float64)
    y = torch.linspace(1, -1, 9, dtype=torch.float64)
    for ours, theirs in ((l1_loss, F.l1_loss), (lambda a, b: 2 * pinball_loss(a, b, q=0.5), F.l1_loss)):
        assert_close(vmap(ours)(x, y), vmap(theirs)(x, y))
        assert_close(vmap(grad(ours))(x, y), vmap(grad(theirs))(x, y))
        for transform in (grad, jacfwd, jacrev, hessian):
            assert_close(transform(ours)(x, y), transform(theirs)(x, y))


# ---------------------------------------------------------------------------------------------------------------
# What torch rejects.

X, Y = torch.tensor([0.2, 0.9]), torch.tensor([0.0, 1.0])
REJECTS = [
    ("input not a tensor", lambda f: f([0.2, 0.9], Y), TypeError, r"`input` must be a torch.Tensor, got list"),
    ("target not a tensor", lambda f: f(X, 1.0), TypeError, r"`target` must be a torch.Tensor, got float"),
    ("bad reduction", lambda f: f(X, Y, reduction="avg"), ValueError, r"one of 'none', 'mean' or 'sum', got 'avg'"),
    ("shapes", lambda f: f(X, torch.ones(3)), ValueError, r"shape \(2,\).*shape \(3,\).*view_as"),
    ("bools", lambda f: f(X > 0, Y > 0, reduction="sum"), TypeError, r"torch.bool.*input.float\(\)"),
    ("weight shape", lambda f: f(X, Y, weight=torch.ones(3)), ValueError, r"weight must have the shape of input"),
    ("weighted bad reduction", lambda f: f(X, Y, reduction="x", weight=X), ValueError, r"got 'x'"),
]


@pytest.mark.parametrize(("name", "call", "error", "words"), REJECTS, ids=[r[0] for r in REJECTS])
@pytest.mark.filterwarnings("ignore:Using a target size")
def test_rejects_what_torch_rejects_and_names_the_fix(name, call, error, words):
    with pytest.raises((RuntimeError, ValueError, TypeError, AttributeError)):
        call(F.l1_loss)
    with pytest.raises(error, match=words):
        call(l1_loss)


def test_the_deprecated_spelling_and_positional_options_are_refused():
    with pytest.raises(ValueError, match=r"'elementwise_mean' is the deprecated spelling of 'mean'"):
        l1_loss(X, Y, reduction="elementwise_mean")
    with pytest.raises(TypeError):
        l1_loss(X, Y, "sum")


# ---------------------------------------------------------------------------------------------------------------
# pinball_loss: no torch twin. Checked against an independent formula and its defining property.


def pinball_by_hand(x, y, q):
    """The tilted absolute value: q |e| where e = y - x >= 0 (under prediction), (1 - q) |e| where e < 0."""
    e = y - x
    return torch.where(e >= 0, q * e, (q - 1) * e)


@FEW
@given(st.data(), st.floats(0.01, 0.99), st.sampled_from(REDUCTIONS))
def test_pinball_equals_the_tilted_absolute_value(data, q, reduction):
    shape = data.draw(shapes())
    x = tensor_of(data.draw, shape, st.floats(-1e3, 1e3), torch.float64)
    y = tensor_of(data.draw, shape, st.floats(-1e3, 1e3), torch.float64)
    expected = pinball_by_hand(x, y, q)
    expected = {"none": expected, "sum": expected.sum(), "mean": expected.mean()}[reduction]
    assert_close(pinball_loss(x, y, q=q, reduction=reduction), expected, equal_nan=True)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9, 0.25])
def test_the_minimiser_over_a_constant_is_the_q_quantile(q):
    y = torch.randn(1001, generator=torch.Generator().manual_seed(0), dtype=torch.float64) ** 3
    grid = torch.sort(y).values  # the minimum of a piecewise-linear convex function lies at a data point
    losses = vmap(lambda c: pinball_loss(c.expand_as(y), y, q=q))(grid)
    best = grid[losses.argmin()]
    assert_close(best, torch.quantile(y, q, interpolation="lower"), rtol=0, atol=float(grid.diff().max()))
    # and the (sub)gradient changes sign there: fewer than a fraction q of the targets lie below the minimiser
    assert (y < best).double().mean() <= q <= (y <= best).double().mean()


def test_pinball_at_one_half_is_half_l1_with_its_gradient_at_zero():
    x = torch.tensor([-1.0, 0.0, 2.0, 3.0], dtype=torch.float64)
    y = torch.tensor([0.0, 0.0, 2.0, -1.0], dtype=torch.float64)
    ours = grads_at(lambda a, b, **k: 2 * pinball_loss(a, b, q=0.5, **k), x, y)
    for mine, torchs in zip(ours, grads_at(F.l1_loss, x, y), strict=True):
        assert_bitwise(mine, torchs)


def test_pinball_gradient_is_q_below_and_q_minus_one_above_and_the_midpoint_at_zero():
    x = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
    pinball_loss(x, torch.zeros(3, dtype=torch.float64), q=0.9, reduction="sum").backward()
    assert_close(x.grad, torch.tensor([-0.9, -0.4, 0.1], dtype=torch.float64))
    assert_close(
        jacfwd(lambda t: pinball_loss(t, torch.zeros(3, dtype=torch.float64), q=0.9, reduction="sum"))(x.detach()),
        x.grad,
    )


def test_pinball_with_one_quantile_per_column():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(5, 3, generator=g, dtype=torch.float64), torch.randn(5, 1, generator=g, dtype=torch.float64)
    q = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)
    per_column = torch.stack([pinball_loss(x[:, k], y[:, 0], q=float(q[k]), reduction="none") for k in range(3)], 1)
    assert_close(pinball_loss(x, y, q=q, reduction="none"), per_column)
    assert torch.autograd.gradcheck(lambda a, b: pinball_loss(a, b, q=q), (x.requires_grad_(), y.requires_grad_()))
    assert torch.autograd.gradgradcheck(lambda a, b: pinball_loss(a, b, q=q), (x, y))


@pytest.mark.parametrize(
    ("q", "error", "words"),
    [
        (0.0, ValueError, r"strictly between 0 and 1, got 0.0.*q=0.9"),
        (1.5, ValueError, r"got 1.5"),
        (math.nan, ValueError, r"got nan"),
        (torch.tensor([0.1, 1.0, 0.5, 0.5]), ValueError, r"got 1.0"),
        (torch.tensor([1, 0, 0, 0]), TypeError, r"q.float\(\)"),
        ("0.5", TypeError, r"got str"),
        (torch.tensor([0.1, 0.5, 0.9]), ValueError, r"q of shape \(3,\) does not broadcast"),
    ],
)
def test_pinball_rejects_a_q_outside_0_1_and_names_the_fix(q, error, words):
    with pytest.raises(error, match=words):
        pinball_loss(torch.zeros(4), torch.zeros(4), q=q)


def test_pinball_checks_q_under_vmap_too():
    with pytest.raises(ValueError, match=r"got 1.5"):
        vmap(lambda q: pinball_loss(torch.zeros(3), torch.ones(3), q=q))(torch.tensor([0.5, 1.5]))
    assert_close(
        vmap(lambda q: pinball_loss(torch.zeros(3), torch.ones(3), q=q))(torch.tensor([0.25, 0.75])),
        torch.tensor([0.25, 0.75]),
    )


def test_pinball_empty_and_warns_on_broadcast():
    assert_close(pinball_loss(torch.empty(0), torch.empty(0), q=0.3), torch.tensor(math.nan), equal_nan=True)
    with pytest.warns(UserWarning, match=r"broadcast to \(3, 3\)"):
        pinball_loss(torch.ones(3, 1), torch.ones(3), q=0.3)
