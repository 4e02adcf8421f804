"""Divergences between distributions from scratch: KL divergence, equal to torch.nn.functional.kl_div.

torch's ``kl_div(input, target)`` reads ``input`` as log-probabilities log q and ``target`` as probabilities p (or
log p with ``log_target=True``) and returns the pointwise terms p (log p - log q): summed over the classes, that is
KL(p || q), the divergence of the model q from the target p, the reverse of the arguments' order.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lesson_utils.losses._checks import (
    any_true,
    autocast_float32,
    check_reduction,
    check_tensor,
    common_shape,
    reduce,
    shape_text,
    warn,
)

_LOSS = "kl_div"


def _check_dtypes(input: Tensor, target: Tensor) -> None:
    for name, t in (("input", input), ("target", target)):
        if t.is_complex():
            raise TypeError(f"{_LOSS}: `{name}` has dtype {t.dtype}; use a real tensor, e.g. {name}.real.float().")
        if not t.is_floating_point():
            raise TypeError(
                f"{_LOSS}: `{name}` must be floating point ({'log-' if name == 'input' else ''}probabilities), got "
                f"{t.dtype}. Convert it, e.g. {name}.float()."
            )


def _check_shapes(input: Tensor, target: Tensor) -> None:
    """A ValueError if the shapes do not broadcast; a warning if target widens input (torch is silent)."""
    shape = common_shape(
        input, target, loss=_LOSS, hint="Give both one row per sample and one column per class, e.g. (N, C)."
    )
    if shape != input.shape:
        warn(
            f"{_LOSS}: input of shape {shape_text(input.shape)} and target of shape {shape_text(target.shape)} "
            f"broadcast to {shape_text(shape)}: every distribution of input is compared with every one of target, "
            "and 'batchmean' divides by input.shape[0]. Make the shapes equal, e.g. target.view_as(input)."
        )


def _warn_about_the_spaces(input: Tensor, target: Tensor, *, log_target: bool) -> None:
    """Warn where the values cannot be what they should: log-probabilities above 0, probabilities below 0."""
    with torch.no_grad():
        if input.numel() and any_true(input > 0):
            warn(
                f"{_LOSS}: input holds values above 0, but it must hold log-probabilities (at most 0). Did you pass "
                "probabilities or logits? Pass log-probabilities, e.g. F.log_softmax(logits, dim=-1)."
            )
        if log_target and target.numel() and any_true(target > 0):
            warn(
                f"{_LOSS}: log_target=True but target holds values above 0, which are not log-probabilities. "
                "Pass log-probabilities as the target, or probabilities with log_target=False."
            )
        if not log_target and target.numel() and any_true(target < 0):
            warn(
                f"{_LOSS}: target holds values below 0, which are not probabilities (they give NaN). If target "
                "holds log-probabilities, say so with log_target=True."
            )


def kl_div(input: Tensor, target: Tensor, *, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL terms l_i = p_i (log p_i - x_i), x = log q (input), p = target (or exp(target) if log_target), 0 log 0 = 0.

    'sum' over a distribution's classes is KL(p || q); 'batchmean' = sum(l) / input.shape[0] (the sum for 0-d input)
    is the mean KL per sample; 'mean' = sum(l) / numel is that divided by the number of classes too (a warning says
    so, as torch's does).
    """
    check_tensor("input", input, loss=_LOSS)
    check_tensor("target", target, loss=_LOSS)
    check_reduction(reduction, loss=_LOSS, batchmean=True)
    _check_dtypes(input, target)
    _check_shapes(input, target)
    _warn_about_the_spaces(input, target, log_target=log_target)
    if reduction == "mean":
        warn(
            f"{_LOSS}: reduction='mean' divides the summed KL by every element (batch size times the number of "
            "classes), so it is KL divided by the number of classes. Use reduction='batchmean' for KL per sample."
        )
    input, target = autocast_float32(input, target)
    # torch's composite, op for op (no broadcasting first): xlogy(p, p) is 0 at p = 0, so 0 log 0 = 0. torch's C++
    # builds the right operand first; so do we, so that autograd adds target's gradients in torch's order (in float16
    # another order differs in the last bit).
    if log_target:
        difference = target - input
        per_element = torch.exp(target) * difference
    else:
        cross = target * input
        per_element = torch.xlogy(target, target) - cross
    if reduction == "batchmean":
        total = per_element.sum()
        return total if input.dim() == 0 else total / input.shape[0]
    return reduce(per_element, reduction)
