"""Regression losses from scratch: each equals its torch.nn.functional twin in value and gradient."""

from __future__ import annotations

import warnings

import torch
from torch import Tensor

from lesson_utils.losses._checks import (
    autocast_float32,
    check_reduction,
    check_tensor,
    is_floating,
    reduce,
    shape_text,
)


def mse_loss(
    input: Tensor,
    target: Tensor,
    *,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error: l_i = w_i (x_i - y_i)^2, then 'none', 'sum', or 'mean' = sum(l) / sum(w) (or / n)."""
    check_tensor("input", input, loss="mse_loss")
    check_tensor("target", target, loss="mse_loss")
    if weight is not None:
        check_tensor("weight", weight, loss="mse_loss")
    if weight is None:  # torch's weighted MSE is Python arithmetic, which autocast leaves alone
        input, target = autocast_float32(input, target)
    if not (is_floating(input) or is_floating(target)):
        raise TypeError(
            f"mse_loss: input or target must be floating point, got input {input.dtype} and target "
            f"{target.dtype}. Convert one of them, e.g. input.float()."
        )
    for name, t in (("input", input), ("target", target)):
        if t.is_complex() or t.dtype == torch.bool:
            raise TypeError(f"mse_loss: `{name}` has dtype {t.dtype}; use a real floating-point tensor (.float()).")
    try:
        shape = torch.broadcast_shapes(input.shape, target.shape)
    except RuntimeError:
        raise ValueError(
            f"mse_loss: input of shape {shape_text(input.shape)} and target of shape {shape_text(target.shape)} "
            "cannot be broadcast together. Give them the same shape, e.g. target.view_as(input)."
        ) from None
    if input.shape != target.shape:
        warnings.warn(
            f"mse_loss: input of shape {shape_text(input.shape)} and target of shape {shape_text(target.shape)} "
            f"broadcast to {shape_text(shape)}: every prediction is compared with every target, which is "
            "almost never meant. Make the shapes equal, e.g. target.view_as(input).",
            UserWarning,
            stacklevel=2,
        )
    if weight is not None and weight.shape != input.shape:
        raise ValueError(
            f"mse_loss: weight must have the shape of input {shape_text(input.shape)}, got "
            f"{shape_text(weight.shape)}. Give one weight per prediction."
        )
    check_reduction(reduction, loss="mse_loss")
    # Like torch, broadcast first: a 0-d target then takes part in type promotion as a full tensor would.
    input, target = torch.broadcast_tensors(input, target)
    difference = input - target
    if weight is None:
        return reduce(difference * difference, reduction)
    return reduce(difference**2 * weight, reduction, total=weight.sum())
