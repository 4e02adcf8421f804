"""Reference losses built from elementary tensor operations, each equal to its torch.nn.functional twin.

Contract: same name and arguments as ``torch.nn.functional`` (less the deprecated ``size_average`` and
``reduce``, and the deprecated spelling ``reduction='elementwise_mean'``; options are keyword-only), the same
value and gradient for every input torch accepts, and an error that names what was expected and the fix for
every input torch rejects. ``dice_loss`` and ``pinball_loss`` have no torch twin: their docstrings state
their semantics.
"""

from lesson_utils.losses.binary import binary_cross_entropy, binary_cross_entropy_with_logits
from lesson_utils.losses.classification import cross_entropy, nll_loss
from lesson_utils.losses.divergence import kl_div
from lesson_utils.losses.regression import (
    gaussian_nll_loss,
    huber_loss,
    l1_loss,
    mse_loss,
    pinball_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)
from lesson_utils.losses.segmentation import dice_loss

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dice_loss",
    "gaussian_nll_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "pinball_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
]
