"""Every exercise solution, put in place of its stub, passes its checker when the lesson runs top to bottom."""

import pytest
from nbclient import NotebookClient

from tests.lessons import exercises, lessons, output_text, read


@pytest.mark.parametrize("path", lessons(), ids=lambda p: p.stem)
def test_every_solution_passes_its_checker(path):
    nb = read(path)
    found = exercises(nb)
    for exercise in found:
        nb.cells[exercise.stub].source = exercise.solution
    NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
    for exercise in found:
        verdict = output_text(nb.cells[exercise.check])
        assert verdict.startswith(("Correct", "Right")), f"cell {exercise.check}: {verdict}"
