"""Every exercise solution, put in place of its stub, passes its real check cell, run in a fresh kernel with the cells
it depends on.

Strict nbval already runs every cell of every lesson; here a lesson runs with its solutions swapped in and only the
cells its exercises need (`tests.lessons.cells_needed`: setup, the exercise and check cells, and the cells that bind
what they read), so figures, explorers and pitfalls are not drawn twice.
"""

import pytest
from nbclient import NotebookClient

from tests.lessons import cells_needed, exercises, lessons, output_text, read, selected


@pytest.mark.parametrize("path", selected(lessons()), ids=lambda p: p.stem)
def test_every_solution_passes_its_checker(path):
    nb = read(path)
    found = exercises(nb)
    for exercise in found:
        nb.cells[exercise.stub].source = exercise.solution
    checks = [exercise.check for exercise in found]
    kept = cells_needed(nb, [i for exercise in found for i in (exercise.stub, exercise.check)])
    nb.cells = [nb.cells[i] for i in kept]
    NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
    for check in checks:
        verdict = output_text(nb.cells[kept.index(check)])
        assert verdict.startswith(("Correct", "Right")), f"cell {check}: {verdict}"
