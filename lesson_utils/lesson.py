"""What every lesson calls first: seeds, one thread, print options, the figure style and readable errors."""

from __future__ import annotations

import linecache
import operator
import random
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import matplotlib as mpl
import numpy as np
import torch

from lesson_utils.plotting import COLORS

STYLE = {
    "figure.dpi": 96,
    "savefig.dpi": 96,
    "image.cmap": "viridis",
    "axes.prop_cycle": mpl.cycler(color=[COLORS[name] for name in ("blue", "orange", "green", "vermillion", "sky")]),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
}
#: The largest seed every generator accepts (numpy's legacy generator takes 0 to 2**32 - 1).
MAX_SEED = 2**32 - 1
#: How many lines of a cell are shown above the line that failed.
CONTEXT_LINES = 2
#: The `%xmode` modes in which IPython's own, full tracebacks are shown instead of the lesson's short ones.
FULL_TRACEBACK_MODES = ("Verbose", "Plain", "Docs")


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool):
        raise TypeError(f"setup: seed must be a whole number from 0 to {MAX_SEED}, like 0 or 42; got {seed!r}.")
    try:
        value = operator.index(seed)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"setup: seed must be a whole number from 0 to {MAX_SEED}, like 0 or 42; got {type(seed).__name__} "
            f"{seed!r}." + (" Use int(seed)." if isinstance(seed, float) and float(seed).is_integer() else "")
        ) from None
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"setup: seed must be from 0 to {MAX_SEED} (numpy's limit), got {value}.")
    return value


def setup(*, seed: int = 0) -> None:
    """Seed every generator, use one thread (same bits on every machine), set print options and the figure style.

    Prints nothing. Tensors and arrays print 4 significant digits, switching to scientific notation when values
    are tiny or span many orders of magnitude (so 1e-8 never prints as 0). In a notebook, an error shows the
    lines of the cell that failed and collapses the frames inside libraries (no file paths of this machine);
    ``%xmode Verbose`` brings IPython's full tracebacks back.
    """
    seed = _check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global generator is the one learners' code calls
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.set_printoptions(precision=4, sci_mode=None)
    np.set_printoptions(precision=4, suppress=False)
    mpl.rcParams.update(STYLE)
    _configure_notebook()


def _configure_notebook() -> None:
    """In a notebook: show a pyplot-free Figure that ends a cell as a PNG; show errors with the cell's lines."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    select_figure_formats(shell, {"png"})
    shell.set_custom_exc((Exception, KeyboardInterrupt), _show_error)


def _show_error(shell: Any, etype: type, value: BaseException, tb: TracebackType | None, tb_offset: Any = None) -> None:
    """IPython's handler for an error in a cell: the lesson's short traceback, or IPython's in a full mode."""
    if shell.InteractiveTB.mode in FULL_TRACEBACK_MODES:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return
    stb = format_error(value, tb, cell_name=lambda filename: _cell_name(shell, filename))
    shell._showtraceback(etype, value, stb)


def _cell_name(shell: Any, filename: str) -> str | None:
    """'Cell In[3]' for the file IPython compiled a cell into, else None."""
    name = shell.compile.format_code_name(filename)
    return None if name is None else " ".join(name)


def format_error(
    error: BaseException, tb: TracebackType | None, *, cell_name: Callable[[str], str | None]
) -> list[str]:
    """An error as lines: each cell frame with its lines (the failing one marked), library frames as one line each run.

    ``cell_name`` maps a code file to a name such as 'Cell In[3]', or None for library code: library frames show
    their module and function (torch.nn.functional.mse_loss), never a file path. Frames before the first cell
    frame (IPython's own) are left out. The last line is 'ExceptionType: message', as Python prints it.
    """
    frames = [(frame, lineno) for frame, lineno in traceback.walk_tb(tb)]
    names = [cell_name(frame.f_code.co_filename) for frame, _ in frames]
    first_cell = next((i for i, name in enumerate(names) if name is not None), 0)
    lines: list[str] = []
    library: list[str] = []

    def flush_library() -> None:
        if library:
            more = f" (and {len(library) - 1} frames it called)" if len(library) > 1 else ""
            lines.append(f"   \u21b3 inside {library[0]}{more}\n")
            library.clear()

    for (frame, lineno), name in zip(frames[first_cell:], names[first_cell:], strict=True):
        if name is None:
            library.append(f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_qualname}")
            continue
        flush_library()
        function = frame.f_code.co_name
        where = "" if function == "<module>" else f", in {function}"
        body = [f"\x1b[32m{name}\x1b[39m, line {lineno}{where}:"]
        for number in range(max(1, lineno - CONTEXT_LINES), lineno + 1):
            text = linecache.getline(frame.f_code.co_filename, number).rstrip()
            marker = "---->" if number == lineno else "     "
            body.append(f"{marker} {number} {text}")
        lines.append("\n".join(body) + "\n")
    flush_library()
    message = "".join(traceback.format_exception_only(error)).rstrip()
    ename, _, rest = message.partition(":")
    lines.append(f"\x1b[31m{ename}\x1b[39m\x1b[31m:\x1b[39m{rest}\n" if rest else f"\x1b[31m{ename}\x1b[39m\n")
    return lines


@contextmanager
def show_warnings() -> Iterator[None]:
    """Run the block, then print each warning it raised as 'Category: message', without file paths.

    A warning left to Jupyter prints the cell's temporary file path, which differs on every machine;
    printed this way the stored output is the same everywhere.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        print(f"{warning.category.__name__}: {warning.message}")
