"""Exercise checkers: run a learner's answer against torch and say, in words, the first thing that differs."""

from __future__ import annotations

import dis
import itertools
import math
import numbers
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

NOT_ATTEMPTED = "Not attempted yet: fill in the function (or the value) above, run its cell, then this one."
#: Each call (the learner's function or the reference, one case) may take this long before the check stops it.
CASE_SECONDS = 5.0
#: A call still running after this long prints one line, so a slow check is seen to be working.
SLOW_NOTICE_SECONDS = 1.0


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check; ``passed`` is None when the exercise has not been attempted."""

    passed: bool | None
    message: str

    def __repr__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Case:
    """One call to try: positional tensors, keyword options, and the words that describe it.

    Each side of a check gets its own copy of every tensor here (positional or keyword), so neither side, nor
    the notebook that made the case, sees what the other side changed.
    """

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


def _fresh(value: Any, *, grad: bool) -> Any:
    """A copy of every tensor in ``value`` (also inside lists, tuples and dicts), so no side sees another's changes."""
    if isinstance(value, Tensor):
        copy = value.detach().clone()
        return copy.requires_grad_(grad and (copy.is_floating_point() or copy.is_complex()))
    if isinstance(value, list | tuple):
        return type(value)(_fresh(v, grad=grad) for v in value)
    if isinstance(value, dict):
        return {k: _fresh(v, grad=grad) for k, v in value.items()}
    return value


def _same(a: Any, b: Any) -> bool:
    """True if ``a`` still holds what ``b`` holds (tensors compared bit for bit, NaN equal to NaN)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        a, b = a.detach(), b.detach()
        return bool(torch.equal(a, b) or (a.is_floating_point() and torch.allclose(a, b, 0, 0, equal_nan=True)))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return True


class _OutOfTime(BaseException):
    """Raised inside a function under check when its time budget is spent (a BaseException: `except Exception`
    in the learner's code cannot swallow it)."""


@contextmanager
def _time_budget(seconds: float, notice: str) -> Iterator[None]:
    """Stop the block with _OutOfTime after ``seconds``; print ``notice`` once if it runs past SLOW_NOTICE_SECONDS.

    A SIGALRM timer interrupts even an endless Python loop (a thread could not be stopped). It works on the
    main thread of a Unix process, which is where Jupyter runs a cell; elsewhere the block runs without a budget.
    The previous handler and timer are restored afterwards.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    first = min(SLOW_NOTICE_SECONDS, seconds)
    alarms = 0

    def on_alarm(signum: int, frame: Any) -> None:
        nonlocal alarms
        alarms += 1
        if alarms == 1 and first < seconds:
            print(notice, flush=True)
            return
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, on_alarm)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, first, max(seconds - first, 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if previous_timer[0] > 0:
            signal.setitimer(signal.ITIMER_REAL, *previous_timer)


def _instructions(fn: object) -> list[tuple[str, object]] | None:
    code = getattr(fn, "__code__", None)
    return None if code is None else [(i.opname, i.argval) for i in dis.get_instructions(code)]


def _empty_stub() -> None: ...


def _is_empty(fn: object) -> bool:
    """True for a function whose body does nothing (only `...`, `pass` or a docstring): an untouched stub."""
    return _instructions(fn) == _instructions(_empty_stub)


def _not_attempted(fn: Callable[..., Any], error: BaseException | None, result: object) -> bool:
    if isinstance(error, NotImplementedError):
        return True
    return error is None and (result is Ellipsis or (result is None and _is_empty(fn)))


def _autograd_hint(error: BaseException) -> str:
    """The likely fix for an autograd error a learner's code caused, or '' if it is not one of those."""
    text = str(error)
    if "modified by an inplace operation" in text:
        return (
            " An in-place operation in your function (+=, x[...] = ..., or a method ending in _ such as "
            ".clamp_()) changed a tensor that autograd needed for the gradient. Use the out-of-place form: "
            "x = x + 1, torch.clamp(x, ...)."
        )
    if (
        "backward through the graph a second time" in text
        or "does not require grad and does not have a grad_fn" in text
    ):
        return (
            " Does your function call .backward()? A loss only computes and returns the value; whoever trains "
            "calls .backward() on it."
        )
    if "leaf Variable that requires grad is being used in an in-place operation" in text:
        return (
            " Your function changed one of its inputs in place (+=, x[...] = ..., or a method ending in _). "
            "Leave the inputs alone and build new tensors: x = x * 2, not x *= 2."
        )
    return ""


def _run(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], notice: str) -> tuple[Any, Any]:
    """Call fn under the time budget: (result, None) or (None, the exception it raised)."""
    try:
        with _time_budget(CASE_SECONDS, notice):
            return fn(*args, **kwargs), None
    except (Exception, _OutOfTime) as error:
        return None, error


