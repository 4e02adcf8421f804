"""lesson_utils.losses.dice_loss: known cases, properties, gradients and errors (torch has no Dice loss).

With no torch twin to compare against, the reference is an independent, deliberately plain formula: a Python
loop over images and classes, flattening with reshape, one-hot by comparison, all in float64.
"""

import math

import pytest
import torch
import torch.nn as nn
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from lesson_utils.losses import dice_loss

REDUCTIONS = ["none", "mean", "sum"]
FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
TOLERANCE = {
    torch.float16: {"rtol": 1e-2, "atol": 2e-3},
    torch.bfloat16: {"rtol": 2e-2, "atol": 1e-2},
    torch.float32: {"rtol": 1e-5, "atol": 1e-6},
    torch.float64: {"rtol": 1e-7, "atol": 1e-9},
}


def plain_dice(input, target, *, smooth=1.0, reduction="mean", per_image=True):
    """Dice loss the slow, obvious way: per image (or whole batch) and class, 1 - (2I + s) / (P + T + s)."""
    x = input.double()
    n, c = x.shape[0], x.shape[1]
    probs = torch.sigmoid(x) if c == 1 else torch.softmax(x, dim=1)
    if target.ndim == x.ndim - 1:
        t = target.unsqueeze(1).double() if c == 1 else torch.stack([(target == k).double() for k in range(c)], dim=1)
    else:
        t = target.double()
    groups = [[i] for i in range(n)] if per_image else [list(range(n))]
    rows = []
    for images in groups:
        row = []
        for k in range(c):
            p = torch.cat([probs[i, k].reshape(-1) for i in images]) if images else torch.zeros(0, dtype=torch.float64)
            g = torch.cat([t[i, k].reshape(-1) for i in images]) if images else torch.zeros(0, dtype=torch.float64)
            top, bottom = 2 * (p * g).sum() + smooth, p.sum() + g.sum() + smooth
            row.append(1 - (top / bottom if bottom != 0 else torch.ones((), dtype=torch.float64)))
        rows.append(torch.stack(row))
    losses = torch.stack(rows) if rows else torch.zeros(0, c, dtype=torch.float64)
    if not per_image:
        losses = losses[0]
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


class SeedDiceLoss(nn.Module):
    """The seed article's DiceLoss, verbatim but for comments: right where it works (binary, contiguous input)."""

    def __init__(self, smooth=1.0):
        super().__init__()
        self.smooth = smooth

    def forward(self, predictions, targets):
        predictions = torch.sigmoid(predictions)
        predictions = predictions.view(predictions.size(0), -1)
        targets = targets.view(targets.size(0), -1)
        intersection = (predictions * targets).sum(dim=1)
        dice = (2.0 * intersection + self.smooth) / (predictions.sum(dim=1) + targets.sum(dim=1) + self.smooth)
        return 1 - dice.mean()


def blob(size, cx, cy, r):
    """A disk mask of radius r at (cx, cy) on a size x size grid."""
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    return (((xx - cx) ** 2 + (yy - cy) ** 2) <= r * r).double()


@st.composite
def problems(draw):
    """Logits and a target in one of the accepted forms, over shapes, dtypes and classes."""
    n = draw(st.integers(0, 3))
    c = draw(st.integers(1, 4))
    spatial = tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=3)))
    dtype = draw(st.sampled_from(FLOATS))
    shape = (n, c, *spatial)
    numel = math.prod(shape)
    scale = draw(st.sampled_from([1.0, 10.0, 1e4]))
    values = draw(st.lists(st.floats(-1, 1, width=32), min_size=numel, max_size=numel))
    logits = (torch.tensor(values, dtype=torch.float64).reshape(shape) * scale).to(dtype)
    seed = draw(st.integers(0, 2**16))
    g = torch.Generator().manual_seed(seed)
    labels = (
        torch.randint(0, c, (n, *spatial), generator=g) if c > 1 else torch.randint(0, 2, (n, *spatial), generator=g)
    )
    form = draw(st.sampled_from(["indices", "float", "bool", "int", "soft"]))
    if c == 1:
        mask = labels.unsqueeze(1)
        target = {
            "indices": labels.to(dtype),
            "float": mask.to(dtype),
            "bool": mask.bool(),
            "int": mask,
            "soft": torch.rand(shape, generator=g, dtype=torch.float64).to(dtype),
        }[form]
    else:
        onehot = torch.stack([(labels == k) for k in range(c)], dim=1)
        soft = torch.softmax(torch.randn(shape, generator=g, dtype=torch.float64), dim=1)
        target = {"indices": labels, "float": onehot.to(dtype), "bool": onehot, "int": onehot.long(), "soft": soft}[
            form
        ]
    return logits, target


