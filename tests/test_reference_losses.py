"""Every reference loss against its torch twin where all of them must behave alike: torch.func, autocast, dtypes.

One table drives it: a row is (name, our loss, torch's loss, a maker of one sample's inputs). Adding a loss is
adding a row; every test below then covers it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor
from torch.func import grad, hessian, jacfwd, jacrev, vmap
from torch.testing import assert_close

from lesson_utils import losses
from lesson_utils.losses._checks import broadcast_shapes
from lesson_utils.surfaces import curve

FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
Inputs = tuple[tuple[Tensor, ...], dict[str, Any]]


def randn(g: torch.Generator, *shape: int) -> Tensor:
    return torch.randn(shape, generator=g, dtype=torch.float64)


def rand(g: torch.Generator, *shape: int, low: float = 0.0, high: float = 1.0) -> Tensor:
    return low + (high - low) * torch.rand(shape, generator=g, dtype=torch.float64)


def labels(g: torch.Generator, n: int, classes: int) -> Tensor:
    return torch.randint(0, classes, (n,), generator=g)


@dataclass(frozen=True)
class Twin:
    """A reference loss and torch's: ``inputs(g)`` makes one sample's positional tensors and keyword options.

    ``diff`` are the positions of the arguments both are differentiated with respect to.
    """

    name: str
    ours: Callable[..., Tensor]
    torch: Callable[..., Tensor]
    inputs: Callable[[torch.Generator], Inputs]
    diff: tuple[int, ...] = (0,)
    marks: list[Any] = field(default_factory=list)


TWINS = [
    Twin("mse_loss", losses.mse_loss, F.mse_loss, lambda g: ((randn(g, 4), randn(g, 4)), {}), diff=(0, 1)),
    Twin(
        "mse_loss weight",
        losses.mse_loss,
        F.mse_loss,
        lambda g: ((randn(g, 4), randn(g, 4)), {"weight": rand(g, 4, low=0.1)}),
        diff=(0, 1),
    ),
    Twin("cross_entropy", losses.cross_entropy, F.cross_entropy, lambda g: ((randn(g, 4, 3), labels(g, 4, 3)), {})),
    Twin(
        "cross_entropy weight, ignore_index, label_smoothing",
        losses.cross_entropy,
        F.cross_entropy,
        lambda g: (
            (randn(g, 4, 3), torch.tensor([0, 2, -100, 1])),
            {"weight": rand(g, 3, low=0.1), "label_smoothing": 0.1},
        ),
    ),
    Twin(
        "cross_entropy probabilities",
        losses.cross_entropy,
        F.cross_entropy,
        lambda g: ((randn(g, 4, 3), torch.softmax(randn(g, 4, 3), dim=1)), {"weight": rand(g, 3, low=0.1)}),
        diff=(0, 1),
    ),
    Twin(
        "nll_loss",
        losses.nll_loss,
        F.nll_loss,
        lambda g: ((torch.log_softmax(randn(g, 4, 3), dim=1), labels(g, 4, 3)), {"weight": rand(g, 3, low=0.1)}),
    ),
    Twin(
        "binary_cross_entropy",
        losses.binary_cross_entropy,
        F.binary_cross_entropy,
        lambda g: ((rand(g, 4, low=0.05, high=0.95), rand(g, 4)), {"weight": rand(g, 4, low=0.1)}),
        diff=(0, 1),
    ),
    Twin(
        "binary_cross_entropy_with_logits",
        losses.binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        lambda g: ((randn(g, 4), rand(g, 4)), {"weight": rand(g, 4, low=0.1), "pos_weight": rand(g, 4, low=0.5)}),
        diff=(0, 1),
    ),
    Twin(
        "binary_cross_entropy_with_logits no weights",
        losses.binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        lambda g: ((randn(g, 4), rand(g, 4)), {}),
        diff=(0, 1),
    ),
    Twin("l1_loss", losses.l1_loss, F.l1_loss, lambda g: ((randn(g, 4), randn(g, 4)), {}), diff=(0, 1)),
    Twin(
        "smooth_l1_loss",
        losses.smooth_l1_loss,
        F.smooth_l1_loss,
        lambda g: ((randn(g, 4), randn(g, 4)), {"beta": 0.5}),
        diff=(0, 1),
    ),
    Twin(
        "huber_loss",
        losses.huber_loss,
        F.huber_loss,
        lambda g: ((randn(g, 4), randn(g, 4)), {"delta": 0.7}),
        diff=(0, 1),
    ),
    Twin(
        "poisson_nll_loss",
        losses.poisson_nll_loss,
        F.poisson_nll_loss,
        lambda g: ((randn(g, 4), torch.poisson(rand(g, 4, high=4.0), generator=g)), {"full": True}),
    ),
    Twin(
        "poisson_nll_loss rates",
        losses.poisson_nll_loss,
        F.poisson_nll_loss,
        lambda g: (
            (rand(g, 4, low=0.1, high=3.0), torch.poisson(rand(g, 4, high=4.0), generator=g)),
            {"log_input": False},
        ),
    ),
    Twin(
        "kl_div",
        losses.kl_div,
        F.kl_div,
        lambda g: ((torch.log_softmax(randn(g, 4, 3), dim=1), torch.softmax(randn(g, 4, 3), dim=1)), {}),
        diff=(0, 1),
    ),
    Twin(
        "kl_div log_target",
        losses.kl_div,
        F.kl_div,
        lambda g: (
            (torch.log_softmax(randn(g, 4, 3), dim=1), torch.log_softmax(randn(g, 4, 3), dim=1)),
            {"log_target": True},
        ),
        diff=(0, 1),
    ),
]
# gaussian_nll_loss has no row: torch's own cannot run under vmap (its check `torch.any(var < 0)` is data-dependent
# control flow); tests/test_gaussian_nll_loss_reference.py proves ours under torch.func against torch without vmap.
REDUCTIONS = ["mean", "sum", "none"]


def scalar(loss: Callable[..., Tensor], kwargs: dict[str, Any]) -> Callable[..., Tensor]:
    return lambda *args: loss(*args, **kwargs).sum()


@pytest.mark.parametrize("twin", TWINS, ids=lambda t: t.name)
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**16), batch=st.integers(1, 3), reduction=st.sampled_from(REDUCTIONS))
def test_vmap_of_grad_equals_torch(twin, seed, batch, reduction):
    g = torch.Generator().manual_seed(seed)
    samples = [twin.inputs(g) for _ in range(batch)]
    kwargs = {**samples[0][1], "reduction": reduction}
    stacked = [torch.stack(column) for column in zip(*(args for args, _ in samples), strict=True)]
    ours = vmap(grad(scalar(twin.ours, kwargs), argnums=twin.diff))(*stacked)
    theirs = vmap(grad(scalar(twin.torch, kwargs), argnums=twin.diff))(*stacked)
    assert_close(ours, theirs)


@pytest.mark.parametrize("transform", [jacfwd, jacrev, hessian], ids=lambda t: t.__name__)
@pytest.mark.parametrize("twin", TWINS, ids=lambda t: t.name)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_jacobians_and_hessians_equal_torch(twin, transform, reduction):
    args, kwargs = twin.inputs(torch.Generator().manual_seed(0))
    kwargs = {**kwargs, "reduction": reduction}
    ours = transform(lambda *a: twin.ours(*a, **kwargs), argnums=twin.diff)(*args)
    theirs = transform(lambda *a: twin.torch(*a, **kwargs), argnums=twin.diff)(*args)
    assert_close(ours, theirs)


@pytest.mark.parametrize("twin", TWINS, ids=lambda t: t.name)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float32])
def test_cpu_autocast_gives_what_torch_gives(twin, dtype):
    args, kwargs = twin.inputs(torch.Generator().manual_seed(0))
    args = tuple(a.to(dtype) if a.is_floating_point() else a for a in args)
    kwargs = {k: v.to(dtype) if torch.is_tensor(v) else v for k, v in kwargs.items()}
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ours, theirs = twin.ours(*args, **kwargs), twin.torch(*args, **kwargs)
    assert ours.dtype == theirs.dtype  # float32, but for weighted MSE (torch computes that one in Python)
    assert_close(ours, theirs)


def outcome(loss: Callable[..., Tensor], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Tensor | None:
    """The result, or None if the loss refused the inputs (either error type: the messages differ on purpose)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return loss(*args, **kwargs)
    except (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError):
        return None


