"""Regression losses from scratch: each equals its torch.nn.functional twin in value and gradient."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from lesson_utils.losses._checks import (
    autocast_float32,
    broadcast_shapes,
    check_reduction,
    check_tensor,
    common_shape,
    is_floating,
    plain,
    reduce,
    shape_text,
    warn,
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
    shape = _broadcast_shape(input, target, loss="mse_loss")
    _warn_if_shapes_differ(input, target, shape, loss="mse_loss")
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


# ---------------------------------------------------------------------------------------------------------------
# Shared steps of the losses below.


def _broadcast_shape(input: Tensor, target: Tensor, *, loss: str) -> torch.Size:
    """input and target's common shape; a ValueError naming both shapes if there is none."""
    return common_shape(input, target, loss=loss, hint="Give them the same shape, e.g. target.view_as(input).")


def _warn_if_shapes_differ(input: Tensor, target: Tensor, shape: torch.Size, *, loss: str) -> None:
    if input.shape != target.shape:
        warn(
            f"{loss}: input of shape {shape_text(input.shape)} and target of shape {shape_text(target.shape)} "
            f"broadcast to {shape_text(shape)}: every prediction is compared with every target, which is "
            "almost never meant. Make the shapes equal, e.g. target.view_as(input)."
        )


def _check_inputs(input: object, target: object, *, loss: str) -> None:
    """input and target must be tensors, and not bool ones (torch cannot subtract those)."""
    for name, t in (("input", input), ("target", target)):
        check_tensor(name, t, loss=loss)
        if t.dtype == torch.bool:
            raise TypeError(f"{loss}: `{name}` has dtype torch.bool; use numbers, e.g. {name}.float().")


def _check_real_floating(input: Tensor, target: Tensor, *, loss: str) -> None:
    """smooth_l1_loss and huber_loss have kernels for float16, bfloat16, float32 and float64 only."""
    for name, t in (("input", input), ("target", target)):
        if t.is_complex():
            raise TypeError(f"{loss}: `{name}` has dtype {t.dtype}; use a real tensor, e.g. {name}.real.float().")
    if not (input.is_floating_point() or target.is_floating_point()):
        raise TypeError(
            f"{loss}: input or target must be floating point, got input {input.dtype} and target {target.dtype}. "
            "Convert them, e.g. input.float()."
        )


