"""lesson_utils.losses.kl_div against torch.nn.functional.kl_div."""

import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.func import grad, hessian, jacfwd, jacrev, vmap
from torch.testing import assert_close

from lesson_utils.losses import kl_div
from tests.regression import INF, assert_bitwise, assert_same, broadcast_pair, value_and_grads

FEW = settings(max_examples=60)
REDUCTIONS = ["none", "mean", "sum", "batchmean"]
#: Log-probabilities and probabilities, their edges (0, 1, -inf, tiny), and values that are neither (misuse).
KL_VALUES = st.one_of(
    st.floats(-20, 0),
    st.floats(0, 1),
    st.sampled_from([0.0, -0.0, 1.0, 1e-30, -1e-30, -INF, INF, 2.5, -1e30]),
)


def log_probs(g, *shape, dtype=torch.float64):
    return torch.log_softmax(torch.randn(shape, generator=g, dtype=dtype), dim=-1)


@FEW
@given(broadcast_pair(KL_VALUES), st.sampled_from(REDUCTIONS), st.booleans())
def test_value_gradients_and_dtype_match_torch(pair, reduction, log_target):
    x, y = pair
    assert_same(kl_div, F.kl_div, x, y, reduction=reduction, log_target=log_target)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("shape", [(), (5,), (4, 3), (2, 3, 4)])
def test_gradcheck_and_gradgradcheck(reduction, log_target, shape):
    g = torch.Generator().manual_seed(0)
    x = log_probs(g, *shape) if shape else torch.tensor(-0.7, dtype=torch.float64)
    p = log_probs(g, *shape) if shape else torch.tensor(-0.2, dtype=torch.float64)  # log p; p > 0: no 0 log 0
    y = p if log_target else p.exp()
    x, y = x.requires_grad_(), y.requires_grad_()

    def loss(a, b):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 'mean' warns
            return kl_div(a, b, reduction=reduction, log_target=log_target)

    assert torch.autograd.gradcheck(loss, (x, y))
    assert torch.autograd.gradgradcheck(loss, (x, y))


def test_the_sum_over_classes_is_kl_of_target_from_input():
    g = torch.Generator().manual_seed(1)
    log_q, log_p = log_probs(g, 6, 5), log_probs(g, 6, 5)
    expected = torch.distributions.kl_divergence(
        torch.distributions.Categorical(logits=log_p), torch.distributions.Categorical(logits=log_q)
    )
    assert_close(kl_div(log_q, log_p.exp(), reduction="none").sum(dim=1), expected)
    assert_close(kl_div(log_q, log_p, log_target=True, reduction="none").sum(dim=1), expected)
    assert_close(kl_div(log_q, log_p.exp(), reduction="batchmean"), expected.mean())
    with pytest.warns(UserWarning, match="'batchmean'"):
        mean = kl_div(log_q, log_p.exp(), reduction="mean")
    assert_close(mean, expected.mean() / 5)  # 'mean' also divides by the number of classes


def test_batchmean_divides_by_input_size_0_as_torch_does():
    x, y = torch.full((1, 3), -1.0), torch.rand(4, 3, generator=torch.Generator().manual_seed(0))
    with pytest.warns(UserWarning, match=r"broadcast to \(4, 3\).*'batchmean' divides by input.shape\[0\]"):
        ours = kl_div(x, y, reduction="batchmean")
    assert_bitwise(ours, F.kl_div(x, y, reduction="batchmean"))
    assert_close(ours, F.kl_div(x, y, reduction="sum"))  # divided by 1, not by 4
    zero_d = (torch.tensor(-1.0), torch.tensor(0.5))
    assert_bitwise(kl_div(*zero_d, reduction="batchmean"), F.kl_div(*zero_d, reduction="batchmean"))
    assert_close(kl_div(*zero_d, reduction="batchmean"), kl_div(*zero_d, reduction="sum"))


