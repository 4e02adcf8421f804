"""lesson_utils.losses binary cross-entropy against torch.nn.functional: values, gradients, dtypes and errors."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from lesson_utils.losses import binary_cross_entropy, binary_cross_entropy_with_logits
from lesson_utils.losses.binary import GRAD_EPS, LOG_FLOOR, log_sigmoid
from lesson_utils.surfaces import curve

REDUCTIONS = ["none", "mean", "sum"]
FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
INF = math.inf


# ---------------------------------------------------------------------------------------------------------------
# Strategies: shapes, shapes that broadcast to them without growing them, and values including the extremes.


def numel(shape):
    return math.prod(shape)


@st.composite
def shapes(draw):
    return tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=4)))


@st.composite
def suffix_shape(draw, shape):
    """A shape that broadcasts to ``shape`` without growing it: some trailing dims, each kept or set to 1."""
    kept = draw(st.integers(0, len(shape)))
    dims = shape[len(shape) - kept :]
    return tuple(draw(st.sampled_from([d, 1])) for d in dims)


def tensor_of(draw, shape, elements, dtype):
    values = draw(st.lists(elements, min_size=numel(shape), max_size=numel(shape)))
    return torch.tensor(values, dtype=torch.float64).reshape(shape).to(dtype)


PROBABILITIES = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 1e-30, 1e-12, 1e-7, 1 - 1e-7, 0.5, 0.999999999]))
LOGITS = st.one_of(
    st.floats(-30, 30), st.floats(-1e4, 1e4), st.sampled_from([0.0, 17.0, -17.0, 40.0, -104.0, 1e30, -1e30, INF, -INF])
)
#: BCEWithLogitsLoss checks nothing about its targets: values outside [0, 1] (and NaN) must give torch's numbers too.
ANY_TARGETS = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0]), st.floats(-3, 3), st.just(math.nan))
WEIGHTS = st.one_of(st.floats(0, 5), st.just(0.0))


@st.composite
def bce_case(draw):
    shape = draw(shapes())
    dtype = draw(st.sampled_from(FLOATS))
    p = tensor_of(draw, shape, PROBABILITIES, dtype)
    y = tensor_of(draw, shape, PROBABILITIES, dtype)
    weight = None
    if draw(st.booleans()):
        weight = tensor_of(draw, draw(suffix_shape(shape)), WEIGHTS, draw(st.sampled_from(FLOATS)))
    return p, y, weight


@st.composite
def logits_case(draw):
    shape = draw(shapes())
    x = tensor_of(draw, shape, LOGITS, draw(st.sampled_from(FLOATS)))
    y = tensor_of(draw, shape, ANY_TARGETS, draw(st.sampled_from(FLOATS)))
    weight = pos_weight = None
    if draw(st.booleans()):
        weight = tensor_of(draw, draw(suffix_shape(shape)), WEIGHTS, draw(st.sampled_from(FLOATS)))
    if draw(st.booleans()):
        pos_weight = tensor_of(draw, draw(suffix_shape(shape)), st.floats(-2, 10), draw(st.sampled_from(FLOATS)))
    return x, y, weight, pos_weight


def value_and_grads(fn, a, b, **kwargs):
    """fn's value and its gradients with respect to both tensors (None where no gradient flows)."""
    a, b = a.clone().requires_grad_(), b.clone().requires_grad_()
    value = fn(a, b, **kwargs)
    value.sum().backward()
    return value.detach(), a.grad, b.grad


def assert_same(ours, theirs):
    for mine, torchs in zip(ours, theirs, strict=True):
        assert_close(mine, torchs, equal_nan=True)


# ---------------------------------------------------------------------------------------------------------------
# Values and gradients: property tests over shapes, dtypes, reductions, weights and extreme values.


@given(bce_case(), st.sampled_from(REDUCTIONS))
def test_bce_value_and_gradients_match_torch(case, reduction):
    p, y, weight = case
    kwargs = {"weight": weight, "reduction": reduction}
    ours = value_and_grads(binary_cross_entropy, p, y, **kwargs)
    theirs = value_and_grads(F.binary_cross_entropy, p, y, **kwargs)
    assert ours[0].dtype == theirs[0].dtype
    assert_same(ours, theirs)