SETTINGS = st.fixed_dictionaries(
    {
        "smooth": st.sampled_from([0.0, 1e-5, 1.0, 3.5]),
        "reduction": st.sampled_from(REDUCTIONS),
        "per_image": st.booleans(),
    }
)


@given(problems(), SETTINGS)
def test_value_matches_the_plain_formula_for_any_shape_dtype_target_form_and_option(problem, options):
    logits, target = problem
    ours = dice_loss(logits, target, **options)
    expected = plain_dice(logits, target, **options)
    out_dtype = torch.promote_types(logits.dtype, target.dtype) if target.is_floating_point() else logits.dtype
    assert ours.dtype == out_dtype
    assert_close(ours, expected.to(out_dtype), equal_nan=True, **TOLERANCE[out_dtype])


@given(problems(), SETTINGS)
def test_loss_lies_in_zero_one_and_never_nan_for_finite_logits_and_a_batch(problem, options):
    logits, target = problem
    losses = dice_loss(logits, target, **{**options, "reduction": "none"})
    assert losses.shape == ((logits.shape[0], logits.shape[1]) if options["per_image"] else (logits.shape[1],))
    assert not losses.isnan().any()
    slack = 1e-6 if losses.dtype in (torch.float32, torch.float64) else 1e-3  # rounding of 2I vs P + T
    assert bool(((losses >= -slack) & (losses <= 1 + slack)).all())