def edge_cases(log_target):
    """Inputs at -inf and targets at probability 0, with ordinary values beside them, in float64."""
    x = torch.tensor([-INF, -1.0, -INF, 0.0, -1e300, -1.0], dtype=torch.float64)
    p = torch.tensor([0.0, 0.0, 0.5, 1.0, 1e-300, 1.0], dtype=torch.float64)
    return x, (p.log() if log_target else p)


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_zero_probabilities_and_infinite_log_probabilities_like_torch_to_the_last_bit(log_target, reduction):
    x, y = edge_cases(log_target)
    ours = value_and_grads(kl_div, x, y, reduction=reduction, log_target=log_target)
    theirs = value_and_grads(F.kl_div, x, y, reduction=reduction, log_target=log_target)
    for mine, torchs in zip(ours, theirs, strict=True):
        assert_bitwise(mine, torchs)


def test_0_log_0_is_0_but_minus_infinity_times_0_is_nan():
    x, p = edge_cases(log_target=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        terms = kl_div(x, p, reduction="none")
        log_terms = kl_div(x, p.log(), reduction="none", log_target=True)
    assert math.isnan(terms[0])  # p = 0 where log q = -inf: 0 * inf, NaN in torch too
    assert terms[1] == 0  # p = 0: 0 log 0 = 0, whatever q
    assert terms[2] == INF  # p > 0 where q = 0: infinite
    assert terms[3] == 0  # p = q = 1
    # log_target=True: p = 0 is log p = -inf, and exp(-inf) * (-inf - log q) is 0 * inf: NaN, in torch too.
    assert math.isnan(log_terms[1])
    assert_close(log_terms[2:], terms[2:])


@pytest.mark.parametrize(
    ("input_dtype", "target_dtype", "target_shape"),
    [
        (torch.float32, torch.float64, ()),
        (torch.float64, torch.float32, ()),
        (torch.float16, torch.bfloat16, (3,)),
        (torch.bfloat16, torch.float32, (3,)),
        (torch.float16, torch.float16, (1,)),
    ],
)
@pytest.mark.parametrize("log_target", [False, True])
def test_mixed_dtypes_promote_like_torch_without_broadcasting_first(
    input_dtype, target_dtype, target_shape, log_target
):
    x = torch.tensor([-0.5, -1.0, -2.0]).to(input_dtype)
    y = torch.full(target_shape, 0.3).to(target_dtype)
    y = y.log() if log_target else y
    for reduction in REDUCTIONS:
        assert_same(kl_div, F.kl_div, x, y, reduction=reduction, log_target=log_target)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (4, 0)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_inputs_like_torch(shape, reduction):
    assert_same(kl_div, F.kl_div, torch.empty(shape), torch.empty(shape), reduction=reduction)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float32])
@pytest.mark.parametrize("log_target", [False, True])
def test_autocast_computes_in_float32_like_torch(dtype, log_target):
    g = torch.Generator().manual_seed(2)
    x, y = log_probs(g, 2, 3).to(dtype), log_probs(g, 2, 3).to(dtype)
    y = y if log_target else y.exp()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert_same(kl_div, F.kl_div, x, y, reduction="batchmean", log_target=log_target)
        assert kl_div(x, y, reduction="sum", log_target=log_target).dtype == torch.float32


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["sum", "batchmean", "none"])
def test_torch_func_transforms_match_torch(log_target, reduction):
    g = torch.Generator().manual_seed(3)
    x, p = log_probs(g, 4, 3), log_probs(g, 4, 3)
    y = p if log_target else p.exp()
    ours, theirs = (lambda a, b, f=f: f(a, b, reduction=reduction, log_target=log_target) for f in (kl_div, F.kl_div))
    assert_close(vmap(ours)(x, y), vmap(theirs)(x, y))  # per sample: 'batchmean' divides by the classes, 3
    for transform in (jacfwd, jacrev, hessian):
        assert_close(transform(ours, argnums=(0, 1))(x, y), transform(theirs, argnums=(0, 1))(x, y))
    total = lambda f: lambda a, b: f(a, b).sum()  # noqa: E731
    assert_close(grad(total(ours), argnums=(0, 1))(x, y), grad(total(theirs), argnums=(0, 1))(x, y))