@given(logits_case(), st.sampled_from(REDUCTIONS))
def test_bce_with_logits_value_and_gradients_match_torch(case, reduction):
    x, y, weight, pos_weight = case
    kwargs = {"weight": weight, "pos_weight": pos_weight, "reduction": reduction}
    ours = value_and_grads(binary_cross_entropy_with_logits, x, y, **kwargs)
    theirs = value_and_grads(F.binary_cross_entropy_with_logits, x, y, **kwargs)
    assert ours[0].dtype == theirs[0].dtype
    assert_same(ours, theirs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(), (1,), (5,), (4, 3), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_gradients_pass_gradcheck(reduction, shape, weighted):
    g = torch.Generator().manual_seed(0)
    p = (torch.rand(shape, generator=g, dtype=torch.float64) * 0.9 + 0.05).requires_grad_()
    y = torch.rand(shape, generator=g, dtype=torch.float64).requires_grad_()
    weight = torch.rand(shape[-1:], generator=g, dtype=torch.float64) + 0.1 if weighted else None
    assert torch.autograd.gradcheck(lambda a, b: binary_cross_entropy(a, b, weight=weight, reduction=reduction), (p, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(), (1,), (5,), (4, 3), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize(("weighted", "pos_weighted"), [(False, False), (True, False), (False, True), (True, True)])
def test_bce_with_logits_gradients_pass_gradcheck(reduction, shape, weighted, pos_weighted):
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(shape, generator=g, dtype=torch.float64) * 3).requires_grad_()
    y = torch.rand(shape, generator=g, dtype=torch.float64).requires_grad_()
    weight = torch.rand(shape[:1] + (1,) * (len(shape) - 1), generator=g, dtype=torch.float64) if weighted else None
    pos_weight = torch.rand(shape[-1:], generator=g, dtype=torch.float64) * 4 if pos_weighted else None

    def loss(a, b):
        return binary_cross_entropy_with_logits(a, b, weight=weight, pos_weight=pos_weight, reduction=reduction)

    assert torch.autograd.gradcheck(loss, (x, y))
    assert torch.autograd.gradgradcheck(loss, (x, y))


@pytest.mark.parametrize("input_dtype", FLOATS)
@pytest.mark.parametrize("target_dtype", FLOATS)
def test_bce_with_logits_result_has_the_targets_dtype_like_torch(input_dtype, target_dtype):
    x = torch.tensor([-2.0, 0.5, 3.0]).to(input_dtype)
    y = torch.tensor([0.0, 1.0, 0.25]).to(target_dtype)
    ours, theirs = (
        value_and_grads(binary_cross_entropy_with_logits, x, y),
        value_and_grads(F.binary_cross_entropy_with_logits, x, y),
    )
    assert ours[0].dtype == theirs[0].dtype == target_dtype
    assert ours[1].dtype == input_dtype and ours[2].dtype == target_dtype
    assert_same(ours, theirs)


def test_bce_with_logits_accepts_a_complex_target_like_torch():
    x, y = torch.tensor([0.2, -1.0]), torch.tensor([0.3, 1.0], dtype=torch.complex64)
    assert_close(binary_cross_entropy_with_logits(x, y), F.binary_cross_entropy_with_logits(x, y))


# ---------------------------------------------------------------------------------------------------------------
# The numbers the lesson teaches: the -100 floor, the 1e-12 gradient floor, saturation, pos_weight and weight.


def test_bce_clamps_each_log_at_minus_100_and_its_gradient_at_1e12():
    p = torch.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0])
    loss = binary_cross_entropy(p, y, reduction="none")
    loss.sum().backward()
    assert loss.tolist() == [-LOG_FLOOR, -LOG_FLOOR, 0.0, 0.0]
    assert_close(p.grad, torch.tensor([-1 / GRAD_EPS, 1 / GRAD_EPS, 0.0, 0.0]))
    reference = torch.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    F.binary_cross_entropy(reference, y, reduction="none").sum().backward()
    assert_close(p.grad, reference.grad)


