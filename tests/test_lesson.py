"""lesson_utils.lesson: setup() makes runs repeatable and errors readable; show_warnings() prints without paths."""

import linecache
import re
import warnings

import matplotlib as mpl
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from lesson_utils import setup, show_warnings
from lesson_utils.lesson import format_error


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


def test_print_options_keep_tiny_values_visible():
    setup()
    assert str(torch.tensor([1e-8, 2.5e-6])) == "tensor([1.0000e-08, 2.5000e-06])"
    assert str(torch.tensor([0.5, 1.25])) == "tensor([0.5000, 1.2500])"
    assert str(np.array([1e-8, 2.5e-6])) == "[1.0e-08 2.5e-06]"


@pytest.mark.parametrize(
    ("seed", "error", "words"),
    [
        (-1, ValueError, "from 0 to 4294967295"),
        (2**32, ValueError, "from 0 to 4294967295"),
        (1.5, TypeError, "whole number"),
        (3.0, TypeError, "Use int(seed)"),
        ("0", TypeError, "whole number"),
        (True, TypeError, "whole number"),
    ],
)
def test_an_invalid_seed_is_refused_before_any_global_state_changes(seed, error, words):
    setup(seed=5)
    torch.set_num_threads(2)
    state = torch.get_rng_state()
    with pytest.raises(error, match=re.escape(words)):
        setup(seed=seed)
    assert torch.equal(torch.get_rng_state(), state) and torch.get_num_threads() == 2
    setup(seed=np.int64(7))  # numpy integers are whole numbers too


def test_format_error_shows_cell_lines_and_collapses_library_frames():
    cells = {"<cell-1>": "Cell In[1]"}
    linecache.cache["<cell-1>"] = (0, None, ["x = torch.tensor([1, 2])\n", "y = x\n", "F.mse_loss(x, y)\n"], "<cell-1>")
    code = compile("x = torch.tensor([1, 2])\ny = x\nF.mse_loss(x, y)\n", "<cell-1>", "exec")
    try:
        exec(code, {"torch": torch, "F": F})
    except NotImplementedError as error:
        lines = format_error(error, error.__traceback__, cell_name=cells.get)
    text = "".join(lines)
    assert "Cell In[1]\x1b[39m, line 3:" in text
    assert "---->  3 F.mse_loss(x, y)" not in text and "----> 3 F.mse_loss(x, y)" in text
    assert "      1 x = torch.tensor([1, 2])" in text
    assert "\u21b3 inside torch.nn.functional.mse_loss" in text
    assert lines[-1] == "\x1b[31mNotImplementedError\x1b[39m\x1b[31m:\x1b[39m \"mse_cpu\" not implemented for 'Long'\n"
    assert "/" not in text.replace("\x1b", "")  # no file path of this machine


def test_in_a_kernel_an_error_shows_the_learners_cell_line_and_torchs_message():
    nb = new_notebook(
        cells=[
            new_code_cell("from lesson_utils import setup\nsetup()\nimport torch\nimport torch.nn.functional as F"),
            new_code_cell("def my_loss(x):\n    y = x * 2\n    return y.nope"),
            new_code_cell("my_loss(torch.ones(2))", metadata={"tags": ["raises-exception"]}),
            new_code_cell("x = torch.tensor([1, 2])\nF.mse_loss(x, x)", metadata={"tags": ["raises-exception"]}),
            new_code_cell("%xmode Verbose\nF.mse_loss(x, x)", metadata={"tags": ["raises-exception"]}),
            new_code_cell(
                "from lesson_utils.exercises import check_loss, elementwise_cases\n"
                "def loops(input, target, reduction='mean'):\n    while True:\n        pass\n"
                "check_loss(loops, F.mse_loss, elementwise_cases(shapes=((3,),), reductions=('mean',)))"
            ),
        ]
    )
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    assert nb.cells[0].outputs == [], "setup() prints nothing"
    mine, torchs, verbose = (next(o for o in nb.cells[i].outputs if o.output_type == "error") for i in (2, 3, 4))
    assert (mine.ename, mine.evalue) == ("AttributeError", "'Tensor' object has no attribute 'nope'")
    assert "----> 3     return y.nope" in "".join(mine.traceback)
    assert "----> 1 my_loss(torch.ones(2))" in "".join(mine.traceback)
    assert (torchs.ename, torchs.evalue) == ("NotImplementedError", "\"mse_cpu\" not implemented for 'Long'")
    shown = "".join(torchs.traceback)
    assert "----> 2 F.mse_loss(x, x)" in shown and "inside torch.nn.functional.mse_loss" in shown
    assert not re.search(r"/(tmp|root|home|work)/|site-packages", shown)
    assert "site-packages" in "".join(verbose.traceback), "%xmode Verbose gives IPython's full traceback"
    # The kernel runs cells on its main thread, so the checker's alarm stops a learner's endless loop there too.
    notice, verdict = nb.cells[5].outputs
    assert notice.text.startswith("Checking case 1 of 1") and "still running after 1 s" in notice.text
    assert "your function was still running after 5 s, so the check stopped it" in verdict.data["text/plain"]