def test_warns_where_the_values_are_in_the_wrong_space_and_is_quiet_otherwise():
    g = torch.Generator().manual_seed(4)
    log_q, log_p = log_probs(g, 3, 4), log_probs(g, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kl_div(log_q, log_p.exp(), reduction="batchmean")
        kl_div(log_q, log_p, reduction="batchmean", log_target=True)
        kl_div(log_q, log_p.exp()[0], reduction="batchmean")  # one target distribution for every sample: fine
    with pytest.warns(UserWarning, match=r"input holds values above 0.*F.log_softmax"):
        kl_div(log_q.exp(), log_p.exp(), reduction="batchmean")
    with pytest.warns(UserWarning, match=r"target holds values below 0.*log_target=True"):
        kl_div(log_q, log_p, reduction="batchmean")
    with pytest.warns(UserWarning, match=r"log_target=True but target holds values above 0"):
        kl_div(log_q, log_p.exp(), reduction="batchmean", log_target=True)
    with pytest.warns(UserWarning, match=r"KL divided by the number of classes.*'batchmean'"):
        kl_div(log_q, log_p.exp())


def test_the_warnings_see_the_whole_batch_under_vmap():
    batch = torch.tensor([[-0.5, -1.0], [0.4, -1.0]])  # the second sample holds a probability-like 0.4
    with pytest.warns(UserWarning, match="input holds values above 0"):
        vmap(lambda x: kl_div(x, torch.tensor([0.5, 0.5]), reduction="sum"))(batch)


X, Y = torch.full((3,), -1.0), torch.full((3,), 1 / 3)


def k(f, input, target):
    """f with the reduction that gives KL itself (and no warning about 'mean')."""
    return f(input, target, reduction="batchmean")


REJECTS = [
    ("bad reduction", lambda f: f(X, Y, reduction="avg"), ValueError, r"'sum' or 'batchmean', got 'avg'"),
    ("shapes", lambda f: k(f, X, torch.ones(4)), ValueError, r"shape \(3,\).*shape \(4,\).*\(N, C\)"),
    ("integer input", lambda f: k(f, torch.tensor([-1, -2]), Y[:2]), TypeError, r"`input` must be floating.*float\(\)"),
    ("integer target", lambda f: k(f, X, torch.tensor([0, 1, 0])), TypeError, r"`target` must be floating"),
    ("bool target", lambda f: k(f, X, torch.tensor([True, False, True])), TypeError, r"`target` must be floating"),
    ("complex input", lambda f: k(f, X + 0j, Y), TypeError, r"use a real tensor"),
    ("input not a tensor", lambda f: k(f, [-1.0, -1.0, -1.0], Y), TypeError, r"`input` must be a torch.Tensor"),
    ("target a list", lambda f: k(f, X, [0.2, 0.3, 0.5]), TypeError, r"`target` must be a torch.Tensor"),
]


@pytest.mark.parametrize(("name", "call", "error", "words"), REJECTS, ids=[r[0] for r in REJECTS])
def test_rejects_what_torch_rejects_and_names_the_fix(name, call, error, words):
    with pytest.raises((RuntimeError, ValueError, TypeError, AttributeError)):
        call(F.kl_div)
    with pytest.raises(error, match=words):
        call(kl_div)


def test_options_are_keyword_only_and_the_deprecated_spellings_are_named():
    with pytest.raises(TypeError):
        kl_div(X, Y, "sum")
    with pytest.raises(TypeError):
        kl_div(X, Y, size_average=False)
    with pytest.raises(ValueError, match="deprecated spelling"):
        kl_div(X, Y, reduction="elementwise_mean")