def _check_positive(name: str, value: object, *, loss: str, zero_ok: bool) -> float:
    """beta (>= 0) and delta (> 0) as torch takes them: a number (or 0-d tensor) turned into a Python float."""
    if isinstance(value, Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{loss}: `{name}` must be a number, got {type(value).__name__}, e.g. {name}=1.0.")
    value = float(value)
    if not (value >= 0 if zero_ok else value > 0):
        bound = "0 or more" if zero_ok else "more than 0"
        raise ValueError(
            f"{loss}: {name} must be {bound}, got {value}. It is the error size at which the loss turns from "
            f"quadratic to linear, e.g. {name}=1.0."
        )
    return value


def _check_weight(weight: Tensor | None, input: Tensor, *, loss: str) -> None:
    if weight is None:
        return
    check_tensor("weight", weight, loss=loss)
    if weight.shape != input.shape:
        raise ValueError(
            f"{loss}: weight must have the shape of input {shape_text(input.shape)}, got "
            f"{shape_text(weight.shape)}. Give one weight per prediction."
        )


def _pair(input: Tensor, target: Tensor, *, loss: str) -> tuple[Tensor, Tensor]:
    """Check input and target, warn if they broadcast, and broadcast them first, as torch does.

    Broadcasting first matters for dtypes: a 0-d float64 target against a float32 input is expanded to a
    full tensor, so it takes part in type promotion and the loss is float64, unlike ``input - target``.
    """
    _check_inputs(input, target, loss=loss)
    shape = _broadcast_shape(input, target, loss=loss)
    _warn_if_shapes_differ(input, target, shape, loss=loss)
    x, y = torch.broadcast_tensors(input, target)
    return x, y


def _l1(x: Tensor, y: Tensor, reduction: str, *, loss: str) -> Tensor:
    """|x - y|, reduced: torch's l1_loss is exactly this composite, so its gradient at x = y is sgn(0) = 0."""
    x, y = autocast_float32(x, y)
    errors = (x - y).abs()
    if reduction == "mean" and not (errors.is_floating_point() or errors.is_complex()):
        raise TypeError(
            f"{loss}: the mean of integer errors has no dtype (torch refuses it too), got input {x.dtype} and "
            f"target {y.dtype}. Convert them, e.g. input.float(), or use reduction='sum'."
        )
    return reduce(errors, reduction)


# ---------------------------------------------------------------------------------------------------------------
# The losses.


def l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: l_i = w_i |x_i - y_i|, then 'none', 'sum', or 'mean' = sum(l) / sum(w) (or / n)."""
    loss = "l1_loss"
    x, y = _pair(input, target, loss=loss)
    check_reduction(reduction, loss=loss)
    _check_weight(weight, input, loss=loss)
    if weight is None:
        return _l1(x, y, reduction, loss=loss)
    # torch's weighted path is plain Python: no autocast, and 'mean' divides by the sum of the weights.
    weighted = (x - y).abs() * weight
    if reduction == "mean":
        return weighted.sum() / weight.sum()
    return reduce(weighted, reduction)


def _low_precision_in_float32(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, torch.dtype]:
    """Promote x and y to their common dtype; bfloat16 and float16 are computed in float32 and rounded once."""
    dtype = torch.result_type(x, y)
    work = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    return x.to(work), y.to(work), dtype


def smooth_l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1: l_i = 0.5 d_i^2 / beta if |d_i| < beta else |d_i| - 0.5 beta, d = x - y; beta = 0 is L1."""
    loss = "smooth_l1_loss"
    x, y = _pair(input, target, loss=loss)
    check_reduction(reduction, loss=loss)
    beta = _check_positive("beta", beta, loss=loss, zero_ok=True)
    if beta == 0:
        # torch's functional form hands beta = 0 to l1_loss (the kernel would divide by 0): sgn(0) = 0 at d = 0.
        return _l1(x, y, reduction, loss=loss)
    _check_real_floating(x, y, loss=loss)
    x, y = autocast_float32(x, y)
    x, y, dtype = _low_precision_in_float32(x, y)
    d = x - y
    z = d.abs()
    linear = z >= beta
    # The quadratic branch sees d only where it is selected: no inf * 0 = NaN in its gradient at |d| = inf. A NaN d
    # falls to this branch, so its gradient is NaN, as in torch's kernel (abs would give it a gradient of 0).
    dq = torch.where(linear, 0, d)
    # At |d| = beta the linear branch holds: gradient +-1 exactly, torch's value there.
    return reduce(torch.where(linear, z - 0.5 * beta, 0.5 * dq * dq / beta).to(dtype), reduction)


def huber_loss(
    input: Tensor, target: Tensor, *, reduction: str = "mean", delta: float = 1.0, weight: Tensor | None = None
) -> Tensor:
    """Huber: l_i = w_i (0.5 d_i^2 if |d_i| < delta else delta (|d_i| - 0.5 delta)), d = x - y; 'mean' = sum(l) / n."""
    loss = "huber_loss"
    x, y = _pair(input, target, loss=loss)
    check_reduction(reduction, loss=loss)
    delta = _check_positive("delta", delta, loss=loss, zero_ok=False)
    _check_weight(weight, input, loss=loss)
    _check_real_floating(x, y, loss=loss)
    x, y = autocast_float32(x, y)
    if not x.is_floating_point():
        raise TypeError(
            f"{loss}: input must be floating point (torch writes the loss into a tensor of input's dtype), got "
            f"{x.dtype}. Convert it, e.g. input.float()."
        )
    # The loss has the dtype of input, whatever target's (torch allocates it like input): computed in the common
    # dtype, then rounded to input's.
    out_dtype = x.dtype
    x, y, _ = _low_precision_in_float32(x, y)
    d = x - y
    z = d.abs()
    linear = z >= delta
    dq = torch.where(linear, 0, d)  # as in smooth_l1_loss: no NaN from inf * 0, a NaN d keeps a NaN gradient
    # Likewise the linear branch sees z only where it is selected: with delta = inf its unselected gradient, 0 * inf,
    # would be NaN.
    zl = torch.where(linear, z, 0)
    per_element = torch.where(linear, delta * (zl - 0.5 * delta), 0.5 * dq * dq).to(out_dtype)
    if weight is None:
        return reduce(per_element, reduction)
    # Weighted, torch multiplies and then takes a plain mean: / n, not / sum(w) as l1_loss and mse_loss do.
    return reduce(per_element * weight, reduction)


def _var_for(var: Tensor, input: Tensor, *, loss: str) -> Tensor:
    """The shapes GaussianNLLLoss accepts for var, lined up against input exactly as torch lines them up."""
    if var.shape == input.shape:
        return var
    if input.shape[:-1] == var.shape:
        # One variance per row, input (N, D) and var (N,): torch adds the trailing 1 (also 0-d var for 1-d input).
        return var.unsqueeze(-1)
    # torch's rule, verbatim: same number of dimensions and the dims of var that differ from input's sum to 1,
    # i.e. one dimension of size 1 to broadcast. (N, D) with (N, 1) or (1, D) passes; (1, 1) for (N, D) does not.
    if var.ndim == input.ndim and sum(v for i, v in zip(input.shape, var.shape, strict=True) if i != v) == 1:
        return var
    raise ValueError(
        f"{loss}: var of shape {shape_text(var.shape)} does not fit input of shape {shape_text(input.shape)}. "
        "Give one variance per prediction (the shape of input), one per row (input's shape without its last "
        "dimension, or with it set to 1), or a float for all of them."
    )


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian NLL: l_i = 0.5 (log max(v_i, eps) + (x_i - y_i)^2 / max(v_i, eps)) (+ 0.5 log 2 pi if full)."""
    loss = "gaussian_nll_loss"
    _check_inputs(input, target, loss=loss)
    if isinstance(var, float):
        if not var >= 0:
            raise ValueError(f"{loss}: var must be a variance, 0 or more, got {var}. Fix: var=abs(var) or var=1.0.")
        var = var * torch.ones_like(input)
    elif isinstance(var, Tensor):
        if var.dtype == torch.bool or not (var.is_floating_point()):
            raise TypeError(f"{loss}: var must be a floating-point tensor, got {var.dtype}. Fix: var.float().")
        with torch.no_grad():
            negative = plain(var) < 0
            if negative.any():
                raise ValueError(
                    f"{loss}: var must hold variances, 0 or more, but {int(negative.sum())} of {negative.numel()} "
                    "are negative. Predict a variance that cannot be negative, e.g. var = softplus(raw) or exp(raw)."
                )
    else:
        raise TypeError(
            f"{loss}: var must be a tensor of variances or a float, got {type(var).__name__} {var!r} "
            "(torch takes only a float, not an int). Fix: var=1.0, or torch.full_like(input, v)."
        )
    var = _var_for(var, input, loss=loss)
    check_reduction(reduction, loss=loss)
    _warn_if_shapes_differ_nll(input, target, loss=loss)
    # torch's clamp, verbatim: an in-place clamp under no_grad on a clone. Backward, the clamp is invisible: where
    # var < eps the gradient is the one at eps, passed straight through (it does not stop). Forward-mode AD
    # (jacfwd, and so hessian) ignores no_grad and sees the clamp: there the derivative below eps is 0.
    var = var.clone()
    with torch.no_grad():
        var.clamp_(min=eps)
    per_element = 0.5 * (torch.log(var) + (input - target) ** 2 / var)
    if full:
        per_element = per_element + 0.5 * math.log(2 * math.pi)
    return reduce(per_element, reduction)


def _warn_if_shapes_differ_nll(input: Tensor, target: Tensor, *, loss: str) -> None:
    """torch broadcasts input and target of gaussian_nll_loss and poisson_nll_loss without a word; we warn where
    target widens input."""
    shape = _broadcast_shape(input, target, loss=loss)
    if shape != input.shape:
        _warn_if_shapes_differ(input, target, shape, loss=loss)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Tensor:
    """Poisson NLL: l_i = exp(x_i) - y_i x_i (log_input) or x_i - y_i log(x_i + eps); + Stirling if full and y_i > 1."""
    loss = "poisson_nll_loss"
    _check_inputs(input, target, loss=loss)
    check_reduction(reduction, loss=loss)
    _warn_if_shapes_differ_nll(input, target, loss=loss)
    input, target = autocast_float32(input, target)
    # torch's composite, op for op (no broadcasting first: a 0-d target does not widen the dtype).
    if log_input:
        per_element = torch.exp(input) - target * input
    else:
        per_element = input - target * torch.log(input + eps)
    if full:
        # Stirling's approximation of log(y!): y log y - y + 0.5 log(2 pi y), only where y > 1 (0 for y = 0, 1).
        # At y = 0 its value is masked but its gradient is not: 0 * log 0 makes d/dy NaN there, as in torch.
        stirling = target * torch.log(target) - target + 0.5 * torch.log(2 * math.pi * target)
        # torch adds it in place: the loss keeps its dtype even if the term's is wider.
        per_element = (per_element + stirling.masked_fill(target <= 1, 0)).to(per_element.dtype)
    return reduce(per_element, reduction)


def pinball_loss(input: Tensor, target: Tensor, *, q: float | Tensor, reduction: str = "mean") -> Tensor:
    """Pinball (quantile) loss: l_i = max(q (y_i - x_i), (q - 1)(y_i - x_i)), q in (0, 1); no torch twin.

    Minimising its mean over a constant x gives the q-quantile of the targets (q = 0.5: the median). Under
    prediction costs q per unit, over prediction 1 - q. ``q`` is a float or a tensor that broadcasts against input
    (e.g. shape (3,) for input (N, 3): one quantile per column). At x = y the gradient is the midpoint of the
    subgradients, 0.5 - q (torch.maximum splits ties), so pinball_loss(q=0.5) == 0.5 * l1_loss, gradient included.
    'mean' divides by the number of elements of the broadcast loss.
    """
    loss = "pinball_loss"
    _check_inputs(input, target, loss=loss)
    check_reduction(reduction, loss=loss)
    if isinstance(q, Tensor):
        if not q.is_floating_point():
            raise TypeError(f"{loss}: q must be a floating-point tensor of quantiles, got {q.dtype}. Fix: q.float().")
        with torch.no_grad():
            values = plain(q)
            outside = ~((values > 0) & (values < 1))
            bad = values[outside][0].item() if outside.any() else None
        try:
            broadcast_shapes(q.shape, input.shape, target.shape)
        except RuntimeError:
            raise ValueError(
                f"{loss}: q of shape {shape_text(q.shape)} does not broadcast with input of shape "
                f"{shape_text(input.shape)}. Give one quantile per column, e.g. shape (K,) for input (N, K)."
            ) from None
    elif isinstance(q, (int, float)) and not isinstance(q, bool):
        bad = None if 0 < q < 1 else q
    else:
        raise TypeError(f"{loss}: q must be a float in (0, 1) or a tensor of them, got {type(q).__name__}.")
    if bad is not None:
        raise ValueError(
            f"{loss}: q is the quantile to predict and must lie strictly between 0 and 1, got {bad}. "
            "E.g. q=0.9 for the 90th percentile, q=0.5 for the median."
        )
    shape = _broadcast_shape(input, target, loss=loss)
    if shape != input.shape:
        _warn_if_shapes_differ(input, target, shape, loss=loss)
    error = target - input
    return reduce(torch.maximum(q * error, (q - 1) * error), reduction)
