"""Binary cross-entropy from scratch, on probabilities and on logits: each equals its torch twin in value and gradient.

torch does not differentiate these formulas with autograd: it ships hand-written gradients, and at the edges
(p = 0 or 1, logits of +-inf, float16) those differ from what autograd would make of the forward formula. So
each loss here is a small :class:`torch.autograd.Function` whose forward and backward are the formulas torch
uses, written with elementary tensor operations.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from lesson_utils.losses._checks import (
    any_true,
    autocast_float32,
    broadcast_shapes,
    check_reduction,
    check_tensor,
    plain,
    reduce,
    shape_text,
)

#: BCELoss clamps each logarithm at -100, so a per-element loss never exceeds 100 (times its weight).
LOG_FLOOR = -100.0
#: BCELoss's gradient divides by max(p (1 - p), 1e-12): at p = 0 or 1 it is +-1e12 instead of infinite.
#: torch's constant is a C++ float, so even in float64 it clamps with 1e-12 rounded to float32.
GRAD_EPS = float(torch.tensor(1e-12, dtype=torch.float32))


def log_sigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): never exp of a large number, never log of 0.

    Like torch's kernel, float16 and bfloat16 are computed in float32 and rounded once. Written as two branches
    (x - log1p(exp(x)) below 0, -log1p(exp(-x)) from 0 on) with the same values, so that its derivative at
    exactly 0 is sigmoid(0) = 0.5; min and |x| would give 1 there.
    """
    work = x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
    negative = work < 0
    below = torch.where(negative, work, torch.zeros_like(work))  # each branch sees only its own values: no inf * 0
    above = torch.where(negative, torch.zeros_like(work), work)
    return torch.where(negative, below - torch.log1p(torch.exp(below)), -torch.log1p(torch.exp(-above))).to(x.dtype)


def _finish(loss: Tensor, weight: Tensor | None, reduction: str) -> Tensor:
    """Multiply by the weight in place (the loss keeps its shape and dtype), then reduce: mean = sum / n."""
    if weight is not None:
        loss = (loss * weight).to(loss.dtype)
    return reduce(loss, reduction)


def _finish_grad(grad: Tensor, weight: Tensor | None, reduction: str, n: int) -> Tensor:
    """What torch's backward does after the per-element formula: times the weight, then / n for 'mean'."""
    if weight is not None:
        grad = (grad * weight).to(grad.dtype)
    return grad / n if reduction == "mean" else grad


class _BinaryCrossEntropy(torch.autograd.Function):
    """l = w [(y - 1) max(log(1 - p), -100) - y max(log p, -100)], reduced, with torch's hand-written gradient."""

    generate_vmap_rule = True

    @staticmethod
    def forward(p: Tensor, y: Tensor, weight: Tensor | None, reduction: str) -> Tensor:
        loss = (y - 1) * torch.log1p(-p).clamp_min(LOG_FLOOR) - y * torch.log(p).clamp_min(LOG_FLOOR)
        return _finish(loss, weight, reduction)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Tensor) -> None:
        p, y, weight, reduction = inputs
        ctx.reduction, ctx.has_weight = reduction, weight is not None
        ctx.save_for_backward(p, y, weight if weight is not None else torch.empty(0))
        ctx.save_for_forward(p, y, weight if weight is not None else torch.empty(0))

    @staticmethod
    def jvp(ctx: Any, p_t: Tensor | None, y_t: Tensor | None, *_: Any) -> Tensor:
        """Forward mode (jacfwd, hessian): the same partial derivatives as backward, times the tangents."""
        p, y, weight = ctx.saved_tensors
        tangent = torch.zeros_like(p)
        if p_t is not None:
            tangent = tangent + (p - y) / ((1 - p) * p).clamp_min(GRAD_EPS) * p_t
        if y_t is not None:
            tangent = tangent - torch.log(p / (1 - p)) * y_t
        return _finish(tangent, weight if ctx.has_weight else None, ctx.reduction)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None, None]:
        p, y, weight = ctx.saved_tensors
        weight = weight if ctx.has_weight else None
        grad_p = grad_y = None
        if ctx.needs_input_grad[0]:
            # dl/dp = (p - y) / (p (1 - p)), the denominator kept >= 1e-12 (in p's dtype: that is 0 in float16).
            grad_p = (grad * (p - y) / ((1 - p) * p).clamp_min(GRAD_EPS)).to(p.dtype)
            grad_p = _finish_grad(grad_p, weight, ctx.reduction, p.numel())
        if ctx.needs_input_grad[1]:
            # dl/dy = log(1 - p) - log(p) = -logit(p), with no clamp: infinite at p = 0 or 1.
            grad_y = (-torch.log(p / (1 - p)) * grad).to(p.dtype)
            grad_y = _finish_grad(grad_y, weight, ctx.reduction, y.numel()).to(y.dtype)
        return grad_p, grad_y, None, None