def _argument_name(position: int | str) -> str:
    return f"argument {position + 1}" if isinstance(position, int) else f"`{position}`"


def _describe(value: Tensor) -> str:
    flat = value.detach().reshape(-1)
    shown = ", ".join(f"{v:.4g}" for v in flat[:4].tolist())
    return shown if flat.numel() == 1 else f"[{shown}{', ...' if flat.numel() > 4 else ''}]"


def _broken(where: str, what: str) -> Verdict:
    return Verdict(
        False,
        f"{where}: the check itself is broken: {what}. This is a problem with the exercise, not with your answer; "
        "please tell whoever wrote it.",
    )


def _check_case(
    fn: Callable[..., Any], reference: Callable[..., Tensor], case: Case, where: str, first: bool
) -> Verdict | None:
    """The verdict on one case, or None if it matches torch in every respect."""
    notice = (
        f"Checking {where[0].lower()}{where[1:]}: still running after {SLOW_NOTICE_SECONDS:g} s "
        f"(the check stops it at {CASE_SECONDS:g} s)..."
    )
    mine, mine_kwargs = _fresh(case.args, grad=True), _fresh(case.kwargs, grad=False)
    result, error = _run(fn, mine, mine_kwargs, notice)
    if first and _not_attempted(fn, error, result):
        return Verdict(None, NOT_ATTEMPTED)
    if isinstance(error, _OutOfTime):
        return Verdict(
            False,
            f"{where}: your function was still running after {CASE_SECONDS:g} s, so the check stopped it. Is there "
            "a loop that never ends (a `while` whose condition never turns False)?",
        )
    if error is not None:
        return Verdict(False, f"{where}: your function raised {type(error).__name__}: {error}{_autograd_hint(error)}")
    theirs = _fresh(case.args, grad=True)
    expected, reference_error = _run(reference, theirs, _fresh(case.kwargs, grad=False), notice)
    if reference_error is not None:
        return _broken(where, f"the reference raised {type(reference_error).__name__}: {reference_error}")
    if not isinstance(expected, Tensor):
        return _broken(where, f"the reference returned {type(expected).__name__}, not a tensor")
    if result is None:
        return Verdict(
            False,
            f"{where}: your function returned nothing (None). Is a `return` missing at its end, e.g. `return loss`?",
        )
    if not isinstance(result, Tensor):
        return Verdict(False, f"{where}: expected a tensor, your function returned {type(result).__name__}.")
    if any(isinstance(a, Tensor) and a.grad is not None for a in mine):
        return Verdict(
            False,
            f"{where}: your function called .backward() (its inputs already have gradients). A loss only computes "
            "and returns the value; whoever trains calls .backward() on it.",
        )
    changed = [f"argument {i + 1}" for i, (a, b) in enumerate(zip(mine, case.args, strict=True)) if not _same(a, b)]
    changed += [f"`{k}`" for k in case.kwargs if not _same(mine_kwargs[k], case.kwargs[k])]
    if changed:
        return Verdict(
            False,
            f"{where}: your function changed its {' and '.join(changed)} in place. A loss must leave its inputs "
            "alone: build new tensors (w = w * 2, not w *= 2 or w.mul_(2)).",
        )
    if result.shape != expected.shape:
        return Verdict(False, f"{where}: shape differs: yours {tuple(result.shape)}, torch {tuple(expected.shape)}.")
    if result.dtype != expected.dtype:
        return Verdict(False, f"{where}: dtype differs: yours {result.dtype}, torch {expected.dtype}.")
    if not torch.allclose(result, expected, rtol=1e-5, atol=1e-7, equal_nan=True):
        return Verdict(False, f"{where}: value differs: yours {_describe(result)}, torch {_describe(expected)}.")
    if not result.requires_grad:
        return Verdict(False, f"{where}: your result carries no gradient; build it from tensor operations only.")
    _, error = _run(lambda: result.sum().backward(), (), {}, notice)
    if error is not None:
        return Verdict(
            False,
            f"{where}: computing the gradient of your result failed ({type(error).__name__}: {error})"
            f"{_autograd_hint(error)}",
        )
    _, error = _run(lambda: expected.sum().backward(), (), {}, notice)
    if error is not None:
        return _broken(where, f"the reference's gradient failed ({type(error).__name__}: {error})")
    for position, (ours, torchs) in enumerate(zip(mine, theirs, strict=True)):
        if not isinstance(torchs, Tensor) or torchs.grad is None:
            continue
        if ours.grad is None or not torch.allclose(ours.grad, torchs.grad, rtol=1e-5, atol=1e-7, equal_nan=True):
            got = "none" if ours.grad is None else _describe(ours.grad)
            return Verdict(
                False,
                f"{where}: gradient with respect to argument {position + 1} differs: yours {got}, "
                f"torch {_describe(torchs.grad)}.",
            )
    return None