def assert_same_outcome(twin: Twin, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    ours, theirs = outcome(twin.ours, args, kwargs), outcome(twin.torch, args, kwargs)
    assert (ours is None) == (theirs is None), f"ours {ours}, torch {theirs}"
    if ours is not None:
        assert ours.dtype == theirs.dtype
        assert_close(ours.double(), theirs.double(), rtol=1e-2, atol=1e-3, equal_nan=True)


@pytest.mark.parametrize("twin", TWINS, ids=lambda t: t.name)
@pytest.mark.parametrize("dtype", FLOATS)
def test_mixed_dtypes_promote_or_are_refused_as_in_torch(twin, dtype):
    args, kwargs = twin.inputs(torch.Generator().manual_seed(0))
    for i, a in enumerate(args):
        if a.is_floating_point():
            assert_same_outcome(twin, (*args[:i], a.to(dtype), *args[i + 1 :]), kwargs)
    for key, value in kwargs.items():
        if torch.is_tensor(value):
            assert_same_outcome(twin, args, {**kwargs, key: value.to(dtype)})
            assert_same_outcome(twin, args, {**kwargs, key: value[:1].reshape(()).to(dtype)})


@pytest.mark.parametrize("zero_d", ["input", "target"])
@pytest.mark.parametrize("dtypes", [(torch.float32, torch.float64), (torch.float64, torch.float32)])
def test_mse_promotes_a_0d_tensor_as_torch_does(zero_d, dtypes):
    # torch broadcasts first, so a 0-d float64 target makes a float32 input's loss float64.
    full, single = torch.randn(3, dtype=dtypes[0]), torch.tensor(0.5, dtype=dtypes[1])
    args = (single, full) if zero_d == "input" else (full, single)
    assert_same_outcome(TWINS[0], args, {})
    assert losses.mse_loss(torch.randn(3), torch.tensor(1.0, dtype=torch.float64)).dtype == torch.float64


EMPTY = [
    ("mse_loss", (torch.randn(0), torch.randn(0)), {}),
    ("mse_loss", (torch.randn(0, 3), torch.randn(0, 3)), {"weight": torch.rand(0, 3)}),
    ("cross_entropy", (torch.randn(0, 3), torch.zeros(0, dtype=torch.long)), {}),
    ("cross_entropy", (torch.randn(0, 3, 2), torch.zeros(0, 2, dtype=torch.long)), {}),
    ("cross_entropy", (torch.randn(0, 3), torch.rand(0, 3)), {}),
    ("cross_entropy", (torch.randn(4, 0), torch.rand(4, 0)), {}),
    ("cross_entropy", (torch.randn(4, 0), torch.full((4,), -100)), {}),
    ("cross_entropy", (torch.randn(0, 0), torch.zeros(0, dtype=torch.long)), {"label_smoothing": 0.1}),
    ("nll_loss", (torch.randn(0, 3), torch.zeros(0, dtype=torch.long)), {"weight": torch.rand(3)}),
    ("nll_loss", (torch.randn(2, 0), torch.full((2,), -100)), {}),
    ("binary_cross_entropy", (torch.rand(0), torch.rand(0)), {}),
    ("binary_cross_entropy", (torch.rand(0, 2), torch.rand(0, 2)), {"weight": torch.rand(2)}),
    ("binary_cross_entropy_with_logits", (torch.randn(0), torch.rand(0)), {"pos_weight": torch.rand(())}),
    ("binary_cross_entropy_with_logits", (torch.randn(0, 3), torch.rand(0, 3)), {"pos_weight": torch.rand(3)}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "args", "kwargs"), EMPTY, ids=[f"{n}-{tuple(a[0].shape)}" for n, a, _ in EMPTY])
def test_empty_batches_and_zero_classes_give_torchs_result(name, args, kwargs, reduction):
    twin = next(t for t in TWINS if t.name == name)
    assert_same_outcome(twin, args, {**kwargs, "reduction": reduction})


def second_derivatives(loss: Callable[..., Tensor], x: Tensor, y: Tensor, **kwargs: Any) -> list[Tensor]:
    """d2l/dx2, d2l/dx dy and d2l/dy dx (each summed over elements), through create_graph=True."""
    x, y = x.clone().requires_grad_(), y.clone().requires_grad_()
    gx, gy = torch.autograd.grad(loss(x, y, **kwargs), (x, y), create_graph=True)
    xx, xy = torch.autograd.grad(gx.sum(), (x, y), retain_graph=True)
    (yx,) = torch.autograd.grad(gy.sum(), (x,))
    return [xx, xy, yx]


@pytest.mark.parametrize("pos_weight", [None, 2.0])
def test_second_derivatives_of_bce_with_logits_equal_torch_at_the_edges(pos_weight):
    x = torch.tensor([0.0, -0.0, 1e-300, -1e-300, 2.5, -2.5, 40.0, -40.0], dtype=torch.float64)
    y = torch.tensor([1.0, 0.0, 0.3, 1.0, 0.0, 0.7, 1.0, 0.0], dtype=torch.float64)
    kwargs = {} if pos_weight is None else {"pos_weight": torch.tensor(pos_weight, dtype=torch.float64)}
    ours = second_derivatives(losses.binary_cross_entropy_with_logits, x, y, **kwargs)
    theirs = second_derivatives(F.binary_cross_entropy_with_logits, x, y, **kwargs)
    assert_close(ours, theirs, rtol=1e-12, atol=0)
    if pos_weight is not None:  # at logit 0 and target 1: d2l/dx dy = (q - 1) / 2 - q = -1.5, not -3
        assert ours[2][0].item() * len(x) == pytest.approx(-1.5)


def test_second_derivatives_of_bce_equal_torch_and_the_exact_value():
    p = torch.tensor([0.1, 0.5, 0.9, 1e-6, 1 - 1e-6], dtype=torch.float64)
    y = torch.tensor([1.0, 0.0, 0.3, 1.0, 0.0], dtype=torch.float64)
    ours = second_derivatives(losses.binary_cross_entropy, p, y)
    # torch's double backward adds 1e-12 to p and 1 - p: near 0 and 1 it is off by about 2e-12 / p.
    assert_close(ours, second_derivatives(F.binary_cross_entropy, p, y), rtol=1e-5, atol=0)
    exact = (y / p**2 + (1 - y) / (1 - p) ** 2) / len(p)  # d2l/dp2 of the mean
    assert_close(ours[0], exact, rtol=1e-12, atol=0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_gradients_at_probabilities_0_and_1_equal_torch_to_the_last_bit(reduction):
    p = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0], dtype=torch.float64)
    y = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.3, 0.3], dtype=torch.float64)
    grads = []
    for loss in (losses.binary_cross_entropy, F.binary_cross_entropy):
        leaf = p.clone().requires_grad_()
        (g,) = torch.autograd.grad(loss(leaf, y, reduction=reduction).sum(), leaf)
        grads.append(g)
    assert torch.equal(grads[0], grads[1]), grads