class _BinaryCrossEntropyWithLogits(torch.autograd.Function):
    """l = w [(1 - y) x - (1 + (q - 1) y) log sigmoid(x)], q the pos_weight, reduced, with torch's gradient."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x: Tensor, y: Tensor, weight: Tensor | None, pos_weight: Tensor | None, reduction: str) -> Tensor:
        # The steps of torch's kernel, in its dtypes: each in-place step keeps its left operand's dtype.
        log_p = log_sigmoid(x)
        if pos_weight is not None:
            log_p = (log_p * ((pos_weight - 1) * y + 1)).to(log_p.dtype)
        loss = (((1 - y) * x).to(y.dtype) - log_p).to(y.dtype)
        return _finish(loss, weight, reduction)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Tensor) -> None:
        x, y, weight, pos_weight, reduction = inputs
        ctx.reduction, ctx.has_weight, ctx.has_pos_weight = reduction, weight is not None, pos_weight is not None
        empty = torch.empty(0)
        saved = (x, y, empty if weight is None else weight, empty if pos_weight is None else pos_weight)
        ctx.save_for_backward(*saved)
        ctx.save_for_forward(*saved)

    @staticmethod
    def jvp(ctx: Any, x_t: Tensor | None, y_t: Tensor | None, *_: Any) -> Tensor:
        """Forward mode (jacfwd, hessian): the same partial derivatives as backward, times the tangents."""
        x, y, weight, q = ctx.saved_tensors
        tangent = torch.zeros_like(x)
        if x_t is not None:
            slope = ((q * y + 1 - y) * torch.sigmoid(x) - q * y) if ctx.has_pos_weight else torch.sigmoid(x) - y
            tangent = tangent + slope * x_t
        if y_t is not None:
            slope = (log_sigmoid(-x) - q * log_sigmoid(x)) if ctx.has_pos_weight else -x
            tangent = tangent + slope * y_t
        return _finish(tangent, weight if ctx.has_weight else None, ctx.reduction)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None, None, None]:
        x, y, weight, pos_weight = ctx.saved_tensors
        weight = weight if ctx.has_weight else None
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            if ctx.has_pos_weight:
                # dl/dx = (q y + 1 - y) sigmoid(x) - q y
                qy = pos_weight * y
                grad_x = ((((qy + 1) - y).to(qy.dtype) * torch.sigmoid(x)).to(qy.dtype) - qy).to(qy.dtype)
            else:
                # dl/dx = sigmoid(x) - y
                grad_x = (torch.sigmoid(x) - y).to(x.dtype)
            grad_x = _finish_grad((grad_x * grad).to(grad_x.dtype), weight, ctx.reduction, x.numel()).to(x.dtype)
        if ctx.needs_input_grad[1]:
            if ctx.has_pos_weight:
                # dl/dy = log sigmoid(-x) - q log sigmoid(x)
                grad_y = (log_sigmoid(-x) - (log_sigmoid(x) * pos_weight).to(x.dtype)).to(x.dtype)
                grad_y = (grad_y * grad).to(x.dtype)
            else:
                # dl/dy = -x
                grad_y = -x * grad
            grad_y = _finish_grad(grad_y, weight, ctx.reduction, y.numel()).to(y.dtype)
        return grad_x, grad_y, None, None, None


def _outside_unit_interval(values: Tensor) -> tuple[int, float] | None:
    """How many values lie outside [0, 1] (NaN included) and the first of them; None if all are inside.

    Under torch.func.vmap this looks at the whole batch (count and example from all of it), as torch does.
    """
    with torch.no_grad():
        outside = ~((values >= 0) & (values <= 1))
        if not any_true(outside):
            return None
        # 0.5 where a value is fine, so what lies outside [0, 1] are the offenders, in one tensor however vmap
        # lays out its batch: plain() of that one tensor can be searched.
        offenders = plain(torch.where(outside, values, torch.full_like(values, 0.5))).reshape(-1)
        bad = ~((offenders >= 0) & (offenders <= 1))
        return int(bad.sum()), offenders[bad][0].item()


def _check_pair(
    input: Tensor, target: Tensor, *rescalings: Tensor | None, reduction: str, loss: str, expected: str, fix: str
) -> tuple[Any, ...]:
    """What both losses check first: tensors, the reduction, one target per input, a floating-point input.

    Returns input, target and the rescaling tensors as torch's kernel gets them (in float32 under CPU autocast).
    """
    check_tensor("input", input, loss=loss)
    check_tensor("target", target, loss=loss)
    check_reduction(reduction, loss=loss)
    _check_same_shape(input, target, loss=loss)
    if not input.is_floating_point():
        raise TypeError(f"{loss}: input must {expected}, got {input.dtype}. {fix}")
    return autocast_float32(input, target, *rescalings)


def _check_same_shape(input: Tensor, target: Tensor, *, loss: str) -> None:
    if input.shape != target.shape:
        hint = (
            "target.view_as(input)" if input.numel() == target.numel() else "give exactly one target per input element"
        )
        raise ValueError(
            f"{loss}: target of shape {shape_text(target.shape)} must have the shape of input "
            f"{shape_text(input.shape)}; binary cross-entropy pairs them element by element and does not broadcast. "
            f"Fix: {hint}."
        )


def _check_rescaling(name: str, value: Tensor | None, input: Tensor, *, loss: str, what: str) -> None:
    """weight and pos_weight: real tensors that broadcast to input's shape without growing it, and get no gradient."""
    if value is None:
        return
    check_tensor(name, value, loss=loss)
    if value.is_complex():
        raise TypeError(f"{loss}: `{name}` has dtype {value.dtype}; {what} must be real, e.g. {name}.real.float().")
    try:
        shape = broadcast_shapes(value.shape, input.shape)
    except RuntimeError:
        shape = None
    if shape != input.shape:
        raise ValueError(
            f"{loss}: {name} of shape {shape_text(value.shape)} must broadcast to the shape of input "
            f"{shape_text(input.shape)} without growing it. Line its dimensions up from the right: for input "
            f"(N, C), shape (C,) gives one {what} per class and (N, 1) one per sample."
        )
    if value.requires_grad and torch.is_grad_enabled():
        raise ValueError(
            f"{loss}: {name} requires grad, but the loss is not differentiable with respect to it (torch refuses it "
            f"too): it is a fixed rescaling. Pass {name}.detach()."
        )


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    *,
    weight: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """BCE on probabilities: l = -w [y max(log p, -100) + (1 - y) max(log(1 - p), -100)]; 'mean' = sum(l) / n."""
    loss = "binary_cross_entropy"
    input, target, weight = _check_pair(
        input,
        target,
        weight,
        reduction=reduction,
        loss=loss,
        expected="hold floating-point probabilities",
        fix="Pass probabilities as floats (input.float()), or pass raw scores to binary_cross_entropy_with_logits.",
    )
    if target.dtype != input.dtype:
        raise TypeError(
            f"{loss}: target must have the dtype of input ({input.dtype}), got {target.dtype}; BCELoss does not "
            f"convert it for you. Fix: target.to(input.dtype)"
            + (" (0/1 labels become 0.0/1.0)." if not target.is_floating_point() else ".")
        )
    _check_rescaling("weight", weight, input, loss=loss, what="weight")
    for name, values in (("input", input), ("target", target)):
        outside = _outside_unit_interval(values)
        if outside:
            fix = (
                "If these are logits (raw scores), pass them to binary_cross_entropy_with_logits, which applies the "
                "sigmoid itself, stably."
                if name == "input"
                else "Map labels to 0/1 first, e.g. (labels > 0).float() for -1/+1 labels."
            )
            raise ValueError(
                f"{loss}: {name} must hold probabilities in [0, 1], but {outside[0]} of {values.numel()} values "
                f"lie outside (e.g. {outside[1]:.4g}). {fix}"
            )
    return _BinaryCrossEntropy.apply(input, target, weight, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    *,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """BCE on logits x: l = w [(1 - y) x - (1 + (q - 1) y) log sigmoid(x)], q = pos_weight; 'mean' = sum(l) / n."""
    loss = "binary_cross_entropy_with_logits"
    input, target, weight, pos_weight = _check_pair(
        input,
        target,
        weight,
        pos_weight,
        reduction=reduction,
        loss=loss,
        expected="be floating-point logits (raw scores)",
        fix="Fix: input.float().",
    )
    if not (target.is_floating_point() or target.is_complex()):
        raise TypeError(
            f"{loss}: target must be floating point (a probability of the positive class), got {target.dtype}. "
            "Fix: target.float(); 0/1 labels become 0.0/1.0."
        )
    _check_rescaling("weight", weight, input, loss=loss, what="weight")
    _check_rescaling("pos_weight", pos_weight, input, loss=loss, what="positive-class weight")
    if pos_weight is not None and pos_weight.dtype == torch.bool:
        raise TypeError(f"{loss}: pos_weight has dtype torch.bool; give numbers, e.g. pos_weight.float().")
    return _BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)
