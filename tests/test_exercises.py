"""lesson_utils.exercises: the checker finds the first difference, in words, and never breaks Run All."""

import signal
import time

import numpy as np
import torch
import torch.nn.functional as F

from lesson_utils.exercises import (
    CASE_SECONDS,
    NOT_ATTEMPTED,
    SLOW_NOTICE_SECONDS,
    check_loss,
    check_prediction,
    elementwise_cases,
)

CASES = elementwise_cases()


def right(input, target, reduction="mean"):
    d = (input - target) ** 2
    return d if reduction == "none" else d.sum() if reduction == "sum" else d.mean()


def test_a_correct_function_passes():
    verdict = check_loss(right, F.mse_loss, CASES)
    assert verdict.passed is True and "all 12 cases" in repr(verdict)


def test_an_untouched_stub_is_not_attempted():
    def stub(input, target, reduction="mean"):
        raise NotImplementedError

    def dots(input, target, reduction="mean"): ...

    for fn in (stub, dots):
        verdict = check_loss(fn, F.mse_loss, CASES)
        assert verdict.passed is None and repr(verdict) == NOT_ATTEMPTED
    assert check_loss(right, F.mse_loss, CASES, attempted=False).passed is None


def test_a_wrong_reduction_is_named_with_both_values():
    def mean_only(input, target, reduction="mean"):
        return ((input - target) ** 2).mean()

    verdict = check_loss(mean_only, F.mse_loss, CASES)
    assert verdict.passed is False
    assert repr(verdict).startswith("Case 2 of 12 (input and target of shape (5,), reduction='sum'): value differs")


def test_a_wrong_shape_is_named():
    def no_none(input, target, reduction="mean"):
        return ((input - target) ** 2).sum() if reduction == "sum" else ((input - target) ** 2).mean()

    assert "shape differs: yours (), torch (5,)" in repr(check_loss(no_none, F.mse_loss, CASES))


def test_a_wrong_gradient_is_named():
    def extra_slope(input, target, reduction="mean"):
        return right(input, target, reduction) + (input - input.detach()).sum()  # adds 0, and 1 to the gradient

    assert "gradient with respect to argument 1 differs" in repr(check_loss(extra_slope, F.mse_loss, CASES))


def test_an_error_is_reported_not_raised():
    def broken(input, target, reduction="mean"):
        return input - target.nope

    verdict = check_loss(broken, F.mse_loss, CASES)
    assert verdict.passed is False and "raised AttributeError" in repr(verdict)


def test_a_result_without_gradient_is_named():
    def numpy_detour(input, target, reduction="mean"):
        return torch.tensor(right(input, target, reduction).detach().numpy())

    assert "carries no gradient" in repr(check_loss(numpy_detour, F.mse_loss, CASES))


def test_predictions():
    assert check_prediction(..., 0.14).passed is None
    assert check_prediction(0.14, 0.14000003).passed is True
    assert "torch gives 0.14" in repr(check_prediction(0.0833, 0.14000003))
    assert check_prediction("0.14", 0.14).passed is False


ONE_CASE = elementwise_cases(shapes=((3,),), reductions=("mean",))


def weighted(input, target, reduction="mean", weight=None):
    return F.mse_loss(input, target, reduction=reduction, weight=weight)


def test_keyword_tensors_are_fresh_for_each_side_and_the_notebooks_stay_untouched():
    cases = elementwise_cases(weight=True)
    before = [(c.args, dict(c.kwargs)) for c in cases]
    kept = [
        ([a.clone() for a in args], {k: v.clone() for k, v in kw.items() if torch.is_tensor(v)}) for args, kw in before
    ]

    def flattens_the_weight(input, target, reduction="mean", weight=None):
        if weight is not None:
            weight.fill_(1.0)  # today torch's reference saw this too, and the check said "Correct"
        return weighted(input, target, reduction, weight)

    verdict = check_loss(flattens_the_weight, F.mse_loss, cases)
    assert verdict.passed is False and "changed its `weight` in place" in repr(verdict)
    assert check_loss(weighted, F.mse_loss, cases).passed is True
    for case, (args, kwargs) in zip(cases, kept, strict=True):
        assert all(torch.equal(a, b) for a, b in zip(case.args, args, strict=True))
        assert all(torch.equal(case.kwargs[k], v) for k, v in kwargs.items())


