"""Segmentation losses from scratch: a soft Dice loss with documented semantics (torch has no Dice loss)."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from lesson_utils.losses._checks import any_true, check_reduction, check_tensor, is_floating, plain, reduce, shape_text

_LOSS = "dice_loss"


def _value_range(t: Tensor) -> str:
    """'from a to b' for the values of ``t`` (rounded, over the whole batch under vmap), for error messages."""
    values = plain(t.detach())
    low, high = values.min().item(), values.max().item()
    return f"from {low:.4g} to {high:.4g}"


def _check_input(input: Tensor) -> None:
    if not is_floating(input):
        raise TypeError(
            f"{_LOSS}: input must hold floating-point logits (the model's raw scores), got {input.dtype}. "
            "Pass the model output before any threshold, e.g. input.float(); hard 0/1 predictions carry no gradient."
        )
    if input.ndim < 3:
        raise ValueError(
            f"{_LOSS}: input must have shape (N, C, *spatial): batch, channels, then at least one spatial "
            f"dimension; got {shape_text(input.shape)}. For one binary mask of shape (H, W) use input[None, None] "
            "and target[None, None]; for (N, H, W) binary logits add the channel: input.unsqueeze(1)."
        )
    if input.shape[1] == 0:
        raise ValueError(
            f"{_LOSS}: input of shape {shape_text(input.shape)} has no channels; give 1 channel of logits for a "
            "binary mask, or C >= 2 channels of class logits."
        )


def _shape_hint(input: Tensor, target: Tensor) -> str:
    """The most likely fix for a target whose shape fits neither accepted form."""
    n, c = input.shape[0], input.shape[1]
    if input.ndim == target.ndim + 1 and input.shape[:-1] == target.shape:
        return (
            "The logits look channels-last (N, *spatial, C); move the channels to dim 1: input.movedim(-1, 1) "
            "(for an image batch, input.permute(0, 3, 1, 2))."
        )
    if target.ndim >= 1 and target.shape[0] != n:
        return f"The batch sizes differ: input has {n} images, target {target.shape[0]}."
    if c >= 2 and target.ndim == input.ndim and target.shape[1] == 1 and target.shape[2:] == input.shape[2:]:
        return (
            f"A one-channel target for {c}-channel logits: for multi-class, pass class indices of shape (N, *spatial), "
            "e.g. target.squeeze(1).long(); for a binary mask, give the model one output channel."
        )
    if (target.ndim == input.ndim and target.shape[2:] != input.shape[2:]) or target.ndim == input.ndim - 1:
        return (
            "The spatial sizes differ: resize the target to the logits' size (nearest-neighbour, so labels stay "
            "labels), or fix the model's output size."
        )
    return "Give the target the input's shape, or drop its channel dimension for class indices (binary: a mask)."


def _check_unit_interval(target: Tensor, what: str) -> None:
    if target.numel() and any_true(~((target >= 0) & (target <= 1))):
        raise ValueError(
            f"{_LOSS}: {what} must hold values in [0, 1], got values {_value_range(target)}. "
            "A mask stored as 0/255? use target / 255 (or target > 0) first."
        )


def _prepare_target(input: Tensor, target: Tensor) -> Tensor:
    """The target as per-class probabilities of the input's shape (dtype is left to the caller)."""
    c = input.shape[1]
    if target.is_complex():
        raise TypeError(f"{_LOSS}: target has dtype {target.dtype}; use a real tensor (a mask or class indices).")
    same_shape = target.shape == input.shape
    no_channel = (
        target.ndim == input.ndim - 1 and target.shape[0] == input.shape[0] and target.shape[1:] == input.shape[2:]
    )
    if not (same_shape or no_channel):
        raise ValueError(
            f"{_LOSS}: target of shape {shape_text(target.shape)} does not fit input of shape "
            f"{shape_text(input.shape)}; expected {shape_text(input.shape)} "
            f"({'a 0/1 or soft mask' if c == 1 else 'one-hot or class probabilities'}) or "
            f"{shape_text((input.shape[0], *input.shape[2:]))} "
            f"({'the same mask without its channel dim' if c == 1 else 'integer class indices'}). "
            + _shape_hint(input, target)
        )
    with torch.no_grad():  # the checks look at values; what is returned below keeps its gradient
        if c == 1:
            _check_unit_interval(target, "a binary target (the foreground mask)")
        elif no_channel:
            if is_floating(target) or target.dtype == torch.bool:
                raise TypeError(
                    f"{_LOSS}: with {c} channels, a target of shape {shape_text(target.shape)} holds class indices "
                    f"and must be an integer tensor, got {target.dtype}. Use target.long(); or, for a binary mask, "
                    "give the input one channel (N, 1, *spatial)."
                )
            if target.numel() and any_true(~((target >= 0) & (target < c))):
                raise ValueError(
                    f"{_LOSS}: class indices must lie in [0, {c - 1}] for {c} channels, got values "
                    f"{_value_range(target)}. dice_loss has no ignore_index: remap or crop away ignored pixels "
                    "(e.g. 255 or -100) first."
                )
        else:
            _check_unit_interval(target, f"a {c}-channel target (one-hot or class probabilities)")
            if target.numel():
                sums = target.to(torch.float64).sum(dim=1)
                tolerance = 1e-2 if target.dtype in (torch.float16, torch.bfloat16) else 1e-4
                if any_true(~((sums - 1).abs() <= tolerance)):
                    raise ValueError(
                        f"{_LOSS}: a {c}-channel target of shape {shape_text(target.shape)} must hold class "
                        f"probabilities that sum to 1 over dim 1 (one-hot), but its sums run {_value_range(sums)}. "
                        "A binary mask without its channel dim? add it to both: input.unsqueeze(1), "
                        "target.unsqueeze(1). Multi-label masks (classes may overlap)? score each channel as a "
                        "binary mask: input.flatten(0, 1).unsqueeze(1) and target.flatten(0, 1).unsqueeze(1)."
                    )
    if same_shape:
        return target
    if c == 1:
        return target.unsqueeze(1)
    classes = torch.arange(c, device=target.device).reshape(c, *([1] * (target.ndim - 1)))
    return (target.unsqueeze(1) == classes).to(input.dtype)


