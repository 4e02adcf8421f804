"""lesson_utils keeps kernels and servers small: its grids and explorers never import dynamo or sympy, and a
Jupyter server that loads its kernel websocket class does not import torch.

torch imports them lazily: ``torch.func.grad`` imports dynamo and sympy (about 65 MB and 1 to 3 s), and so do
explicit ``grad_outputs`` (sympy, about 35 MB). Checked in a fresh interpreter, as the test process may have them.
"""

import subprocess
import sys

PROGRAM = """
import sys
import torch
import lesson_utils
import lesson_utils.explorers
from lesson_utils.surfaces import curve, surface
from lesson_utils.widgets import REGISTRY

lesson_utils.setup()
grid = torch.linspace(-1, 1, 5)
curve(lambda p: (p - 0.5) ** 2, grid)
surface(lambda w, b: torch.nn.functional.mse_loss(w * grid + b, grid), grid, grid)
for explorer in REGISTRY.values():
    explorer()
print(sorted(name for name in ("torch._dynamo", "sympy") if name in sys.modules))
"""


def test_grids_and_explorers_import_neither_dynamo_nor_sympy():
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def test_a_jupyter_server_that_loads_the_kernel_websocket_class_does_not_import_torch():
    program = "import sys, lesson_utils.kernel_websocket; print('torch' in sys.modules, 'matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