@given(problems(), SETTINGS)
def test_gradient_matches_the_plain_formula(problem, options):
    logits, target = problem
    logits = logits.double()
    ours_x, theirs_x = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    ours = dice_loss(ours_x, target, **options).sum()
    theirs = plain_dice(theirs_x, target, **options).sum()
    if logits.numel() == 0:
        return
    ours.backward()
    theirs.backward()
    assert_close(ours_x.grad, theirs_x.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("per_image", [True, False])
@pytest.mark.parametrize("smooth", [0.0, 1.0])
@pytest.mark.parametrize(
    ("shape", "target"),
    [
        ((2, 1, 4, 5), "mask"),
        ((2, 1, 4, 5), "mask-no-channel"),
        ((3, 1, 7), "soft"),
        ((2, 3, 4, 4), "indices"),
        ((1, 4, 2, 3, 2), "onehot"),
        ((2, 3, 3, 3), "soft"),
    ],
)
def test_gradcheck_in_float64_with_respect_to_logits_and_soft_targets(reduction, per_image, smooth, shape, target):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
    n, c, spatial = shape[0], shape[1], shape[2:]
    if target == "indices":
        y = torch.randint(0, c, (n, *spatial), generator=g)
    elif target == "onehot":
        labels = torch.randint(0, c, (n, *spatial), generator=g)
        y = torch.stack([labels == k for k in range(c)], 1).double()
    elif target == "mask":
        y = torch.randint(0, 2, shape, generator=g).double()
    elif target == "mask-no-channel":
        y = torch.randint(0, 2, (n, *spatial), generator=g).double()
    else:
        y = (
            (0.1 + 0.8 * torch.rand(shape, generator=g, dtype=torch.float64))
            if c == 1
            else torch.softmax(torch.randn(shape, generator=g, dtype=torch.float64), dim=1)
        )
        y.requires_grad_()
    options = {"reduction": reduction, "per_image": per_image, "smooth": smooth}
    assert torch.autograd.gradcheck(lambda logits: dice_loss(logits, y, **options), (x,))
    if y.requires_grad:
        assert torch.autograd.gradcheck(lambda logits, soft: dice_loss(logits, soft, **options), (x, y))


def test_gradient_equals_the_hand_derived_formula():
    """d(1 - D)/dz_i = -(2 t_i S - (2 I + s)) / S^2 * p_i (1 - p_i), with S = sum(p) + sum(t) + s, I = sum(p t)."""
    g = torch.Generator().manual_seed(3)
    z = torch.randn(1, 1, 6, 6, generator=g, dtype=torch.float64, requires_grad=True)
    t = torch.randint(0, 2, (1, 1, 6, 6), generator=g).double()
    dice_loss(z, t, smooth=1.0).backward()
    p = torch.sigmoid(z.detach())
    big_s, inter = p.sum() + t.sum() + 1.0, (p * t).sum()
    by_hand = -(2 * t * big_s - (2 * inter + 1.0)) / big_s**2 * p * (1 - p)
    assert_close(z.grad, by_hand)


@pytest.mark.parametrize("smooth", [0.0, 1.0])
def test_a_perfect_prediction_scores_zero(smooth):
    t = blob(12, 5, 6, 3).reshape(1, 1, 12, 12)
    logits = (t * 2 - 1) * 60  # sigmoid(+-60) is 1 and 0 to float64 precision
    assert dice_loss(logits, t, smooth=smooth).item() == pytest.approx(0.0, abs=1e-12)
    labels = torch.tensor([[[0, 1, 2], [2, 1, 0]]])
    onehot_logits = torch.stack([(labels == k).double() * 100 for k in range(3)], dim=1)
    assert dice_loss(onehot_logits, labels, smooth=smooth).item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("smooth", [0.0, 1.0, 5.0])
def test_disjoint_masks_score_one_minus_the_smoothing_share(smooth):
    t = blob(16, 4, 4, 2.5).reshape(1, 1, 16, 16)
    p = blob(16, 11, 11, 2.5).reshape(1, 1, 16, 16)
    logits = (p * 2 - 1) * 60
    expected = 1 - smooth / (p.sum() + t.sum() + smooth)
    assert dice_loss(logits, t, smooth=smooth).item() == pytest.approx(expected.item(), abs=1e-12)


@pytest.mark.parametrize("smooth", [0.0, 1e-5, 1.0])
def test_empty_target_and_empty_prediction_score_zero_without_nan(smooth):
    logits = torch.full((2, 1, 5, 5), -math.inf, requires_grad=True)
    loss = dice_loss(logits, torch.zeros(2, 1, 5, 5), smooth=smooth)
    loss.backward()
    assert loss.item() == 0.0
    assert torch.isfinite(logits.grad).all() and (logits.grad == 0).all()
    underflow = torch.full((1, 1, 4, 4), -200.0, requires_grad=True)  # sigmoid(-200) is exactly 0 in float32
    loss = dice_loss(underflow, torch.zeros(1, 1, 4, 4), smooth=0.0)
    loss.backward()
    assert loss.item() == 0.0 and torch.isfinite(underflow.grad).all()


def test_an_empty_target_with_smooth_zero_gives_loss_one_and_no_gradient():
    """The silent failure: without smoothing an empty mask teaches nothing, however wrong the prediction."""
    logits = torch.full((1, 1, 8, 8), -1.0, dtype=torch.float64, requires_grad=True)
    loss = dice_loss(logits, torch.zeros(1, 1, 8, 8), smooth=0.0)
    loss.backward()
    assert loss.item() == 1.0
    assert (logits.grad == 0).all()
    logits.grad = None
    loss = dice_loss(logits, torch.zeros(1, 1, 8, 8), smooth=1.0)
    loss.backward()
    total = torch.sigmoid(torch.tensor(-1.0, dtype=torch.float64)) * 64
    assert loss.item() == pytest.approx((total / (total + 1)).item())
    assert (logits.grad > 0).all(), "smoothing turns an empty mask into a push towards background"


def test_empty_batch_and_empty_images_follow_the_mean_of_nothing_convention():
    x, t = torch.zeros(0, 2, 3, 3), torch.zeros(0, 3, 3, dtype=torch.long)
    assert dice_loss(x, t, reduction="none").shape == (0, 2)
    assert dice_loss(x, t).isnan()
    assert dice_loss(x, t, reduction="sum").item() == 0.0
    assert dice_loss(x, t, per_image=False, reduction="none").tolist() == [0.0, 0.0]
    no_pixels = torch.zeros(2, 1, 0, 4)
    assert dice_loss(no_pixels, no_pixels, smooth=0.0).item() == 0.0


@pytest.mark.parametrize(
    ("make", "view_fails"),
    [
        (lambda x: x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2), True),  # channels-last, permuted back
        (lambda x: x.contiguous(memory_format=torch.channels_last), True),
        # every other column: not contiguous, yet one uniform stride, so .view(N, -1) happens to work
        (lambda x: torch.stack([x, torch.zeros_like(x)], dim=-1).flatten(-2)[..., ::2], False),
        (lambda x: x.transpose(2, 3).contiguous().transpose(2, 3), True),
    ],
)
@pytest.mark.parametrize("c", [1, 3])
def test_non_contiguous_inputs_give_the_same_value_and_gradient(make, view_fails, c):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, c, 6, 6, generator=g, dtype=torch.float64)
    t = (
        torch.randint(0, 2, (2, 1, 6, 6), generator=g).double()
        if c == 1
        else torch.randint(0, c, (2, 6, 6), generator=g)
    )
    strided = make(x)
    strided_t = make(t) if c == 1 else t.transpose(1, 2).contiguous().transpose(1, 2)
    assert not strided.is_contiguous() or c == 1
    a, b = x.clone().requires_grad_(), strided.detach().requires_grad_()
    la, lb = dice_loss(a, t), dice_loss(b, strided_t)
    la.backward()
    lb.backward()
    assert_close(la, lb)
    assert_close(a.grad, b.grad)
    if c == 3 and view_fails:
        with pytest.raises(RuntimeError, match=r"view size is not compatible"):
            SeedDiceLoss()(strided, torch.ones_like(strided))


