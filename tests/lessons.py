"""Reading the lesson notebooks as data: which lessons exist, their headings, exercises and outputs.

`make test LESSON=05_l1_loss` sets LOSS_LAB_LESSON to the lesson's key (`l1_loss`): the tests that run once per
lesson or per explorer then take only that lesson's (:func:`selected`, :func:`explorers_of`).
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

import lesson_utils.explorers  # noqa: F401  (registers every explorer)
from lesson_utils.widgets import EXPLORER_OUTPUT, REGISTRY

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
#: The key of the one lesson under test, or "" for all of them.
SELECTED = os.environ.get("LOSS_LAB_LESSON", "")
SOLUTION = re.compile(r"<details>\s*<summary>\s*Solution.*?```python\n(.*?)```", re.DOTALL)


def all_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def lessons() -> list[Path]:
    """Every lesson notebook: numbered, and not the start page."""
    return [p for p in all_notebooks() if re.match(r"\d\d_", p.name) and p != START_HERE]


def key(path: Path) -> str:
    """A lesson's key: its notebook's name without the number (`05_l1_loss.ipynb` -> `l1_loss`)."""
    return re.sub(r"^\d\d_", "", path.stem)


def selected(paths: list[Path]) -> list[Path]:
    """The notebooks under test: all of them, or the selected lesson's."""
    return [path for path in paths if not SELECTED or key(path) == SELECTED]


def explorers_of(lesson_key: str = "") -> list[str]:
    """The registered explorers of one lesson (defined in `lesson_utils/explorers/<key>.py`), or all, by name."""
    module = f"lesson_utils.explorers.{lesson_key}"
    return sorted(name for name, cls in REGISTRY.items() if not lesson_key or cls.__module__ == module)


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
class Figure:
    """A PNG stored in a notebook: the cell it is in, its alt text (from the output's metadata), its plain text, and
    whether it is an explorer's frame (live in JupyterLab and Voila) rather than a static figure."""

    cell: int
    alt: str
    text: str
    explorer: bool


def figures(nb: NotebookNode) -> list[Figure]:
    """Every PNG the notebook stores, in order."""
    return [
        Figure(
            i,
            output.get("metadata", {}).get("image/png", {}).get("alt", ""),
            "".join(output.data.get("text/plain", "")),
            EXPLORER_OUTPUT in output.get("metadata", {}),
        )
        for i, cell in enumerate(nb.cells)
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]


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


def names(code: str) -> tuple[set[str], set[str]] | None:
    """The names a cell binds (or changes through an item or attribute) and the names it reads from earlier cells;
    None when it is not plain Python (a magic) or imports with a star, so that what it needs cannot be read off it."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    bound: set[str] = set()
    reads: set[str] = set()
    for statement in tree.body:
        stored, loaded = _statement_names(statement)
        if stored is None:
            return None
        reads |= loaded - bound
        bound |= stored
    return bound, reads


def _statement_names(statement: ast.stmt) -> tuple[set[str] | None, set[str]]:
    """What one top-level statement binds, and reads from before it. A name it both binds and reads (a loop
    variable, a function's local) is its own, except in an assignment's value, `x += 1` and `x[i] = v`."""
    stored, loaded, own = set(), set(), set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else own).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stored.add(node.name)
        elif isinstance(node, ast.arg):
            own.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if any(alias.name == "*" for alias in node.names):
                return None, set()
            stored |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    nested = [n for n in ast.walk(statement) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)]
    local = {n.arg if isinstance(n, ast.arg) else n.id for fn in nested for n in ast.walk(fn) if _local(n)}
    targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
    stored |= {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)} | (own - local)
    reads = loaded - own
    if isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign) and statement.value is not None:
        reads |= {n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)}
    for target in targets:
        base = target
        while isinstance(base, ast.Subscript | ast.Attribute):
            base = base.value
        if (base is not target and isinstance(base, ast.Name)) or isinstance(statement, ast.AugAssign):
            reads.add(base.id)  # x[i] = v and x += 1 change the x an earlier cell made
    return stored, reads


def _local(node: ast.AST) -> bool:
    return isinstance(node, ast.arg) or (isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load))


def cells_needed(nb: NotebookNode, wanted: list[int]) -> list[int]:
    """The code cells that `wanted` depends on, in order: the first code cell (`setup()`), the wanted cells, and for
    each name one of those reads, the last earlier cell that binds it, and so on back. A cell that cannot be read
    (a magic, a star import) is kept."""
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and source(cell).strip()]
    found = {i: names(source(nb.cells[i])) for i in code}
    needed = {code[0], *wanted} | {i for i in code if found[i] is None and i < max(wanted)}
    todo = sorted(needed)
    while todo:
        j = todo.pop()
        for name in found[j][1] if found[j] else set():
            binders = [i for i in code if i < j and found[i] and name in found[i][0]]
            if binders and binders[-1] not in needed:
                needed.add(binders[-1])
                todo.append(binders[-1])
    return sorted(needed)
