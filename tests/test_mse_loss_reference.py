"""lesson_utils.losses.mse_loss against torch.nn.functional.mse_loss: values, gradients and errors."""

import warnings

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from lesson_utils.losses import mse_loss

REDUCTIONS = ["none", "mean", "sum"]
FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


def pair(shape, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g, dtype=dtype), torch.randn(shape, generator=g, dtype=dtype)


@st.composite
def tensors_pair(draw):
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=4)))
    dtype = draw(st.sampled_from(FLOATS))
    elements = st.floats(-1e3, 1e3, allow_nan=False, width=16 if dtype != torch.float64 else 64)
    n = 1
    for d in shape:
        n *= d
    a = torch.tensor(draw(st.lists(elements, min_size=n, max_size=n)), dtype=torch.float64).reshape(shape)
    b = torch.tensor(draw(st.lists(elements, min_size=n, max_size=n)), dtype=torch.float64).reshape(shape)
    return a.to(dtype), b.to(dtype)


@given(tensors_pair(), st.sampled_from(REDUCTIONS))
def test_value_matches_torch_for_any_shape_dtype_and_reduction(tensors, reduction):
    a, b = tensors
    assert_close(mse_loss(a, b, reduction=reduction), F.mse_loss(a, b, reduction=reduction), equal_nan=True)


@given(tensors_pair(), st.sampled_from(REDUCTIONS), st.booleans())
def test_weighted_value_matches_torch(tensors, reduction, zero_weights):
    a, b = tensors
    w = torch.zeros_like(a) if zero_weights else torch.rand(a.shape, generator=torch.Generator().manual_seed(1)).to(a)
    assert_close(
        mse_loss(a, b, reduction=reduction, weight=w), F.mse_loss(a, b, reduction=reduction, weight=w), equal_nan=True
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(), (1,), (5,), (4, 3), (2, 3, 4), (2, 1, 3, 2)])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradients_match_torch_and_pass_gradcheck(reduction, shape, weighted):
    a, b = pair(shape)
    w = torch.rand(shape, dtype=torch.float64) + 0.1 if weighted else None
    ours_a, ours_b = a.clone().requires_grad_(), b.clone().requires_grad_()
    theirs_a, theirs_b = a.clone().requires_grad_(), b.clone().requires_grad_()
    mse_loss(ours_a, ours_b, reduction=reduction, weight=w).sum().backward()
    F.mse_loss(theirs_a, theirs_b, reduction=reduction, weight=w).sum().backward()
    assert_close(ours_a.grad, theirs_a.grad)
    assert_close(ours_b.grad, theirs_b.grad)
    assert torch.autograd.gradcheck(
        lambda x, y: mse_loss(x, y, reduction=reduction, weight=w), (ours_a.detach().requires_grad_(), ours_b)
    )


@pytest.mark.parametrize(
    ("input_dtype", "target_dtype"),
    [(torch.float32, torch.int64), (torch.int64, torch.float32), (torch.float64, torch.float32)],
)
def test_mixed_dtypes_promote_like_torch(input_dtype, target_dtype):
    a = torch.tensor([1.0, 2.0, 4.0]).to(input_dtype)
    b = torch.tensor([1.0, 2.0, 3.0]).to(target_dtype)
    ours, theirs = mse_loss(a, b), F.mse_loss(a, b)
    assert ours.dtype == theirs.dtype
    assert_close(ours, theirs)


def test_broadcast_shapes_warn_and_give_torchs_number():
    a, b = torch.tensor([[2.5], [4.1], [1.8]]), torch.tensor([2.0, 4.0, 2.2])
    with pytest.warns(UserWarning, match=r"shape \(3, 1\).*shape \(3,\).*broadcast to \(3, 3\)"):
        ours = mse_loss(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(ours, F.mse_loss(a, b))


def test_extreme_values_match_torch():
    a = torch.tensor([float("inf"), 1e30, -1e30, 0.0, float("nan")])
    b = torch.tensor([1.0, -1e30, 1e30, float("inf"), 0.0])
    assert_close(mse_loss(a, b, reduction="none"), F.mse_loss(a, b, reduction="none"), equal_nan=True)


def test_empty_input_gives_nan_mean_and_zero_sum_like_torch():
    e = torch.empty(0)
    assert_close(mse_loss(e, e), F.mse_loss(e, e), equal_nan=True)
    assert_close(mse_loss(e, e, reduction="sum"), F.mse_loss(e, e, reduction="sum"))


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: mse_loss([1.0], torch.ones(1)), TypeError, r"`input` must be a torch.Tensor, got list.*torch.tensor"),
        (lambda: mse_loss(torch.ones(1), 3.0), TypeError, r"`target` must be a torch.Tensor, got float"),
        (
            lambda: mse_loss(torch.ones(2, dtype=torch.long), torch.ones(2, dtype=torch.long)),
            TypeError,
            r"must be floating point, got input torch.int64 and target torch.int64.*\.float\(\)",
        ),
        (lambda: mse_loss(torch.ones(2) > 0, torch.ones(2)), TypeError, r"torch.bool.*\.float\(\)"),
        (lambda: mse_loss(torch.ones(3), torch.ones(4)), ValueError, r"shape \(3,\).*shape \(4,\).*view_as"),
        (
            lambda: mse_loss(torch.ones(3), torch.ones(3), reduction="avg"),
            ValueError,
            r"one of 'none', 'mean' or 'sum', got 'avg'",
        ),
        (
            lambda: mse_loss(torch.ones(3), torch.ones(3), weight=torch.ones(2)),
            ValueError,
            r"weight must have the shape of input \(3,\), got \(2,\)",
        ),
    ],
)
def test_inputs_torch_rejects_raise_errors_that_name_the_fix(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m(torch.ones(2, dtype=torch.long), torch.ones(2, dtype=torch.long)),
        lambda m: m(torch.ones(3), torch.ones(4)),
        lambda m: m(torch.ones(3), torch.ones(3), reduction="avg"),
        lambda m: m(torch.ones(3), torch.ones(3), weight=torch.ones(2)),
    ],
)
@pytest.mark.filterwarnings("ignore:Using a target size")
def test_torch_rejects_the_same_inputs(call):
    with pytest.raises((RuntimeError, ValueError, NotImplementedError)):
        call(F.mse_loss)


def test_the_deprecated_elementwise_mean_is_named_as_such():
    with pytest.raises(ValueError, match=r"'elementwise_mean' is the deprecated spelling of 'mean'"):
        mse_loss(torch.ones(2), torch.zeros(2), reduction="elementwise_mean")
