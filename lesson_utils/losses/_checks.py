"""Argument checks and reductions shared by the reference losses: one place for the error messages."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

REDUCTIONS = ("none", "mean", "sum")


def check_tensor(name: str, value: object, *, loss: str) -> Tensor:
    """Return ``value`` if it is a tensor, else raise a TypeError that says how to make one."""
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{loss}: `{name}` must be a torch.Tensor, got {type(value).__name__}. "
            f"Wrap it first, e.g. torch.tensor({name}, dtype=torch.float32)."
        )
    return value


def check_reduction(reduction: object, *, loss: str) -> str:
    """Return ``reduction`` if it is one of 'none', 'mean', 'sum', else raise a ValueError."""
    if reduction == "elementwise_mean":
        raise ValueError(f"{loss}: 'elementwise_mean' is the deprecated spelling of 'mean'; use reduction='mean'.")
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{loss}: reduction must be one of 'none', 'mean' or 'sum', got {reduction!r}. "
            "'mean' averages the per-element losses, 'sum' adds them, 'none' returns them unreduced."
        )
    return reduction  # type: ignore[return-value]


def shape_text(shape: Sequence[int]) -> str:
    """A shape as a learner would write it: (3, 1) rather than torch.Size([3, 1])."""
    dims = tuple(shape)
    return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(map(str, dims))})"


def reduce(values: Tensor, reduction: str) -> Tensor:
    """Apply a reduction: 'none' -> values, 'sum' -> sum(values), 'mean' -> sum(values) / count."""
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    return values.mean()


def is_floating(t: Tensor) -> bool:
    """True for float16, bfloat16, float32 and float64 tensors."""
    return torch.is_floating_point(t)
