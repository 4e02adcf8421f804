"""Classification losses from scratch: cross-entropy of logits and the negative log-likelihood it is built on.

Both equal their torch.nn.functional twins in value and gradient for every input torch accepts (class indices or
class probabilities, ``weight``, ``ignore_index``, ``label_smoothing``, unbatched (C,) and K-dimensional
(N, C, d1, ..., dk) inputs), and raise an error that names the fix for every input torch rejects, including the
few combinations torch 2.13 rejects only by accident (they are listed in :func:`_check_weight` and
:func:`_check_index_target`).
"""

from __future__ import annotations

import math
import numbers
import operator

import torch
from torch import Tensor

from lesson_utils.losses._checks import (
    any_true,
    autocast_float32,
    check_reduction,
    check_tensor,
    plain,
    reduce,
    shape_text,
)

#: The dtypes torch accepts for class-index targets (int64, and uint8 for inputs of at most two dimensions).
INDEX_DTYPES = (torch.int64, torch.uint8)
_LOW_PRECISION = (torch.float16, torch.bfloat16)


def _log_softmax(logits: Tensor, dim: int) -> Tensor:
    """log p_c = x_c - m - log(sum_k exp(x_k - m)), m = max_k x_k: no exp ever sees a number above 0."""
    if logits.shape[dim] == 0:
        return logits + 0.0
    # Like torch's kernel, float16/bfloat16 logits are worked on in float32 and the result rounded once.
    work = logits.float() if logits.dtype in _LOW_PRECISION else logits
    # The max only shifts the numbers; it cancels in the value, so no gradient needs to flow through it.
    m = work.amax(dim=dim, keepdim=True).detach()
    shifted = work - m
    return (shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))).to(logits.dtype)


def _class_dim(input: Tensor) -> int:
    return 0 if input.dim() == 1 else 1


def _check_input(input: Tensor, *, loss: str, what: str) -> None:
    if input.dim() == 0:
        raise ValueError(
            f"{loss}: input is a 0-d tensor, but it must hold one {what} per class: shape (C,) for one sample, "
            "(N, C) for a batch, or (N, C, d1, ..., dk). For a single sample with C classes use shape (C,)."
        )
    if not torch.is_floating_point(input):
        raise TypeError(
            f"{loss}: input must be floating point ({what}), got {input.dtype}. Convert it, e.g. input.float()."
        )


def _check_arguments(
    input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: object, reduction: str, *, loss: str, what: str
) -> tuple[Tensor, Tensor, Tensor | None, int]:
    """What both losses check first; returns the tensors as torch's kernel gets them (float32 under CPU autocast)."""
    check_tensor("input", input, loss=loss)
    check_tensor("target", target, loss=loss)
    input, target, weight = autocast_float32(input, target, weight)
    _check_input(input, loss=loss, what=what)
    index = _check_ignore_index(ignore_index, loss=loss)
    check_reduction(reduction, loss=loss)
    return input, target, weight, index


def _check_ignore_index(ignore_index: object, *, loss: str) -> int:
    if isinstance(ignore_index, bool) or ignore_index is None:
        raise TypeError(f"{loss}: ignore_index must be an int label value (default -100), got {ignore_index!r}.")
    try:
        return operator.index(ignore_index)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{loss}: ignore_index must be an int label value (default -100), got {type(ignore_index).__name__}."
        ) from None


def _check_label_smoothing(label_smoothing: object) -> float:
    valid = isinstance(label_smoothing, numbers.Real) or (
        isinstance(label_smoothing, Tensor) and label_smoothing.numel() == 1
    )
    if not valid:
        raise TypeError(
            f"cross_entropy: label_smoothing must be a number in [0, 1], got {type(label_smoothing).__name__}."
        )
    value = float(label_smoothing)  # type: ignore[arg-type]
    if value > 1.0:
        raise ValueError(
            f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {value}. It is the share of each "
            "target spread evenly over all classes: 0.1 is a common choice."
        )
    # torch only smooths when label_smoothing > 0: a negative value (or NaN) means no smoothing at all.
    return value if value > 0.0 else 0.0