def test_sigmoid_then_bce_saturates_in_float32_where_bce_with_logits_does_not():
    z = torch.tensor([17.0, -30.0, -120.0])
    y = torch.tensor([0.0, 1.0, 1.0])
    for fn in (binary_cross_entropy, F.binary_cross_entropy):
        zz = z.clone().requires_grad_()
        loss = fn(torch.sigmoid(zz), y, reduction="none")
        loss.sum().backward()
        assert_close(loss.detach(), torch.tensor([100.0, 30.0, 100.0]))  # true losses: 17, 30, 120
        assert zz.grad[0] == 0 and abs(zz.grad[1]) < 0.1 and zz.grad[2] == 0  # true gradients: 1, -1, -1
    ours = value_and_grads(binary_cross_entropy_with_logits, z, y, reduction="none")
    assert_close(ours[0], torch.tensor([17.0, 30.0, 120.0]))
    assert_close(ours[1], torch.tensor([1.0, -1.0, -1.0]))


def test_log_sigmoid_is_stable_and_equals_torch():
    x = torch.tensor([-1e4, -104.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1e4, INF, -INF])
    assert_close(log_sigmoid(x), F.logsigmoid(x))
    assert torch.isfinite(log_sigmoid(x[:-1])).all()


def test_weighted_mean_divides_by_the_number_of_elements_not_the_sum_of_weights():
    p, y, w = torch.tensor([0.8, 0.4]), torch.tensor([1.0, 0.0]), torch.tensor([1.0, 3.0])
    per_element = binary_cross_entropy(p, y, weight=w, reduction="none")
    assert_close(binary_cross_entropy(p, y, weight=w), per_element.sum() / 2)
    assert_close(F.binary_cross_entropy(p, y, weight=w), per_element.sum() / 2)


def test_pos_weight_scales_only_the_positive_term_per_class():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(6, 3, generator=g), (torch.rand(6, 3, generator=g) > 0.5).float()
    q = torch.tensor([1.0, 2.0, 5.0])
    log_p, log_not_p = F.logsigmoid(x), F.logsigmoid(-x)
    by_hand = -(q * y * log_p + (1 - y) * log_not_p)
    assert_close(binary_cross_entropy_with_logits(x, y, pos_weight=q, reduction="none"), by_hand)
    assert_close(F.binary_cross_entropy_with_logits(x, y, pos_weight=q, reduction="none"), by_hand)


@pytest.mark.parametrize(
    ("target_shape", "pos_weight_shape"), [((5, 3), (3,)), ((5, 3), (1,)), ((5, 3), ()), ((2, 3, 4, 4), (3, 1, 1))]
)
def test_pos_weight_broadcasts_like_torch(target_shape, pos_weight_shape):
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(target_shape, generator=g), torch.rand(target_shape, generator=g)
    q = torch.rand(pos_weight_shape, generator=g) * 3
    ours = value_and_grads(binary_cross_entropy_with_logits, x, y, pos_weight=q)
    assert_same(ours, value_and_grads(F.binary_cross_entropy_with_logits, x, y, pos_weight=q))


def test_empty_input_gives_nan_mean_and_zero_sum_like_torch():
    e = torch.empty(0)
    for ours, theirs in (
        (binary_cross_entropy, F.binary_cross_entropy),
        (binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits),
    ):
        assert_close(ours(e, e), theirs(e, e), equal_nan=True)
        assert_close(ours(e, e, reduction="sum"), theirs(e, e, reduction="sum"))