def test_bce_refuses_probabilities_outside_0_1_under_vmap_as_torch_does():
    target = torch.tensor([1.0, 0.0], dtype=torch.float64)
    batch = torch.tensor([[0.5, 0.5], [1.5, 0.2]], dtype=torch.float64)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        vmap(F.binary_cross_entropy, in_dims=(0, None))(batch, target)
    with pytest.raises(ValueError, match=r"input must hold probabilities in \[0, 1\].*e\.g\. 1\.5"):
        vmap(losses.binary_cross_entropy, in_dims=(0, None))(batch, target)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        curve(lambda p: losses.binary_cross_entropy(p.expand(2), target), torch.tensor([0.5, 1.5]).double())


def test_vmap_sees_bad_labels_and_masks_in_the_whole_batch():
    logits = torch.randn(2, 4, 3)
    with pytest.raises(IndexError, match="class 7"):
        vmap(losses.cross_entropy)(logits, torch.tensor([[0, 1, 2, 0], [0, 7, 1, 1]]))
    with pytest.raises(ValueError, match="from 0 to 255"):
        mask = torch.tensor([0.0, 255.0]).repeat(9).reshape(2, 1, 1, 3, 3)  # a 0/255 mask in the batch
        vmap(losses.dice_loss)(torch.randn(2, 1, 1, 3, 3), mask)