def test_a_missing_return_is_named_and_differs_from_an_untouched_stub():
    def forgot_return(input, target, reduction="mean"):
        loss = ((input - target) ** 2).mean()  # noqa: F841 - the mistake under test

    def documented_stub(input, target, reduction="mean"):
        """Your code here."""

    verdict = check_loss(forgot_return, F.mse_loss, CASES)
    assert verdict.passed is False and "returned nothing (None)" in repr(verdict) and "`return`" in repr(verdict)
    assert check_loss(documented_stub, F.mse_loss, CASES).passed is None


def test_backward_inside_the_loss_is_a_verdict_not_a_traceback():
    def calls_backward(input, target, reduction="mean"):
        loss = right(input, target, reduction)
        loss.sum().backward()
        return loss

    verdict = check_loss(calls_backward, F.mse_loss, CASES)
    assert verdict.passed is False and "called .backward()" in repr(verdict)


def test_an_in_place_change_autograd_needed_is_a_verdict_not_a_traceback():
    def squares_then_edits(input, target, reduction="mean"):
        d = input - target
        loss = d**2  # pow saves d for the gradient...
        d.mul_(1.0)  # ...which this then changes
        return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss

    verdict = check_loss(squares_then_edits, F.mse_loss, CASES)
    assert verdict.passed is False and "computing the gradient of your result failed" in repr(verdict)
    assert "out-of-place form" in repr(verdict)

    def edits_its_input(input, target, reduction="mean"):
        input += 1.0
        return right(input, target, reduction)

    verdict = check_loss(edits_its_input, F.mse_loss, CASES)
    assert verdict.passed is False and "changed one of its inputs in place" in repr(verdict)


def test_an_endless_loop_is_stopped_and_named_and_the_alarm_handler_is_restored():
    previous = signal.getsignal(signal.SIGALRM)

    def loops_forever(input, target, reduction="mean"):
        while True:
            pass

    start = time.monotonic()
    verdict = check_loss(loops_forever, F.mse_loss, ONE_CASE)
    assert time.monotonic() - start < CASE_SECONDS + 3
    assert verdict.passed is False
    assert repr(verdict).startswith("Case 1 of 1 (input and target of shape (3,), reduction='mean'): your function")
    assert f"still running after {CASE_SECONDS:g} s" in repr(verdict)
    assert signal.getsignal(signal.SIGALRM) is previous and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_slow_function_shows_that_it_is_being_checked(capsys):
    def slow(input, target, reduction="mean"):
        time.sleep(SLOW_NOTICE_SECONDS + 0.3)
        return right(input, target, reduction)

    assert check_loss(slow, F.mse_loss, ONE_CASE).passed is True
    assert capsys.readouterr().out == (
        "Checking case 1 of 1 (input and target of shape (3,), reduction='mean'): still running after 1 s "
        f"(the check stops it at {CASE_SECONDS:g} s)...\n"
    )
    check_loss(right, F.mse_loss, CASES)
    assert capsys.readouterr().out == "", "a fast check prints nothing"


def test_a_broken_reference_says_the_check_is_broken():
    def broken_reference(input, target, reduction="mean"):
        raise RuntimeError("oops")

    verdict = check_loss(right, broken_reference, CASES)
    assert verdict.passed is False and "the check itself is broken: the reference raised RuntimeError: oops" in repr(
        verdict
    )
    assert "not with your answer" in repr(verdict)


def test_predictions_accept_0d_tensors_and_numpy_scalars():
    for guess in (torch.tensor(0.14), torch.tensor(0.14, dtype=torch.float64), np.float32(0.14), np.float64(0.14)):
        assert check_prediction(guess, 0.14).passed is True, guess
    assert check_prediction(0.14, torch.tensor(0.14)).passed is True
    one = check_prediction(torch.tensor([0.14]), 0.14)
    assert one.passed is False and "shape (1,)" in repr(one) and ".item()" in repr(one)


def test_predictions_name_huge_or_non_finite_guesses_and_a_bad_tolerance():
    assert "too large" in repr(check_prediction(10**400, 0.14))
    for guess in (float("inf"), float("nan"), torch.tensor(float("nan"))):
        verdict = check_prediction(guess, 0.14)
        assert verdict.passed is False and "not a finite number" in repr(verdict)
    verdict = check_prediction(0.14, 0.14, tolerance=-0.1)
    assert verdict.passed is False and "tolerance must be a number >= 0, got -0.1" in repr(verdict)
    assert "got bool" not in repr(check_prediction(True, 1.0)) and check_prediction(True, 1.0).passed is False