def test_the_losses_work_under_torch_func_like_torch():
    z = torch.linspace(-8, 8, 17)
    ours = curve(lambda t: binary_cross_entropy_with_logits(t, torch.tensor(1.0)), z)
    theirs = curve(lambda t: F.binary_cross_entropy_with_logits(t, torch.tensor(1.0)), z)
    assert_close((ours.value, ours.grad), (theirs.value, theirs.grad))
    p = torch.linspace(0, 1, 11)
    ours = curve(lambda t: binary_cross_entropy(t, torch.tensor(0.0)), p)
    theirs = curve(lambda t: F.binary_cross_entropy(t, torch.tensor(0.0)), p)
    assert_close((ours.value, ours.grad), (theirs.value, theirs.grad))


def test_a_weight_that_requires_grad_is_fine_when_no_gradient_is_recorded():
    x, y, w = torch.tensor([0.3, -1.0]), torch.tensor([1.0, 0.0]), torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        assert_close(
            binary_cross_entropy_with_logits(x, y, weight=w), F.binary_cross_entropy_with_logits(x, y, weight=w)
        )


# ---------------------------------------------------------------------------------------------------------------
# What torch rejects: torch raises, and ours raises an error that names what was expected and the fix.

P, Y = torch.tensor([0.2, 0.9]), torch.tensor([0.0, 1.0])
BCE_REJECTS = [
    ("input not a tensor", lambda f: f([0.2, 0.9], Y), TypeError, r"`input` must be a torch.Tensor, got list"),
    ("target not a tensor", lambda f: f(P, [0.0, 1.0]), TypeError, r"`target` must be a torch.Tensor, got list"),
    ("bad reduction", lambda f: f(P, Y, reduction="avg"), ValueError, r"one of 'none', 'mean' or 'sum', got 'avg'"),
    (
        "(2, 1) target",
        lambda f: f(P, Y[:, None]),
        ValueError,
        r"target of shape \(2, 1\) must have the shape of input \(2,\).*view_as",
    ),
    (
        "(3,) target",
        lambda f: f(P, torch.zeros(3)),
        ValueError,
        r"target of shape \(3,\).*one target per input element",
    ),
    (
        "integer target",
        lambda f: f(P, torch.tensor([0, 1])),
        TypeError,
        r"dtype of input \(torch.float32\), got torch.int64.*target.to\(input.dtype\)",
    ),
    ("bool target", lambda f: f(P, torch.tensor([False, True])), TypeError, r"got torch.bool"),
    ("float64 target", lambda f: f(P, Y.double()), TypeError, r"got torch.float64.*target.to\(input.dtype\)"),
    (
        "integer input",
        lambda f: f(torch.tensor([0, 1]), torch.tensor([0, 1])),
        TypeError,
        r"floating-point probabilities, got torch.int64",
    ),
    (
        "logits as input",
        lambda f: f(torch.tensor([-1.5, 2.0]), Y),
        ValueError,
        r"input must hold probabilities in \[0, 1\], but 2 of 2.*binary_cross_entropy_with_logits",
    ),
    ("NaN input", lambda f: f(torch.tensor([math.nan, 0.5]), Y), ValueError, r"1 of 2 values lie outside \(e.g. nan\)"),
    (
        "-1/+1 target",
        lambda f: f(P, torch.tensor([-1.0, 1.0])),
        ValueError,
        r"target must hold probabilities.*\(labels > 0\).float\(\)",
    ),
    (
        "weight too big",
        lambda f: f(P, Y, weight=torch.ones(3, 2)),
        ValueError,
        r"weight of shape \(3, 2\) must broadcast to the shape of input \(2,\) without growing",
    ),
    (
        "weight mismatched",
        lambda f: f(P, Y, weight=torch.ones(3)),
        ValueError,
        r"weight of shape \(3,\) must broadcast",
    ),
    (
        "weight requires grad",
        lambda f: f(P, Y, weight=torch.ones(2, requires_grad=True)),
        ValueError,
        r"weight.detach\(\)",
    ),
    ("complex weight", lambda f: f(P, Y, weight=torch.ones(2, dtype=torch.complex64)), TypeError, r"must be real"),
]
X = torch.tensor([-1.0, 2.0])
LOGITS_REJECT = [
    ("input not a tensor", lambda f: f([-1.0, 2.0], Y), TypeError, r"`input` must be a torch.Tensor, got list"),
    ("bad reduction", lambda f: f(X, Y, reduction="avg"), ValueError, r"got 'avg'"),
    (
        "(2, 1) target",
        lambda f: f(X, Y[:, None]),
        ValueError,
        r"target of shape \(2, 1\) must have the shape of input \(2,\).*view_as",
    ),
    (
        "(2, 1) input",
        lambda f: f(X[:, None], Y),
        ValueError,
        r"target of shape \(2,\) must have the shape of input \(2, 1\)",
    ),
    (
        "integer target",
        lambda f: f(X, torch.tensor([0, 1])),
        TypeError,
        r"target must be floating point.*got torch.int64.*target.float\(\)",
    ),
    ("bool target", lambda f: f(X, torch.tensor([False, True])), TypeError, r"got torch.bool.*target.float\(\)"),
    (
        "integer input",
        lambda f: f(torch.tensor([0, 1]), Y),
        TypeError,
        r"floating-point logits.*got torch.int64.*input.float\(\)",
    ),
    (
        "pos_weight too big",
        lambda f: f(X, Y, pos_weight=torch.ones(3, 1)),
        ValueError,
        r"pos_weight of shape \(3, 1\) must broadcast.*one positive-class weight per class",
    ),
    ("pos_weight mismatched", lambda f: f(X, Y, pos_weight=torch.ones(3)), ValueError, r"pos_weight of shape \(3,\)"),
    ("pos_weight a list", lambda f: f(X, Y, pos_weight=[1.0, 2.0]), TypeError, r"`pos_weight` must be a torch.Tensor"),
    ("pos_weight bool", lambda f: f(X, Y, pos_weight=torch.tensor([True, False])), TypeError, r"pos_weight.float\(\)"),
    (
        "pos_weight requires grad",
        lambda f: f(X, Y, pos_weight=torch.ones(2, requires_grad=True)),
        ValueError,
        r"pos_weight.detach\(\)",
    ),
    ("weight too big", lambda f: f(X, Y, weight=torch.ones(3, 2)), ValueError, r"weight of shape \(3, 2\)"),
    (
        "weight requires grad",
        lambda f: f(X, Y, weight=torch.ones(2, requires_grad=True)),
        ValueError,
        r"not differentiable",
    ),
    ("complex input", lambda f: f(X.to(torch.complex64), Y), TypeError, r"floating-point logits"),
]


