"""lesson_utils.losses.cross_entropy and nll_loss against torch.nn.functional: values, gradients and errors."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st
from torch.testing import assert_close

from lesson_utils.losses import cross_entropy, nll_loss

REDUCTIONS = ["none", "mean", "sum"]
FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
#: float16/bfloat16 round every stored number; torch and we round at slightly different steps.
TOLERANCE = {
    torch.float16: {"rtol": 2e-3, "atol": 2e-3},
    torch.bfloat16: {"rtol": 2e-2, "atol": 2e-2},
    torch.float32: {"rtol": 1.3e-6, "atol": 1e-5},
    torch.float64: {"rtol": 1e-7, "atol": 1e-7},
}


def close(ours, theirs, dtype):
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    assert_close(ours, theirs, equal_nan=True, **TOLERANCE[dtype])


def leaf(t):
    return t.detach().clone().requires_grad_(t.is_floating_point())


def both(ours_fn, torch_fn, args, kwargs, dtype):
    """Call ours and torch's on fresh copies; compare values and the gradients of every floating argument."""
    mine, theirs = [leaf(a) for a in args], [leaf(a) for a in args]
    a, b = ours_fn(*mine, **kwargs), torch_fn(*theirs, **kwargs)
    close(a, b, dtype)
    if b.requires_grad:
        a.sum().backward()
        try:
            b.sum().backward()
        except RuntimeError as error:  # torch 2.13 cannot differentiate (C,) logits with a (1,) target
            assert "size mismatch" in str(error) and args[0].dim() == 1 and args[1].shape == (1,)
            squeezed = [leaf(args[0]), args[1].reshape(())]
            torch_fn(*squeezed, **kwargs).sum().backward()
            assert_close(mine[0].grad, squeezed[0].grad, equal_nan=True, **TOLERANCE[mine[0].dtype])
            return a, b
        for m, t in zip(mine, theirs, strict=True):
            if t.grad is not None:
                assert m.grad is not None
                # A float32 target's gradient is -log_softmax of float16 logits: as rough as the roughest input.
                loosest = max(m.dtype, dtype, key=lambda d: torch.finfo(d).eps)
                assert_close(m.grad, t.grad, equal_nan=True, **TOLERANCE[loosest])
    return a, b


# --- hypothesis: every argument, shape, dtype and reduction -------------------------------------------------------


@st.composite
def layouts(draw):
    """(input shape, class dim size C, target shape for class indices)."""
    n_dims = draw(st.integers(1, 5))
    n_classes = draw(st.integers(1, 5))
    if n_dims == 1:
        return (n_classes,), n_classes, draw(st.sampled_from([(), (1,)]))
    batch = draw(st.integers(0, 3))
    spatial = tuple(draw(st.lists(st.integers(0, 3), min_size=n_dims - 2, max_size=n_dims - 2)))
    return (batch, n_classes, *spatial), n_classes, (batch, *spatial)


def draw_logits(draw, shape, dtype):
    scale = draw(st.sampled_from([1.0, 30.0, 1e4]))
    n = math.prod(shape)
    values = draw(st.lists(st.floats(-1, 1, allow_nan=False, width=32), min_size=n, max_size=n))
    return (torch.tensor(values, dtype=torch.float64).reshape(shape) * scale).to(dtype)


@st.composite
def index_cases(draw):
    shape, n_classes, target_shape = draw(layouts())
    dtype = draw(st.sampled_from(FLOATS))
    logits = draw_logits(draw, shape, dtype)
    ignore_index = draw(st.sampled_from([-100, -1, 0, n_classes + 2]))
    n = math.prod(target_shape)
    labels = draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n))
    ignored = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    labels = [ignore_index if skip else label for label, skip in zip(labels, ignored, strict=True)]
    target = torch.tensor(labels, dtype=torch.int64).reshape(target_shape)
    if len(shape) <= 2 and 0 <= ignore_index <= 255 and draw(st.booleans()):
        target = target.to(torch.uint8)
    weight = None
    if draw(st.booleans()):
        values = draw(st.lists(st.floats(0, 3, width=16), min_size=n_classes, max_size=n_classes))
        weight = torch.tensor(values, dtype=dtype)
    kwargs = {"weight": weight, "ignore_index": ignore_index, "reduction": draw(st.sampled_from(REDUCTIONS))}
    return logits, target, kwargs