def check_loss(
    fn: Callable[..., Any], reference: Callable[..., Tensor], cases: Sequence[Case], *, attempted: bool = True
) -> Verdict:
    """Compare ``fn`` with ``reference`` on every case: errors, shape, dtype, value, then gradient.

    Every problem the learner's code can cause ends as a verdict in words, never as an exception: an error it
    raises, a missing `return`, a call to .backward() inside it, an input changed in place, an in-place change
    autograd cannot differentiate, and a call that runs longer than CASE_SECONDS (an endless loop is stopped).
    ``attempted=False`` (a fix-a-bug stub whose ``fixed`` flag is still False) reports "not attempted yet".
    """
    if not attempted:
        return Verdict(None, NOT_ATTEMPTED)
    if not cases:
        return _broken("Case 0 of 0", "it has no cases to try")
    for number, case in enumerate(cases, start=1):
        where = f"Case {number} of {len(cases)} ({case.description})"
        try:
            verdict = _check_case(fn, reference, case, where, number == 1)
        except Exception as error:  # a last guard: whatever happens, the learner reads a verdict
            verdict = Verdict(False, f"{where}: the check could not finish: {type(error).__name__}: {error}")
        if verdict is not None:
            return verdict
    return Verdict(True, f"Correct: all {len(cases)} cases match torch in shape, dtype, value and gradient.")


def _as_number(value: object, *, who: str) -> float | str:
    """``value`` as a float, or a sentence saying why it is not one number (numbers, 0-d tensors, numpy scalars)."""
    if isinstance(value, bool | np.bool_):
        return f"{who} should be a number, like 0.5; got {value!r}."
    if isinstance(value, Tensor | np.ndarray | np.generic):
        kind = "tensor" if isinstance(value, Tensor) else "numpy value"
        size = value.numel() if isinstance(value, Tensor) else value.size
        if value.ndim > 0:
            fix = " Use .item() to take the number out." if size == 1 else ""
            return f"{who} should be one number, like 0.5; got a {kind} of shape {tuple(value.shape)}.{fix}"
        value = value.item()
        if isinstance(value, bool | complex):
            return f"{who} should be a real number, like 0.5; got a {kind} holding {value!r}."
    if not isinstance(value, numbers.Real):
        return f"{who} should be a number, like 0.5; got {type(value).__name__}."
    try:
        number = float(value)
    except OverflowError:
        return f"{who} is too large to be a float ({len(str(value))} digits); give a number such as 0.5 or 1e6."
    if not math.isfinite(number):
        return f"{who} is {number}, not a finite number; give a value such as 0.5."
    return number


def check_prediction(guess: object, actual: object, *, tolerance: float = 0.01, what: str = "the value") -> Verdict:
    """Compare a learner's predicted number with what torch computed (relative tolerance, or absolute near 0).

    Numbers, 0-d tensors and numpy scalars are accepted; anything else gets a verdict saying what to give.
    """
    if guess is None or guess is Ellipsis:
        return Verdict(None, NOT_ATTEMPTED)
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or not tolerance >= 0:
        return _broken("This check", f"its tolerance must be a number >= 0, got {tolerance!r}")
    truth = _as_number(actual, who="the value torch computed")
    if isinstance(truth, str):
        return _broken("This check", truth[0].lower() + truth[1:].rstrip("."))
    number = _as_number(guess, who="Your prediction")
    if isinstance(number, str):
        return Verdict(False, number)
    if math.isclose(number, truth, rel_tol=tolerance, abs_tol=tolerance):
        return Verdict(True, f"Right: torch gives {truth:.4g} for {what}.")
    return Verdict(False, f"Not quite: you predicted {number:.4g}, torch gives {truth:.4g} for {what}. Why?")