def test_agrees_with_the_seed_module_where_the_seed_is_right():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 1, 16, 16, generator=g)
    t = torch.randint(0, 2, (4, 1, 16, 16), generator=g).float()
    for smooth in (0.0, 1.0, 10.0):
        assert_close(dice_loss(x, t, smooth=smooth), SeedDiceLoss(smooth)(x, t))


def test_reductions_are_the_mean_and_sum_of_the_per_image_per_class_losses():
    g = torch.Generator().manual_seed(2)
    x, t = torch.randn(3, 4, 5, 5, generator=g), torch.randint(0, 4, (3, 5, 5), generator=g)
    none = dice_loss(x, t, reduction="none")
    assert none.shape == (3, 4)
    assert_close(dice_loss(x, t), none.mean())
    assert_close(dice_loss(x, t, reduction="sum"), none.sum())
    pooled = dice_loss(x, t, reduction="none", per_image=False)
    assert pooled.shape == (4,)


def test_per_batch_dice_is_per_image_dice_of_the_batch_laid_side_by_side():
    g = torch.Generator().manual_seed(4)
    x, t = torch.randn(3, 2, 4, 5, generator=g, dtype=torch.float64), torch.randint(0, 2, (3, 4, 5), generator=g)
    side_by_side_x = x.movedim(0, -1).unsqueeze(0)  # (1, C, H, W, N): the batch becomes one more spatial axis
    side_by_side_t = t.movedim(0, -1).unsqueeze(0)
    assert_close(
        dice_loss(x, t, per_image=False, reduction="none"),
        dice_loss(side_by_side_x, side_by_side_t, reduction="none")[0],
    )


def test_binary_sigmoid_equals_the_foreground_class_of_two_channel_softmax():
    g = torch.Generator().manual_seed(5)
    z = torch.randn(2, 1, 6, 6, generator=g, dtype=torch.float64)
    t = torch.randint(0, 2, (2, 6, 6), generator=g)
    two = torch.cat([torch.zeros_like(z), z], dim=1)  # softmax([0, z])[1] = sigmoid(z)
    assert_close(dice_loss(z, t, reduction="none")[:, 0], dice_loss(two, t, reduction="none")[:, 1])