@given(index_cases(), st.sampled_from([0.0, 0.1, 1.0, -0.5, float("nan"), 0.37]))
def test_cross_entropy_with_class_indices_matches_torch(case, label_smoothing):
    logits, target, kwargs = case
    assume(logits.shape != target.shape)  # (1,) logits and a (1,) target: class probabilities, see the error tests
    smoothing = label_smoothing > 0
    assume(not (smoothing and logits.dim() == 1 and target.dim() == 1))  # torch fails there, see the error tests
    kept = bool((target.long() != kwargs["ignore_index"]).any())
    torch_gathers = smoothing and kwargs["weight"] is not None and kwargs["reduction"] == "mean" and kept
    assume(not (torch_gathers and target.dtype == torch.uint8))  # ditto
    kwargs = {**kwargs, "label_smoothing": label_smoothing}
    both(cross_entropy, F.cross_entropy, (logits, target), kwargs, logits.dtype)


@given(index_cases())
def test_nll_loss_matches_torch_on_any_numbers(case):
    values, target, kwargs = case  # nll_loss takes any numbers; log-probabilities are only what it expects
    both(nll_loss, F.nll_loss, (values, target), kwargs, values.dtype)


@st.composite
def probability_cases(draw):
    shape, n_classes, _ = draw(layouts())
    dtype = draw(st.sampled_from(FLOATS))
    target_dtype = draw(st.sampled_from([dtype, torch.float32, torch.float64]))
    logits = draw_logits(draw, shape, dtype)
    n = math.prod(shape)
    raw = torch.tensor(draw(st.lists(st.floats(0, 1, width=16), min_size=n, max_size=n)), dtype=torch.float64)
    raw = raw.reshape(shape)
    if draw(st.booleans()) and n:  # normalised rows, as a real distribution; otherwise any non-negative numbers
        class_dim = 0 if len(shape) == 1 else 1
        raw = raw / raw.sum(class_dim, keepdim=True).clamp_min(1e-3)
    weight = None
    if draw(st.booleans()):
        values = draw(st.lists(st.floats(0, 3, width=16), min_size=n_classes, max_size=n_classes))
        weight = torch.tensor(values, dtype=draw(st.sampled_from([dtype, torch.float64])))
    kwargs = {
        "weight": weight,
        "ignore_index": draw(st.sampled_from([-100, -1])),
        "reduction": draw(st.sampled_from(REDUCTIONS)),
        "label_smoothing": draw(st.sampled_from([0.0, 0.2, 1.0, -1.0])),
    }
    return logits, raw.to(target_dtype), kwargs


@given(probability_cases())
def test_cross_entropy_with_class_probabilities_matches_torch(case):
    logits, target, kwargs = case
    dtypes = [logits.dtype, target.dtype] + ([kwargs["weight"].dtype] if kwargs["weight"] is not None else [])
    loosest = max(dtypes, key=lambda d: torch.finfo(d).eps)
    both(cross_entropy, F.cross_entropy, (logits, target), kwargs, loosest)


# --- gradients in float64 and gradcheck ---------------------------------------------------------------------------

GRAD_LAYOUTS = [
    ((4,), ()),
    ((5, 4), (5,)),
    ((2, 3, 4), (2, 4)),
    ((2, 3, 2, 3), (2, 2, 3)),
    ((1, 3, 2, 1, 2), (1, 2, 1, 2)),
]