@pytest.mark.parametrize("per_image", [True, False])
def test_dice_under_vmap_of_grad_equals_a_loop(per_image):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 2, 2, 4, 4, generator=g, dtype=torch.float64)
    target = torch.randint(0, 2, (3, 2, 4, 4), generator=g)
    f = scalar(losses.dice_loss, {"per_image": per_image})
    batched = vmap(grad(f))(logits, target)
    looped = torch.stack([torch.func.grad(f)(x, t) for x, t in zip(logits, target, strict=True)])
    assert_close(batched, looped)
    assert_close(jacfwd(f)(logits[0], target[0]), jacrev(f)(logits[0], target[0]))


@pytest.mark.parametrize("a", [(), (1,), (3,), (2, 1), (2, 3), (1, 3), (4, 1, 3), (0,), (2, 0), (1, 0)])
@pytest.mark.parametrize("b", [(), (1,), (3,), (2, 1), (1, 3), (0,), (5, 2, 3)])
def test_broadcast_shapes_is_torchs_without_its_imports(a, b):
    try:
        expected = torch.broadcast_shapes(a, b)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            broadcast_shapes(a, b)
    else:
        assert broadcast_shapes(a, b) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda x, y: losses.mse_loss(x, y),
        lambda x, y: losses.l1_loss(x, y),
        lambda x, y: losses.smooth_l1_loss(x, y),
        lambda x, y: losses.huber_loss(x, y),
        lambda x, y: losses.gaussian_nll_loss(x, y, torch.ones(3, 1)),
        lambda x, y: losses.poisson_nll_loss(x, y),
        lambda x, y: losses.pinball_loss(x, y, q=0.5),
        lambda x, y: losses.kl_div(torch.full((1, 3), -1.0), torch.full((2, 3), 1 / 3)),
    ],
    ids=["mse", "l1", "smooth_l1", "huber", "gaussian_nll", "poisson_nll", "pinball", "kl_div"],
)
def test_a_warning_names_the_line_that_called_the_loss(call):
    with pytest.warns(UserWarning, match="broadcast to") as caught:
        call(torch.zeros(3, 1), torch.zeros(3))
    assert {record.filename for record in caught} == {__file__}, "a warning points at the learner's line, not ours"
