"""lesson_utils.lesson: setup() makes runs repeatable; show_warnings() prints warnings without file paths."""

import warnings

import matplotlib as mpl
import torch

from lesson_utils import setup, show_warnings


def test_setup_makes_random_draws_repeatable_and_uses_one_thread():
    setup(seed=3)
    first = torch.rand(3)
    setup(seed=3)
    assert torch.equal(first, torch.rand(3))
    assert torch.get_num_threads() == 1
    assert mpl.rcParams["image.cmap"] == "viridis"


def test_show_warnings_prints_category_and_message_only(capsys):
    with show_warnings():
        warnings.warn("shapes differ", UserWarning, stacklevel=1)
        warnings.warn("shapes differ", UserWarning, stacklevel=1)
    assert capsys.readouterr().out == "UserWarning: shapes differ\nUserWarning: shapes differ\n"
