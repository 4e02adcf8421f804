"""Re-execute notebooks in place, top to bottom in a fresh kernel, and store light, reproducible outputs.

Usage: python scripts/execute_notebooks.py notebooks/01_mse_loss.ipynb [...]
Run it through `make execute`, which sets OMP_NUM_THREADS=1 so the stored numbers match CI's.

What is stored, and why (docs/lesson-anatomy.md, "Keeping a notebook light"):
- no timing metadata, and consecutive prints joined, so a re-run diffs cleanly;
- no widget state (`metadata.widgets`) and no widget view in an output: a stored widget can only be drawn from its
  state, which for an explorer holds the very PNG it also stores as `image/png`. Without the view, JupyterLab, a
  notebook viewer and GitHub show that PNG. nbval never compares either (it skips widget views and images);
- every PNG re-encoded as a 256-colour palette PNG (octree palette, Floyd-Steinberg dither): about a third of the
  bytes, and not told apart from the original at this size. Running the notebook draws the full-colour figures.
"""

from __future__ import annotations

import base64
import io
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from PIL import Image

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def execute(path: Path) -> None:
    """Execute one notebook in its own folder and write it back with its outputs, made light."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        record_timing=False,
        store_widget_state=False,
        timeout=600,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [lighten(output) for output in merge_streams(cell.outputs)]
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


def lighten(output: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop a widget view that has a PNG beside it, and store every PNG as a palette PNG."""
    data = output.get("data", {})
    if "image/png" in data:
        data.pop(WIDGET_VIEW, None)
        data["image/png"] = base64.b64encode(palette_png(base64.b64decode(data["image/png"]))).decode("ascii")
    return output


def palette_png(png: bytes) -> bytes:
    """The same picture as an 8-bit palette PNG: 256 colours picked by octree, the rest dithered."""
    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
    rgb = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")  # as a page shows it
    palette = rgb.quantize(256, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    rgb.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG).save(out, format="png", optimize=True)
    return out.getvalue()


def main(paths: list[str]) -> None:
    for name in paths:
        start = time.perf_counter()
        execute(Path(name))
        print(f"{name}: executed in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