def _check_index_target(input: Tensor, target: Tensor, *, loss: str, ignore_index: int) -> None:
    """Shape and dtype of class-index targets: () or (1,) for input (C,), (N,) for (N, C), (N, d...) for K-dim."""
    n_dims, shape = input.dim(), tuple(input.shape)
    got = shape_text(target.shape)
    if n_dims == 1:
        if not (target.dim() == 0 or tuple(target.shape) == (1,)):
            raise ValueError(
                f"{loss}: input of shape {shape_text(shape)} is one unbatched sample, so target must be one class "
                f"index, a 0-d tensor such as torch.tensor(2); got target of shape {got}. For a batch give input "
                "the shape (N, C) and target the shape (N,)."
            )
    else:
        expected = (shape[0], *shape[2:])
        if tuple(target.shape) != expected:
            hint = "Give one class index per sample (and per position, for K-dimensional input)."
            if tuple(target.shape) == (shape[0], 1, *shape[2:]):
                hint = "The target has an extra dimension of size 1 (a channel): use target.squeeze(1)."
            elif n_dims >= 3 and tuple(target.shape) == (shape[0], *shape[1:-1]):
                hint = (
                    "The class scores seem to be in the last dimension (channels-last logits): class scores go in "
                    "dimension 1, so use input.movedim(-1, 1)."
                )
            elif tuple(target.shape) == shape:
                hint = (
                    "A target with the input's shape looks one-hot: nll_loss takes class indices, so use "
                    "target.argmax(dim=1); for class probabilities use cross_entropy on logits."
                )
            elif target.dim() == n_dims - 1 and target.shape[0] != shape[0]:
                hint = f"The batch sizes differ: input has {shape[0]} samples, target {target.shape[0]}."
            raise ValueError(
                f"{loss}: input of shape {shape_text(shape)} needs a class-index target of shape "
                f"{shape_text(expected)}, got {got}. {hint}"
            )
    if target.dtype not in INDEX_DTYPES:
        if torch.is_floating_point(target):
            fix = (
                "Class indices must be integers: use target.long(). (cross_entropy reads a floating-point target "
                f"as class probabilities only when it has the input's shape {shape_text(shape)}.)"
            )
        else:
            fix = "Convert it with target.long()."
        raise TypeError(f"{loss}: class-index targets must be torch.int64 (or uint8), got {target.dtype}. {fix}")
    if target.dtype == torch.uint8 and n_dims > 2:
        raise TypeError(
            f"{loss}: uint8 class-index targets work only with inputs of shape (C,) or (N, C); torch rejects them "
            f"for K-dimensional input {shape_text(shape)}. Use target.long()."
        )
    n_classes = shape[_class_dim(input)]
    labels = target.long()
    kept = labels != ignore_index
    bad = kept & ((labels < 0) | (labels >= n_classes))
    if any_true(bad):
        # Each of these is one tensor searched as a whole (plain: under vmap, the whole batch).
        offenders = plain(torch.where(bad, labels, ignore_index)).reshape(-1)
        value = int(offenders[offenders != ignore_index][0])
        lowest_kept = int(plain(torch.where(kept, labels, n_classes)).min())
        if value < 0:
            hint = (
                f"A negative label is read as a class, not as 'skip this one': to skip targets give them the value "
                f"of ignore_index (now {ignore_index}), or pass ignore_index={value}."
            )
        elif value == n_classes and lowest_kept >= 1:
            hint = "These labels look 1-based (they run 1..C): use target - 1."
        else:
            hint = "Check that the model outputs one logit per class (the last layer's out_features)."
        raise IndexError(
            f"{loss}: target holds the class {value}, but input has {n_classes} classes, so class indices must be "
            f"in 0..{n_classes - 1} (or equal ignore_index={ignore_index}). {hint}"
        )