def index_target(target_shape, n_classes, *, seed=0, ignored=True):
    g = torch.Generator().manual_seed(seed)
    target = torch.randint(n_classes, target_shape, generator=g)
    if ignored and target.numel() > 1:
        target.view(-1)[0] = -100
    return target


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "target_shape"), GRAD_LAYOUTS)
@pytest.mark.parametrize("options", ["plain", "weight", "smoothing", "weight+smoothing"])
def test_class_index_gradients_pass_gradcheck(reduction, shape, target_shape, options):
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    logits = torch.randn(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    target = index_target(target_shape, n_classes)
    kwargs = {"reduction": reduction}
    if "weight" in options:
        kwargs["weight"] = torch.rand(n_classes, dtype=torch.float64) + 0.2
    if "smoothing" in options:
        kwargs["label_smoothing"] = 0.15
    both(cross_entropy, F.cross_entropy, (logits, target), kwargs, torch.float64)
    assert torch.autograd.gradcheck(lambda x: cross_entropy(x, target, **kwargs), (leaf(logits),))
    nll_kwargs = {k: v for k, v in kwargs.items() if k != "label_smoothing"}
    log_probs = F.log_softmax(logits, dim=0 if len(shape) == 1 else 1)
    both(nll_loss, F.nll_loss, (log_probs, target), nll_kwargs, torch.float64)
    assert torch.autograd.gradcheck(lambda x: nll_loss(x, target, **nll_kwargs), (leaf(log_probs),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "target_shape"), GRAD_LAYOUTS)
@pytest.mark.parametrize("options", ["plain", "weight", "smoothing"])
def test_class_probability_gradients_in_logits_target_and_weight_pass_gradcheck(
    reduction, shape, target_shape, options
):
    class_dim = 0 if len(shape) == 1 else 1
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(shape, dtype=torch.float64, generator=g)
    target = torch.rand(shape, dtype=torch.float64, generator=g).softmax(class_dim)
    kwargs = {"reduction": reduction, "label_smoothing": 0.2 if options == "smoothing" else 0.0}
    # With class probabilities torch differentiates with respect to logits, target and weight alike.
    weight = torch.rand(shape[class_dim], dtype=torch.float64, generator=g) + 0.2 if options == "weight" else None

    def ours(x, t, w=None):
        return cross_entropy(x, t, weight=w, **kwargs)

    def theirs(x, t, w=None):
        return F.cross_entropy(x, t, weight=w, **kwargs)

    args = (logits, target) if weight is None else (logits, target, weight)
    both(ours, theirs, args, {}, torch.float64)
    assert torch.autograd.gradcheck(ours, tuple(leaf(a) for a in args))


def test_the_gradient_of_the_mean_loss_is_softmax_minus_one_hot_over_n():
    logits = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([0, 4, 2, 2, 1, 3])
    cross_entropy(logits, target).backward()
    expected = (logits.softmax(1) - F.one_hot(target, 5)) / 6
    assert_close(logits.grad, expected.detach())


# --- the behaviours the lesson teaches, pinned ---------------------------------------------------------------------

X = torch.tensor([[1.2, -0.5, 0.8, 2.1], [-0.1, 1.5, 0.6, -0.3]])
Y = torch.tensor([3, 1])


def test_seed_article_example_2_prints_0_5673_not_0_7881():
    assert cross_entropy(X, Y).item() == pytest.approx(0.5673234462738037)
    assert F.cross_entropy(X, Y).item() == pytest.approx(0.5673234462738037)


def test_weighted_mean_divides_by_the_targets_weights_but_probability_targets_divide_by_n():
    w = torch.tensor([1.0, 1.0, 1.0, 3.0])
    per_sample = cross_entropy(X, Y, weight=w, reduction="none")
    assert_close(cross_entropy(X, Y, weight=w), per_sample.sum() / (w[3] + w[1]))
    one_hot = F.one_hot(Y, 4).float()
    assert_close(cross_entropy(X, one_hot, weight=w), per_sample.sum() / 2)
    assert_close(cross_entropy(X, one_hot, weight=w), F.cross_entropy(X, one_hot, weight=w))


def test_every_target_ignored_gives_nan_mean_zero_sum_and_zero_gradient():
    logits = X.clone().requires_grad_()
    target = torch.tensor([-100, -100])
    assert math.isnan(cross_entropy(logits, target).item())
    assert cross_entropy(logits, target, reduction="sum").item() == 0.0
    cross_entropy(logits, target).backward()
    assert torch.equal(logits.grad, torch.zeros_like(X))


def test_ignore_index_is_a_label_value_not_a_position():
    assert_close(
        cross_entropy(X, Y, ignore_index=1, reduction="none"),
        torch.stack([cross_entropy(X[0], Y[0]), torch.tensor(0.0)]),
    )


def test_naive_log_of_softmax_overflows_where_ours_and_torch_do_not():
    logits = torch.tensor([[1000.0, 0.0, -1000.0]])
    naive = -torch.log(torch.exp(logits) / torch.exp(logits).sum(1, keepdim=True))[0]
    assert math.isnan(naive[0].item()) and math.isinf(naive[1].item())  # inf / inf, and log(1 / inf)
    assert_close(cross_entropy(logits, torch.tensor([1])), F.cross_entropy(logits, torch.tensor([1])))
    assert cross_entropy(logits, torch.tensor([1])).item() == pytest.approx(1000.0)


@pytest.mark.parametrize(
    "logits",
    [
        [[float("inf"), 0.0, 1.0]],
        [[float("-inf"), 0.0, 1.0]],
        [[float("-inf"), float("-inf"), float("-inf")]],
        [[float("nan"), 0.0, 1.0]],
        [[3e38, -3e38, 0.0]],
        [[88.0, 89.0, 90.0]],
        [[-1e30, 1e30, 0.0]],
    ],
)
@pytest.mark.parametrize("label", [0, 1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_extreme_logits_match_torch_including_inf_and_nan(logits, label, reduction):
    x, y = torch.tensor(logits), torch.tensor([label])
    both(cross_entropy, F.cross_entropy, (x, y), {"reduction": reduction}, torch.float32)
    both(cross_entropy, F.cross_entropy, (x, y), {"reduction": reduction, "label_smoothing": 0.1}, torch.float32)
    both(cross_entropy, F.cross_entropy, (x, F.one_hot(y, 3).float()), {"reduction": reduction}, torch.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("shape", "target"),
    [
        ((0, 3), torch.zeros(0, dtype=torch.long)),
        ((2, 0), torch.full((2,), -100)),
        ((0, 3, 2, 2), torch.zeros(0, 2, 2, dtype=torch.long)),
        ((2, 3, 0), torch.zeros(2, 0, dtype=torch.long)),
        ((0, 0), torch.zeros(0, dtype=torch.long)),
    ],
)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_empty_inputs_match_torch(shape, target, reduction, label_smoothing):
    x = torch.randn(shape)
    kwargs = {"reduction": reduction, "label_smoothing": label_smoothing}
    both(cross_entropy, F.cross_entropy, (x, target), kwargs, torch.float32)
    both(cross_entropy, F.cross_entropy, (x, torch.rand(shape)), kwargs, torch.float32)
    both(nll_loss, F.nll_loss, (x, target), {"reduction": reduction}, torch.float32)


def test_odd_argument_types_torch_accepts_are_accepted():
    np = pytest.importorskip("numpy")
    kwargs = {"reduction": "none"}
    for ignore_index in (torch.tensor(1), np.int64(1)):
        assert_close(
            cross_entropy(X, Y, ignore_index=ignore_index, **kwargs), F.cross_entropy(X, Y, ignore_index=1, **kwargs)
        )
    for smoothing in (torch.tensor(0.1), True, 1):
        assert_close(cross_entropy(X, Y, label_smoothing=smoothing), F.cross_entropy(X, Y, label_smoothing=smoothing))
    one_hot = F.one_hot(Y, 4).float()
    for weight in (torch.ones(4, dtype=torch.long), torch.ones(4, dtype=torch.bool), torch.arange(4.0).double()):
        ours, theirs = cross_entropy(X, one_hot, weight=weight), F.cross_entropy(X, one_hot, weight=weight)
        assert ours.dtype == theirs.dtype
        assert_close(ours, theirs)


def test_k_dimensional_class_index_input_takes_any_weight_shape_with_c_numbers_like_torch():
    x = torch.randn(2, 3, 2, 2)
    y = torch.randint(3, (2, 2, 2))
    for weight, kwargs in [
        (torch.tensor([[1.0], [2.0], [3.0]]), {}),
        (torch.tensor([[1.0, 2.0, 3.0]]), {}),
        (torch.tensor([[1.0], [2.0], [3.0]]), {"label_smoothing": 0.1, "reduction": "sum"}),
        (torch.tensor([[1.0], [2.0], [3.0]]), {"label_smoothing": 0.1, "reduction": "none"}),
    ]:
        assert_close(cross_entropy(x, y, weight=weight, **kwargs), F.cross_entropy(x, y, weight=weight, **kwargs))
        assert_close(nll_loss(x, y, weight=weight), F.nll_loss(x, y, weight=weight))


# --- what torch rejects: torch raises, and ours raises an error that names the fix ---------------------------------

LONG_ONE_HOT = F.one_hot(Y, 4)
SEG = torch.randn(2, 3, 4, 5)
SEG_TARGET = torch.randint(3, (2, 4, 5))

REJECTED = [
    # (description, call, our error type, words our message must contain)
    ("logits as a list", lambda f: f([[1.0, 2.0]], Y), TypeError, r"`input` must be a torch.Tensor, got list"),
    ("labels as a list", lambda f: f(X, [3, 1]), TypeError, r"`target` must be a torch.Tensor, got list"),
    (
        "float labels",
        lambda f: f(X, Y.float()),
        TypeError,
        r"torch.int64 \(or uint8\), got torch.float32.*target\.long\(\)",
    ),
    ("int32 labels", lambda f: f(X, Y.int()), TypeError, r"got torch.int32.*target\.long\(\)"),
    ("bool labels", lambda f: f(X[:, :2], torch.tensor([True, False])), TypeError, r"got torch.bool"),
    ("(N, 1) labels", lambda f: f(X, Y[:, None]), ValueError, r"shape \(2,\), got \(2, 1\).*squeeze\(1\)"),
    ("float (N, 1) labels", lambda f: f(X, Y[:, None].float()), ValueError, r"squeeze\(1\)"),
    ("label == C", lambda f: f(X, torch.tensor([4, 1])), IndexError, r"class 4.*4 classes.*0\.\.3"),
    ("1-based labels", lambda f: f(X, torch.tensor([4, 2])), IndexError, r"1-based.*target - 1"),
    ("label -1", lambda f: f(X, torch.tensor([-1, 1])), IndexError, r"class -1.*negative label.*ignore_index=-1"),
    ("batch mismatch", lambda f: f(X, torch.tensor([1, 2, 3])), ValueError, r"input has 2 samples, target 3"),
    ("2-D input, 0-d label", lambda f: f(X, Y[0]), ValueError, r"shape \(2,\), got \(\)"),
    ("(C,) input, 3 labels", lambda f: f(X[0], torch.tensor([1, 2, 3])), ValueError, r"one unbatched sample.*0-d"),
    ("0-d input", lambda f: f(torch.tensor(1.0), torch.tensor(0)), (ValueError, TypeError), r"0-d|input"),
    ("integer logits", lambda f: f(X.long(), Y), TypeError, r"input must be floating point.*input\.float\(\)"),
    ("bool logits", lambda f: f(X > 0, Y), TypeError, r"floating point"),
    ("complex logits", lambda f: f(X.to(torch.complex64), Y), TypeError, r"floating point"),
    (
        "(N, 1, H, W) mask",
        lambda f: f(SEG, SEG_TARGET[:, None]),
        ValueError,
        r"\(2, 4, 5\), got \(2, 1, 4, 5\).*squeeze\(1\)",
    ),
    ("channels-last logits", lambda f: f(SEG.permute(0, 2, 3, 1), SEG_TARGET), ValueError, r"movedim\(-1, 1\)"),
    ("(N, C, L) with (N,) labels", lambda f: f(torch.randn(2, 3, 4), Y), ValueError, r"shape \(2, 4\), got \(2,\)"),
    ("uint8 K-dim labels", lambda f: f(SEG, SEG_TARGET.to(torch.uint8)), TypeError, r"uint8.*K-dimensional.*long"),
    ("weight of 3 for 4 classes", lambda f: f(X, Y, weight=torch.ones(3)), ValueError, r"shape \(4,\), got \(3,\)"),
    ("weight (C, 1) for (N, C)", lambda f: f(X, Y, weight=torch.ones(4, 1)), ValueError, r"shape \(4,\), got \(4, 1\)"),
    ("weight as a list", lambda f: f(X, Y, weight=[1.0] * 4), TypeError, r"`weight` must be a torch.Tensor"),
    (
        "float64 weight, float32 logits",
        lambda f: f(X, Y, weight=torch.ones(4).double()),
        TypeError,
        r"weight\.to\(input\.dtype\)",
    ),
    (
        "weight that requires grad",
        lambda f: f(X, Y, weight=torch.ones(4, requires_grad=True)),
        ValueError,
        r"weight\.detach\(\)",
    ),
    ("reduction 'avg'", lambda f: f(X, Y, reduction="avg"), ValueError, r"one of 'none', 'mean' or 'sum', got 'avg'"),
    ("reduction 'batchmean'", lambda f: f(X, Y, reduction="batchmean"), ValueError, r"got 'batchmean'"),
    ("ignore_index=None", lambda f: f(X, Y, ignore_index=None), TypeError, r"ignore_index must be an int"),
    ("ignore_index=1.0", lambda f: f(X, Y, ignore_index=1.0), TypeError, r"ignore_index must be an int"),
    ("ignore_index=True", lambda f: f(X, Y, ignore_index=True), TypeError, r"ignore_index must be an int"),
]

CE_ONLY_REJECTED = [
    ("long one-hot", lambda: LONG_ONE_HOT, {}, TypeError, r"class probabilities.*got torch.int64.*argmax\(dim=1\)"),
    ("uint8 one-hot", lambda: LONG_ONE_HOT.to(torch.uint8), {}, TypeError, r"floating point; got torch.uint8"),
    (
        "ignore_index with probabilities",
        lambda: LONG_ONE_HOT.float(),
        {"ignore_index": 0},
        ValueError,
        r"ignore_index=0 works only with class-index targets",
    ),
    ("label_smoothing 1.5", lambda: Y, {"label_smoothing": 1.5}, ValueError, r"between 0.0 and 1.0, got 1.5"),
    (
        "label_smoothing inf, probabilities",
        lambda: LONG_ONE_HOT.float(),
        {"label_smoothing": math.inf},
        ValueError,
        r"between 0.0 and 1.0",
    ),
    ("label_smoothing '0.1'", lambda: Y, {"label_smoothing": "0.1"}, TypeError, r"label_smoothing must be a number"),
    ("label_smoothing None", lambda: Y, {"label_smoothing": None}, TypeError, r"label_smoothing must be a number"),
    (
        "weight (C, 1) with probabilities",
        lambda: LONG_ONE_HOT.float(),
        {"weight": torch.ones(4, 1)},
        ValueError,
        r"shape \(4,\), got \(4, 1\)",
    ),
    (
        "uint8 labels with weight, smoothing and 'mean'",
        lambda: Y.to(torch.uint8),
        {"weight": torch.ones(4), "label_smoothing": 0.1},
        TypeError,
        r"needs int64 targets.*target\.long\(\)",
    ),
]


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize(("description", "call", "error", "words"), REJECTED, ids=[r[0] for r in REJECTED])
def test_inputs_torch_rejects_raise_errors_that_name_the_fix(fn, description, call, error, words):
    ours, theirs = {"cross_entropy": (cross_entropy, F.cross_entropy), "nll_loss": (nll_loss, F.nll_loss)}[fn]
    with pytest.raises((RuntimeError, ValueError, TypeError, IndexError, NotImplementedError)):
        call(theirs)
    with pytest.raises(error, match=words):
        call(ours)


@pytest.mark.parametrize(
    ("description", "make_target", "kwargs", "error", "words"), CE_ONLY_REJECTED, ids=[r[0] for r in CE_ONLY_REJECTED]
)
def test_cross_entropy_only_rejections(description, make_target, kwargs, error, words):
    with pytest.raises((RuntimeError, ValueError, TypeError)):
        F.cross_entropy(X, make_target(), **kwargs)
    with pytest.raises(error, match=words):
        cross_entropy(X, make_target(), **kwargs)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        # torch 2.13 fails on these by accident; ours refuses them too, and says what works instead.
        (lambda f: f(X[0], Y[:1], label_smoothing=0.1), ValueError, r"0-d target.*squeeze\(0\)"),
        (lambda f: f(SEG, SEG_TARGET, weight=torch.ones(3, 1), label_smoothing=0.1), ValueError, r"reshape\(-1\)"),
        (lambda f: f(SEG, SEG_TARGET, weight=torch.ones(1, 3), label_smoothing=0.1), ValueError, r"shape \(3,\)"),
        (lambda f: f(SEG, SEG_TARGET, weight=torch.ones(4)), ValueError, r"shape \(3,\), got \(4,\)"),
        (lambda f: f(X, torch.full((2, 4), 0.25), ignore_index=3), ValueError, r"ignore_index=3"),
    ],
)
def test_odd_combinations_torch_rejects(call, error, words):
    with pytest.raises((RuntimeError, ValueError)):
        call(F.cross_entropy)
    with pytest.raises(error, match=words):
        call(cross_entropy)


def test_nll_loss_refuses_a_target_of_the_inputs_shape_and_points_to_cross_entropy():
    with pytest.raises(RuntimeError):
        F.nll_loss(X, LONG_ONE_HOT)
    with pytest.raises(ValueError, match=r"one-hot.*argmax\(dim=1\).*cross_entropy"):
        nll_loss(X, LONG_ONE_HOT)


def test_silent_torch_behaviours_are_reproduced_not_fixed():
    # negative or NaN label_smoothing means no smoothing; probabilities need not sum to 1; NLL takes any numbers.
    for smoothing in (-0.5, float("nan")):
        assert_close(cross_entropy(X, Y, label_smoothing=smoothing), F.cross_entropy(X, Y))
    halves = torch.full((2, 4), 0.5)
    assert_close(cross_entropy(X, halves), F.cross_entropy(X, halves))
    probabilities = X.softmax(1)
    assert nll_loss(probabilities, Y).item() < 0
    assert_close(nll_loss(probabilities, Y), F.nll_loss(probabilities, Y))