def dice_loss(
    input: Tensor,
    target: Tensor,
    *,
    smooth: float = 1.0,
    reduction: str = "mean",
    per_image: bool = True,
) -> Tensor:
    """Soft Dice loss: 1 - (2 sum(p t) + smooth) / (sum(p) + sum(t) + smooth), per image and class, p from logits.

    ``input`` holds logits of shape (N, C, *spatial), at least one spatial dimension. C = 1 is binary:
    p = sigmoid(input). C >= 2 is multi-class: p = softmax(input, dim=1).

    ``target`` has either the input's shape (a 0/1 or soft mask for C = 1; one-hot or class probabilities that
    sum to 1 over dim 1 for C >= 2; bool and integer masks are accepted) or the shape (N, *spatial): a binary mask
    for C = 1, integer class indices in [0, C) for C >= 2 (turned into one-hot). Values outside [0, 1] (a 0/255
    mask) are an error, not a silently negative loss. Multi-label masks (classes that may overlap) are C binary
    masks: pass input.flatten(0, 1).unsqueeze(1) and target.flatten(0, 1).unsqueeze(1).

    The sums run over the spatial dimensions of each image and class (``per_image=True``) giving an (N, C)
    loss, or also over the batch (``per_image=False``) giving a (C,) loss. ``smooth >= 0`` is added to numerator
    and denominator: an image whose target and prediction are both empty scores Dice 1 (loss 0) for any smooth,
    including 0 (where 0/0 is defined as 1 with zero gradient: no NaN). ``reduction``: 'none' returns that
    (N, C) or (C,) tensor, 'mean' its mean, 'sum' its sum. float16/bfloat16 are summed in float32 (a sum over
    a 512 x 512 image overflows float16) and the result is returned in the input's dtype (or the promoted dtype
    of input and a floating target).
    """
    check_tensor("input", input, loss=_LOSS)
    check_tensor("target", target, loss=_LOSS)
    if isinstance(smooth, bool) or not isinstance(smooth, int | float):
        raise TypeError(f"{_LOSS}: smooth must be a number >= 0, like 1.0; got {type(smooth).__name__}.")
    if not math.isfinite(smooth) or smooth < 0:
        raise ValueError(
            f"{_LOSS}: smooth must be a finite number >= 0, got {smooth}. It is added to the numerator and the "
            "denominator; 1.0 is common, 0 gives the plain Dice."
        )
    if not isinstance(per_image, bool):
        raise TypeError(f"{_LOSS}: per_image must be True or False, got {per_image!r}.")
    check_reduction(reduction, loss=_LOSS)
    _check_input(input)
    target = _prepare_target(input, target)

    out_dtype = torch.promote_types(input.dtype, target.dtype) if is_floating(target) else input.dtype
    work_dtype = torch.promote_types(out_dtype, torch.float32)
    logits = input.to(work_dtype)
    probs = torch.sigmoid(logits) if input.shape[1] == 1 else torch.softmax(logits, dim=1)
    truth = target.to(work_dtype)

    dims = tuple(range(2, input.ndim)) if per_image else (0, *range(2, input.ndim))
    intersection = (probs * truth).sum(dim=dims)
    denominator = probs.sum(dim=dims) + truth.sum(dim=dims) + smooth
    empty = denominator == 0  # only with smooth = 0 and both masks exactly empty
    safe = torch.where(empty, torch.ones_like(denominator), denominator)
    dice = torch.where(empty, torch.ones_like(denominator), (2 * intersection + smooth) / safe)
    return reduce(1 - dice, reduction).to(out_dtype)