def _check_weight(
    weight: Tensor | None,
    input: Tensor,
    target: Tensor,
    *,
    loss: str,
    probabilities: bool,
    smoothing: float,
    reduction: str,
    ignore_index: int,
) -> None:
    """One weight per class; for class indices also input's dtype and no gradient (torch has none for it)."""
    if weight is None:
        return
    check_tensor("weight", weight, loss=loss)
    n_classes = input.shape[_class_dim(input)]
    # torch checks K-dimensional class-index inputs only for numel == C; everywhere else weight must be (C,).
    lenient = not probabilities and input.dim() >= 3
    ok = weight.numel() == n_classes if lenient else (weight.dim() == 1 and weight.numel() == n_classes)
    if ok and lenient and smoothing > 0.0 and (weight.dim() == 0 or weight.shape[0] != n_classes):
        ok = False
    if not ok:
        raise ValueError(
            f"{loss}: weight must hold one number per class, shape ({n_classes},), got {shape_text(weight.shape)}. "
            "Class weights rescale each class's loss; pass e.g. torch.ones(C) as a starting point."
        )
    if probabilities:
        return
    if weight.dtype != input.dtype:
        raise TypeError(
            f"{loss}: weight has dtype {weight.dtype} but input has {input.dtype}; with class-index targets torch "
            "needs them equal. Use weight.to(input.dtype)."
        )
    if weight.requires_grad:
        raise ValueError(
            f"{loss}: weight requires grad, but torch cannot differentiate this loss with respect to weight when "
            "the targets are class indices. Pass weight.detach()."
        )
    if smoothing > 0.0 and reduction == "mean" and any_true(target.long() != ignore_index):
        # torch's label-smoothing 'mean' gathers the target weights with weight.gather(0, target): it needs a
        # 1-D weight and int64 targets. These are accidents of torch 2.13, so the message says so.
        if weight.dim() != 1:
            raise ValueError(
                f"{loss}: with label_smoothing and reduction='mean' torch needs a 1-D weight of shape "
                f"({n_classes},), got {shape_text(weight.shape)}. Use weight.reshape(-1)."
            )
        if target.dtype != torch.int64:
            raise TypeError(
                f"{loss}: with weight, label_smoothing and reduction='mean' torch needs int64 targets, got "
                f"{target.dtype}. Use target.long()."
            )


def _broadcast_weight(weight: Tensor, input: Tensor) -> Tensor:
    """weight of shape (C,) laid along the class dimension of input: (C,), (1, C) or (1, C, 1, ..., 1)."""
    if input.dim() == 1:
        return weight.reshape(-1)
    return weight.reshape([1, -1] + [1] * (input.dim() - 2))