def _ids(cases):
    return [case[0] for case in cases]


@pytest.mark.parametrize(("name", "call", "error", "words"), BCE_REJECTS, ids=_ids(BCE_REJECTS))
def test_bce_rejects_what_torch_rejects_and_names_the_fix(name, call, error, words):
    with pytest.raises((RuntimeError, ValueError, TypeError, AttributeError, NotImplementedError)):
        call(F.binary_cross_entropy)
    with pytest.raises(error, match=words):
        call(binary_cross_entropy)


@pytest.mark.parametrize(("name", "call", "error", "words"), LOGITS_REJECT, ids=_ids(LOGITS_REJECT))
def test_bce_with_logits_rejects_what_torch_rejects_and_names_the_fix(name, call, error, words):
    with pytest.raises((RuntimeError, ValueError, TypeError, AttributeError, NotImplementedError)):
        call(F.binary_cross_entropy_with_logits)
    with pytest.raises(error, match=words):
        call(binary_cross_entropy_with_logits)


@pytest.mark.parametrize(
    "target", [torch.tensor([0.0, 2.0]), torch.tensor([-1.0, 1.0]), torch.tensor([math.nan, 1.0])], ids=str
)
def test_bce_with_logits_checks_nothing_about_target_values_just_like_torch(target):
    ours = binary_cross_entropy_with_logits(X, target, reduction="none")
    assert_close(ours, F.binary_cross_entropy_with_logits(X, target, reduction="none"), equal_nan=True)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        binary_cross_entropy(P, Y, torch.ones(2))
    with pytest.raises(TypeError):
        binary_cross_entropy_with_logits(X, Y, torch.ones(2))
