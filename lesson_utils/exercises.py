"""Exercise checkers: run a learner's answer against torch and say, in words, the first thing that differs."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

NOT_ATTEMPTED = "Not attempted yet: fill in the function (or the value) above, run its cell, then this one."


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check; ``passed`` is None when the exercise has not been attempted."""

    passed: bool | None
    message: str

    def __repr__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Case:
    """One call to try: positional tensors, keyword options, and the words that describe it."""

    description: str
    args: tuple[Tensor, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


def elementwise_cases(
    *,
    reductions: Sequence[str] = ("mean", "sum", "none"),
    shapes: Sequence[tuple[int, ...]] = ((5,), (4, 3), (2, 3, 4), ()),
    target: Callable[[torch.Generator, tuple[int, ...]], Tensor] | None = None,
    weight: bool = False,
    seed: int = 0,
) -> list[Case]:
    """Cases for a loss of (input, target) pairs of one shape: every shape with every reduction, in float64."""
    generator = torch.Generator().manual_seed(seed)
    make_target = target or (lambda g, shape: torch.randn(shape, generator=g, dtype=torch.float64))
    cases = []
    for shape, reduction in itertools.product(shapes, reductions):
        inp = torch.randn(shape, generator=generator, dtype=torch.float64)
        kwargs: dict[str, Any] = {"reduction": reduction}
        text = f"input and target of shape {shape}, reduction={reduction!r}"
        cases.append(Case(text, (inp, make_target(generator, shape)), kwargs))
        if weight:
            w = torch.rand(shape, generator=generator, dtype=torch.float64) + 0.1
            cases.append(Case(f"{text}, with weight=", (inp, make_target(generator, shape)), {**kwargs, "weight": w}))
    return cases


def _not_attempted(error: BaseException | None, result: object) -> bool:
    return isinstance(error, NotImplementedError) or (error is None and (result is None or result is Ellipsis))


def _call(fn: Callable[..., Any], case: Case) -> tuple[Any, BaseException | None, tuple[Tensor, ...]]:
    args = tuple(a.detach().clone().requires_grad_(a.is_floating_point()) for a in case.args)
    try:
        return fn(*args, **case.kwargs), None, args
    except Exception as error:
        return None, error, args


def _describe(value: Tensor) -> str:
    flat = value.detach().reshape(-1)
    shown = ", ".join(f"{v:.4g}" for v in flat[:4].tolist())
    return shown if flat.numel() == 1 else f"[{shown}{', ...' if flat.numel() > 4 else ''}]"


def check_loss(
    fn: Callable[..., Any], reference: Callable[..., Tensor], cases: Sequence[Case], *, attempted: bool = True
) -> Verdict:
    """Compare ``fn`` with ``reference`` on every case: errors, shape, dtype, value, then gradient.

    ``attempted=False`` (a fix-a-bug stub whose ``fixed`` flag is still False) reports "not attempted yet".
    """
    if not attempted:
        return Verdict(None, NOT_ATTEMPTED)
    for number, case in enumerate(cases, start=1):
        where = f"Case {number} of {len(cases)} ({case.description})"
        result, error, args = _call(fn, case)
        if number == 1 and _not_attempted(error, result):
            return Verdict(None, NOT_ATTEMPTED)
        if error is not None:
            return Verdict(False, f"{where}: your function raised {type(error).__name__}: {error}")
        expected, _, ref_args = _call(reference, case)
        if not isinstance(result, Tensor):
            return Verdict(False, f"{where}: expected a tensor, your function returned {type(result).__name__}.")
        if result.shape != expected.shape:
            return Verdict(
                False, f"{where}: shape differs: yours {tuple(result.shape)}, torch {tuple(expected.shape)}."
            )
        if result.dtype != expected.dtype:
            return Verdict(False, f"{where}: dtype differs: yours {result.dtype}, torch {expected.dtype}.")
        if not torch.allclose(result, expected, rtol=1e-5, atol=1e-7, equal_nan=True):
            return Verdict(False, f"{where}: value differs: yours {_describe(result)}, torch {_describe(expected)}.")
        if not result.requires_grad:
            return Verdict(False, f"{where}: your result carries no gradient; build it from tensor operations only.")
        result.sum().backward()
        expected.sum().backward()
        for position, (mine, theirs) in enumerate(zip(args, ref_args, strict=True)):
            if theirs.grad is None:
                continue
            if mine.grad is None or not torch.allclose(mine.grad, theirs.grad, rtol=1e-5, atol=1e-7, equal_nan=True):
                got = "none" if mine.grad is None else _describe(mine.grad)
                return Verdict(
                    False,
                    f"{where}: gradient with respect to argument {position + 1} differs: yours {got}, "
                    f"torch {_describe(theirs.grad)}.",
                )
    return Verdict(True, f"Correct: all {len(cases)} cases match torch in shape, dtype, value and gradient.")


def check_prediction(guess: object, actual: float, *, tolerance: float = 0.01, what: str = "the value") -> Verdict:
    """Compare a learner's predicted number with what torch computed (relative tolerance, or absolute near 0)."""
    if guess is None or guess is Ellipsis:
        return Verdict(None, NOT_ATTEMPTED)
    if not isinstance(guess, int | float) or isinstance(guess, bool):
        return Verdict(False, f"Your prediction should be a number, like 0.5; got {type(guess).__name__}.")
    if math.isclose(guess, actual, rel_tol=tolerance, abs_tol=tolerance):
        return Verdict(True, f"Right: torch gives {actual:.4g} for {what}.")
    return Verdict(False, f"Not quite: you predicted {guess:.4g}, torch gives {actual:.4g} for {what}. Why?")