def _nll(
    log_probs: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """-w[y] * log_probs[y] per sample (0 where y == ignore_index), what 'mean' divides by, the keep mask, labels.

    'mean' divides by the number of kept targets, or with ``weight`` by the sum of their weights.
    """
    class_dim = _class_dim(log_probs)
    labels = target.long().reshape(()) if log_probs.dim() == 1 else target.long()
    keep = labels != ignore_index
    safe = torch.where(keep, labels, torch.zeros_like(labels))
    if log_probs.shape[class_dim] == 0:  # no classes: every target is ignored (else it was out of range)
        picked = torch.zeros(labels.shape, dtype=log_probs.dtype) + log_probs.sum()
    else:
        picked = log_probs.gather(class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim)
    losses = -picked
    if weight is None:
        total = keep.sum()
    else:
        target_weight = weight.reshape(-1)[safe]
        losses = losses * target_weight
        total = torch.where(keep, target_weight, torch.zeros_like(target_weight)).sum()
    # where, not multiply: an ignored target counts exactly 0 even if its log-probability is -inf.
    return torch.where(keep, losses, torch.zeros_like(losses)), total, keep, safe


def nll_loss(
    input: Tensor,
    target: Tensor,
    *,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood: l_i = -w[y_i] input[i, y_i] (0 if y_i == ignore_index); 'mean' = sum l / sum w[y_i]."""
    loss = "nll_loss"
    input, target, weight, ignore_index = _check_arguments(
        input, target, weight, ignore_index, reduction, loss=loss, what="log-probabilities"
    )
    _check_index_target(input, target, loss=loss, ignore_index=ignore_index)
    _check_weight(
        weight,
        input,
        target,
        loss=loss,
        probabilities=False,
        smoothing=0.0,
        reduction=reduction,
        ignore_index=ignore_index,
    )
    losses, total, _, _ = _nll(input, target, weight, ignore_index)
    return reduce(losses, reduction, total=total)


def _cross_entropy_probabilities(
    input: Tensor, target: Tensor, weight: Tensor | None, reduction: str, smoothing: float
) -> Tensor:
    """-sum_c w_c q_c log p_c per sample, q = (1 - s) target + s / C; 'mean' divides by the number of samples."""
    class_dim = _class_dim(input)
    n_classes = input.shape[class_dim]
    log_probs = _log_softmax(input, class_dim)
    if smoothing > 0.0:
        target = target * (1 - smoothing) + (smoothing / n_classes if n_classes else math.inf)
    terms = log_probs * target
    if weight is not None:
        terms = terms * _broadcast_weight(weight, input)
    if reduction == "none":
        return -terms.sum(class_dim)
    if reduction == "sum":
        return -terms.sum()
    if input.numel() == 0:
        return -terms.sum() + math.nan
    # Not the sum of the weights, unlike class indices: the weighted 'mean' here divides by N * d1 * ... * dk.
    return -terms.sum() / (input.numel() // n_classes)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    *,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits: l_i = -sum_c w_c q_ic log softmax(x_i)_c, q = one-hot(y_i) or target probabilities."""
    # log softmax is x - max(x) - log(sum(exp(x - max(x)))). With class indices this is nll_loss(log_softmax(x), y)
    # ('mean' divides by the sum of the target weights); label smoothing s makes the target (1 - s) q + s / C; with
    # class probabilities (a target of the input's shape) 'mean' divides by the number of samples instead.
    loss = "cross_entropy"
    input, target, weight, ignore_index = _check_arguments(
        input, target, weight, ignore_index, reduction, loss=loss, what="logits"
    )
    smoothing = _check_label_smoothing(label_smoothing)
    probabilities = input.shape == target.shape
    if probabilities:
        if not torch.is_floating_point(target):
            raise TypeError(
                f"cross_entropy: target has the input's shape {shape_text(input.shape)}, so torch reads it as class "
                f"probabilities, which must be floating point; got {target.dtype}. For a one-hot target use "
                "target.argmax(dim=1) (class indices, the usual choice) or target.float() (probabilities)."
            )
        if ignore_index >= 0:
            raise ValueError(
                f"cross_entropy: ignore_index={ignore_index} works only with class-index targets, but this target "
                "has the input's shape, so it holds class probabilities. To leave a sample out, drop it (or give it "
                "zero weight by multiplying its loss from reduction='none') instead."
            )
    else:
        _check_index_target(input, target, loss=loss, ignore_index=ignore_index)
        if smoothing > 0.0 and input.dim() == 1 and target.dim() == 1:
            raise ValueError(
                "cross_entropy: with label_smoothing, an unbatched input of shape (C,) needs a 0-d target; torch "
                "fails on a target of shape (1,). Use target.squeeze(0)."
            )
    _check_weight(
        weight,
        input,
        target,
        loss=loss,
        probabilities=probabilities,
        smoothing=smoothing,
        reduction=reduction,
        ignore_index=ignore_index,
    )
    if probabilities:
        return _cross_entropy_probabilities(input, target, weight, reduction, smoothing)
    class_dim = _class_dim(input)
    log_probs = _log_softmax(input, class_dim)
    losses, total, keep, _ = _nll(log_probs, target, weight, ignore_index)
    nll = reduce(losses, reduction, total=total)
    if smoothing == 0.0:
        return nll
    n_classes = input.shape[class_dim]
    # Label smoothing with class indices: (1 - s) * nll + s / C * sum_c w_c (-log p_c), ignored targets excluded.
    if weight is not None:
        smooth = -(log_probs * _broadcast_weight(weight, input)).sum(class_dim)
    else:
        smooth = -log_probs.sum(class_dim)
    spread = reduce(torch.where(keep, smooth, torch.zeros_like(smooth)), reduction, total=total)
    share = smoothing / n_classes if n_classes else math.inf
    return (1 - smoothing) * nll + spread * share