def test_multi_label_masks_are_scored_channel_by_channel_as_the_error_suggests():
    g = torch.Generator().manual_seed(9)
    x = torch.randn(2, 3, 5, 5, generator=g, dtype=torch.float64)
    overlapping = torch.randint(0, 2, (2, 3, 5, 5), generator=g).double()
    with pytest.raises(ValueError, match=r"Multi-label.*input.flatten\(0, 1\).unsqueeze\(1\)"):
        dice_loss(x, overlapping)
    per_channel = dice_loss(x.flatten(0, 1).unsqueeze(1), overlapping.flatten(0, 1).unsqueeze(1), reduction="none")
    expected = torch.stack(
        [plain_dice(x[:, k : k + 1], overlapping[:, k : k + 1], reduction="none")[:, 0] for k in range(3)], dim=1
    )
    assert_close(per_channel.reshape(2, 3), expected)


def test_pixel_order_does_not_matter():
    g = torch.Generator().manual_seed(6)
    x, t = torch.randn(2, 3, 5, 4, generator=g), torch.randint(0, 3, (2, 5, 4), generator=g)
    order = torch.randperm(20, generator=g)
    shuffled_x = x.reshape(2, 3, 20)[..., order]
    shuffled_t = t.reshape(2, 20)[..., order]
    assert_close(dice_loss(x, t, reduction="none"), dice_loss(shuffled_x, shuffled_t, reduction="none"))


def test_half_precision_sums_do_not_overflow_on_a_large_image():
    t = torch.ones(1, 1, 512, 512)
    x = torch.full((1, 1, 512, 512), 3.0)
    naive = torch.sigmoid(x.half()).sum() + t.half().sum()
    assert naive.isinf(), "this is the overflow a float16 Dice runs into"
    for dtype in (torch.float16, torch.bfloat16):
        ours = dice_loss(x.to(dtype), t.to(dtype))
        assert ours.dtype == dtype
        assert_close(ours.float(), dice_loss(x, t), **TOLERANCE[dtype])


def test_dtypes_promote_and_masks_of_any_real_dtype_work():
    x = torch.randn(2, 1, 4, 4)
    mask = torch.randint(0, 2, (2, 1, 4, 4))
    expected = dice_loss(x, mask.float())
    for t in (mask, mask.bool(), mask.to(torch.uint8), mask.to(torch.int32)):
        assert_close(dice_loss(x, t), expected)
    assert dice_loss(x, mask.double()).dtype == torch.float64
    assert dice_loss(x.half(), mask).dtype == torch.float16


