"""Reading the lesson notebooks as data: which lessons exist, their headings, exercises and outputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
START_HERE = NOTEBOOKS / "00_start_here.ipynb"
ANATOMY = [
    "What you will learn",
    "The idea",
    "In PyTorch",
    "From scratch",
    "Picture it",
    "Explore",
    "Pitfalls",
    "Exercises",
    "Summary",
]
SOLUTION = re.compile(r"<details>\s*<summary>\s*Solution.*?```python\n(.*?)```", re.DOTALL)


def all_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def lessons() -> list[Path]:
    """Every lesson notebook: numbered, and not the start page."""
    return [p for p in all_notebooks() if re.match(r"\d\d_", p.name) and p != START_HERE]


def read(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def source(cell: NotebookNode) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def level2_headings(nb: NotebookNode) -> list[str]:
    return [
        line[3:].strip()
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in source(cell).splitlines()
        if line.startswith("## ")
    ]


def title(nb: NotebookNode) -> str:
    first = source(nb.cells[0]).splitlines()[0]
    assert first.startswith("# "), "a notebook starts with a level-1 title"
    return first[2:].strip()


def tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def output_text(cell: NotebookNode) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(out.data.get("text/plain", ""))
        elif out.output_type == "error":
            parts.append("\n".join([f"{out.ename}: {out.evalue}", *out.traceback]))
    return "".join(parts)


@dataclass
class Exercise:
    stub: int
    check: int
    solution: str


def exercises(nb: NotebookNode) -> list[Exercise]:
    """Each stub cell (tag 'exercise'), its check cell (tag 'check') and the solution in the details after it."""
    found = []
    cells = nb.cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and "exercise" in tags(cell):
            check = cells[i + 1]
            assert check.cell_type == "code" and "check" in tags(check), f"cell {i + 1} should be the check"
            match = SOLUTION.search(source(cells[i + 2]))
            assert match, f"cell {i + 2} should hold <details><summary>Solution</summary> and a python block"
            found.append(Exercise(stub=i, check=i + 1, solution=match.group(1)))
    return found
