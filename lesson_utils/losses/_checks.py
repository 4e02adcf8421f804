"""Argument checks and reductions shared by the reference losses: one place for the error messages.

Checks that look at values (labels in range, probabilities in [0, 1]) go through :func:`plain`, so they also
run under ``torch.func.vmap``, where a batched tensor cannot steer Python code: they see the whole batch at once.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor
from torch._C import _functorch

REDUCTIONS = ("none", "mean", "sum")
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message: str) -> None:
    """A UserWarning pointed at the line that called the loss (the first frame outside lesson_utils.losses), so it
    names the learner's code and shows once per line of theirs, however deep in a loss it was raised."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


def check_tensor(name: str, value: object, *, loss: str) -> Tensor:
    """Return ``value`` if it is a tensor, else raise a TypeError that says how to make one."""
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{loss}: `{name}` must be a torch.Tensor, got {type(value).__name__}. "
            f"Wrap it first, e.g. torch.tensor({name}, dtype=torch.float32)."
        )
    return value


def check_reduction(reduction: object, *, loss: str, batchmean: bool = False) -> str:
    """Return ``reduction`` if it is one of 'none', 'mean', 'sum' (and 'batchmean' if allowed), else a ValueError."""
    if reduction == "elementwise_mean":
        raise ValueError(f"{loss}: 'elementwise_mean' is the deprecated spelling of 'mean'; use reduction='mean'.")
    allowed = (*REDUCTIONS, "batchmean") if batchmean else REDUCTIONS
    if reduction not in allowed:
        names = ", ".join(repr(r) for r in allowed[:-1]) + f" or {allowed[-1]!r}"
        extra = ", 'batchmean' divides their sum by the batch size (input.shape[0])" if batchmean else ""
        raise ValueError(
            f"{loss}: reduction must be one of {names}, got {reduction!r}. "
            f"'mean' averages the per-element losses, 'sum' adds them{extra}, 'none' returns them unreduced."
        )
    return reduction  # type: ignore[return-value]


def shape_text(shape: Sequence[int]) -> str:
    """A shape as a learner would write it: (3, 1) rather than torch.Size([3, 1])."""
    dims = tuple(shape)
    return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(map(str, dims))})"


def broadcast_shapes(*shapes: Sequence[int]) -> torch.Size:
    """The shape that ``shapes`` broadcast to, as ``torch.broadcast_shapes`` gives it (a RuntimeError if none).

    In plain Python: torch's own imports sympy on its first call (about 35 MB in every lesson kernel).
    """
    ndim = max((len(shape) for shape in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        for i, size in enumerate(shape, start=ndim - len(shape)):
            if size != result[i] and 1 not in (size, result[i]):
                raise RuntimeError(f"shapes {[tuple(s) for s in shapes]} cannot be broadcast together")
            result[i] = size if result[i] == 1 else result[i]
    return torch.Size(result)


def common_shape(input: Tensor, target: Tensor, *, loss: str, hint: str) -> torch.Size:
    """input and target's broadcast shape; a ValueError naming both shapes, and ``hint`` (how to fix it), if none."""
    try:
        return broadcast_shapes(input.shape, target.shape)
    except RuntimeError:
        raise ValueError(
            f"{loss}: input of shape {shape_text(input.shape)} and target of shape {shape_text(target.shape)} "
            f"cannot be broadcast together. {hint}"
        ) from None


def reduce(values: Tensor, reduction: str, *, total: Tensor | None = None) -> Tensor:
    """Apply a reduction: 'none' -> values, 'sum' -> sum(values), 'mean' -> sum(values) / total.

    ``total`` is what 'mean' divides by: the number of values unless given (a sum of weights, say).
    """
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    return values.mean() if total is None else values.sum() / total


def is_floating(t: Tensor) -> bool:
    """True for float16, bfloat16, float32 and float64 tensors."""
    return torch.is_floating_point(t)


def autocast_float32(*tensors: Any) -> tuple[Any, ...]:
    """The arguments as torch's losses get them under CPU autocast: float16, bfloat16 and float32 as float32.

    torch lists its losses among the ops that autocast runs in float32 (float64 and integer tensors are left
    alone); outside autocast the tensors are returned unchanged.
    """
    if not torch.is_autocast_enabled("cpu"):
        return tensors
    return tuple(
        t.float() if isinstance(t, Tensor) and t.is_floating_point() and t.dtype != torch.float64 else t
        for t in tensors
    )


def plain(t: Tensor) -> Tensor:
    """``t`` without torch.func's wrappers: under vmap the values of the whole batch, for checks on values only.

    Outside torch.func this is ``t`` itself. The layout of the batch dimensions is not specified, so only
    reduce the result (any, min, max, sum); never line it up with another tensor.
    """
    while _functorch.is_functorch_wrapped_tensor(t):
        t = _functorch.get_unwrapped(t)
    return t


def any_true(mask: Tensor) -> bool:
    """True if any element of the boolean ``mask`` is True, also under torch.func.vmap (over the whole batch)."""
    return bool(plain(mask).any())
