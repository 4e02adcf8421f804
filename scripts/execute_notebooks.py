"""Re-execute notebooks in place, top to bottom in a fresh kernel, with no timing metadata.

Usage: python scripts/execute_notebooks.py notebooks/01_mse_loss.ipynb [...]
Run it through `make execute`, which sets OMP_NUM_THREADS=1 so the stored numbers match CI's.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> None:
    """Execute one notebook in its own folder and write it back with its outputs."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        record_timing=False,
        timeout=600,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nbformat.write(notebook, path)


def merge_streams(outputs: list) -> list:
    """Join consecutive prints to the same stream: how the kernel chunked them varies from run to run."""
    merged: list = []
    for output in outputs:
        last = merged[-1] if merged else None
        if output.output_type == "stream" and last and last.output_type == "stream" and last.name == output.name:
            last.text += output.text
        else:
            merged.append(output)
    return merged


def main(paths: list[str]) -> None:
    for name in paths:
        start = time.perf_counter()
        execute(Path(name))
        print(f"{name}: executed in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