def test_target_gradient_flows_for_soft_targets():
    x = torch.randn(1, 1, 3, 3, dtype=torch.float64)
    t = torch.rand(1, 1, 3, 3, dtype=torch.float64, requires_grad=True)
    dice_loss(x, t).backward()
    assert t.grad is not None and t.grad.abs().sum() > 0


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: dice_loss([[1.0]], torch.ones(1)), TypeError, r"`input` must be a torch.Tensor, got list"),
        (lambda: dice_loss(torch.ones(1, 1, 2), 1.0), TypeError, r"`target` must be a torch.Tensor, got float"),
        (
            lambda: dice_loss(torch.ones(2, 1, 4, dtype=torch.long), torch.ones(2, 1, 4)),
            TypeError,
            r"floating-point logits.*got torch.int64.*input.float\(\)",
        ),
        (lambda: dice_loss(torch.ones(2, 1, 4, dtype=torch.bool), torch.ones(2, 1, 4)), TypeError, r"torch.bool"),
        (lambda: dice_loss(torch.ones(2, 1, 4, dtype=torch.complex64), torch.ones(2, 1, 4)), TypeError, r"complex"),
        (
            lambda: dice_loss(torch.ones(2, 1, 4), torch.ones(2, 1, 4, dtype=torch.complex64)),
            TypeError,
            r"target has dtype torch.complex64",
        ),
        (
            lambda: dice_loss(torch.zeros(16, 16), torch.zeros(16, 16)),
            ValueError,
            r"shape \(N, C, \*spatial\).*got \(16, 16\).*input\[None, None\]",
        ),
        (lambda: dice_loss(torch.zeros(5), torch.zeros(5)), ValueError, r"got \(5,\)"),
        (lambda: dice_loss(torch.zeros(2, 0, 3), torch.zeros(2, 0, 3)), ValueError, r"has no channels"),
        (
            lambda: dice_loss(torch.zeros(2, 16, 16), torch.randint(0, 2, (2, 16, 16)).float()),
            ValueError,
            r"16-channel target.*sum to 1 over dim 1.*without its channel dim.*unsqueeze\(1\)",
        ),
        (
            lambda: dice_loss(torch.zeros(2, 8, 8, 3), torch.randint(0, 3, (2, 8, 8))),
            ValueError,
            r"channels-last.*input.movedim\(-1, 1\)",
        ),
        (
            lambda: dice_loss(torch.zeros(2, 3, 8, 8), torch.randint(0, 3, (2, 1, 8, 8))),
            ValueError,
            r"one-channel target for 3-channel logits.*target.squeeze\(1\).long\(\)",
        ),
        (
            lambda: dice_loss(torch.zeros(2, 1, 8, 8), torch.zeros(2, 1, 4, 4)),
            ValueError,
            r"shape \(2, 1, 4, 4\) does not fit input of shape \(2, 1, 8, 8\).*spatial sizes differ",
        ),
        (
            lambda: dice_loss(torch.zeros(2, 1, 8, 8), torch.zeros(3, 1, 8, 8)),
            ValueError,
            r"batch sizes differ: input has 2 images, target 3",
        ),
        (
            lambda: dice_loss(torch.zeros(2, 3, 4, 4), torch.rand(2, 4, 4)),
            TypeError,
            r"holds class indices and must be an integer tensor, got torch.float32.*target.long\(\)",
        ),
        (
            lambda: dice_loss(torch.zeros(2, 3, 4, 4), torch.full((2, 4, 4), 3)),
            ValueError,
            r"class indices must lie in \[0, 2\] for 3 channels, got values from 3 to 3.*no ignore_index",
        ),
        (lambda: dice_loss(torch.zeros(2, 3, 4, 4), torch.full((2, 4, 4), -100)), ValueError, r"from -100 to -100"),
        (
            lambda: dice_loss(torch.zeros(1, 1, 4, 4), torch.full((1, 1, 4, 4), 255.0)),
            ValueError,
            r"values in \[0, 1\], got values from 255 to 255.*0/255.*target / 255",
        ),
        (
            lambda: dice_loss(torch.zeros(1, 2, 4), torch.tensor([[[0.5, 2.0, 0, 0], [0.5, -1.0, 1, 1]]])),
            ValueError,
            r"2-channel target.*values in \[0, 1\]",
        ),
        (
            lambda: dice_loss(torch.zeros(1, 1, 4), torch.ones(1, 1, 4), smooth=-1.0),
            ValueError,
            r"smooth must be a finite number >= 0, got -1.0",
        ),
        (lambda: dice_loss(torch.zeros(1, 1, 4), torch.ones(1, 1, 4), smooth=math.nan), ValueError, r"got nan"),
        (lambda: dice_loss(torch.zeros(1, 1, 4), torch.ones(1, 1, 4), smooth="1"), TypeError, r"got str"),
        (lambda: dice_loss(torch.zeros(1, 1, 4), torch.ones(1, 1, 4), smooth=True), TypeError, r"got bool"),
        (
            lambda: dice_loss(torch.zeros(1, 1, 4), torch.ones(1, 1, 4), reduction="avg"),
            ValueError,
            r"one of 'none', 'mean' or 'sum', got 'avg'",
        ),
        (
            lambda: dice_loss(torch.zeros(1, 1, 4), torch.ones(1, 1, 4), per_image=1),
            TypeError,
            r"per_image must be True or False",
        ),
        (lambda: dice_loss(torch.zeros(1, 1, 4), torch.ones(1, 1, 4), 1.0), TypeError, r"positional"),
    ],
)
def test_wrong_inputs_raise_errors_that_name_the_fix(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_the_seed_module_fails_silently_or_cryptically_where_ours_explains():
    """What the seed does with the inputs dice_loss rejects: a negative loss, or an error about sizes."""
    assert SeedDiceLoss()(torch.full((1, 1, 4, 4), 5.0), torch.full((1, 1, 4, 4), 255.0)).item() < 0
    with pytest.raises(RuntimeError, match=r"must match the size of tensor b"):
        SeedDiceLoss()(torch.zeros(2, 3, 8, 8), torch.randint(0, 3, (2, 8, 8)))
