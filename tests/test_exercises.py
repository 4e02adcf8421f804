"""lesson_utils.exercises: the checker finds the first difference, in words, and never breaks Run All."""

import torch
import torch.nn.functional as F

from lesson_utils.exercises import NOT_ATTEMPTED, check_loss, check_prediction, elementwise_cases

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
