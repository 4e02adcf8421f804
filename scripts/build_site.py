"""Build the lessons into a static site: one page per notebook, from their stored outputs, readable without Python.

    python scripts/build_site.py [--out build/site]

The notebooks are staged (the start page becomes index.ipynb, links to it follow) and prepared for a reader with no
kernel: an explorer's output (its stored PNG, marked in the output's metadata) gets a line after it saying where
the explorer is live; a figure's alt text, stored in its output's metadata, moves to its cell's metadata, where
MyST-NB reads it.
Sphinx with MyST-NB then renders the staged copies with `site/` as its configuration; nothing is executed.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import sys
from pathlib import Path

import nbformat
from sphinx.cmd.build import build_main

from lesson_utils.widgets import EXPLORER_OUTPUT

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
START = "00_start_here.ipynb"
#: Shown after every explorer's output; the static page has only its stored figure.
LIVE_NOTE = (
    '<p class="loss-lab-live"><em>A live explorer.</em> Here it shows its starting values; open the lesson in '
    "JupyterLab (<code>make lab</code>) or in demo mode (<code>make demo</code>) to move its controls.</p>"
)


def staged_name(name: str) -> str:
    """The start page is the site's index; every other lesson keeps its name."""
    return "index.ipynb" if name == START else name


def for_site(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy for a reader with no kernel: a line after every explorer saying where it is live, each figure's alt
    text where MyST-NB reads it, links to the start page pointing at the index."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace(f"]({START}", f"]({staged_name(START)}")
        if cell.cell_type != "code":
            continue
        alt = figure_alt(cell)
        if alt:
            cell.metadata.setdefault("mystnb", {}).setdefault("image", {})["alt"] = alt
        outputs = []
        for output in cell.outputs:
            outputs.append(output)
            if EXPLORER_OUTPUT in output.get("metadata", {}):
                note = nbformat.v4.new_output("display_data", data={"text/html": LIVE_NOTE})
                outputs.append(note)
        cell.outputs = outputs
    return notebook


def figure_alt(cell: nbformat.NotebookNode) -> str | None:
    """The alt text of the cell's figure, from its output's metadata (MyST-NB takes image options per cell only)."""
    alts = [
        output.get("metadata", {}).get("image/png", {}).get("alt")
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]
    if len(alts) > 1:
        raise ValueError(f"a cell shows {len(alts)} figures; the site gives alt text per cell: one figure per cell")
    return alts[0] if alts else None


def stage(source: Path, staging: Path) -> list[Path]:
    """Write every notebook of `source`, prepared for the site, into a fresh `staging` folder."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    paths = sorted(source.glob("*.ipynb"))
    staged = []
    for path in paths:
        notebook = for_site(nbformat.read(path, as_version=4))
        if path.name == START:
            # The navigation: every lesson in order, the start page first (a hidden toctree shows in the sidebar).
            lessons = "\n".join(path.stem for path in paths if path.name != START)
            notebook.cells.append(nbformat.v4.new_markdown_cell(f"```{{toctree}}\n:hidden:\n\n{lessons}\n```"))
        target = staging / staged_name(path.name)
        nbformat.write(notebook, target)
        staged.append(target)
    return staged


def build(out: Path, *, source: Path = NOTEBOOKS) -> int:
    """Stage the notebooks next to `out` and build the site into it; Sphinx's exit status (0 when built)."""
    staging = out.parent / f"{out.name}-src"
    stage(source, staging)
    # -W: a broken cross-reference or a missing image fails the build; -E: read every page again.
    options = ["-b", "html", "-q", "-W", "--keep-going", "-E", "-c", str(ROOT / "site")]
    return build_main([*options, str(staging), str(out)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site", help="where the site goes")
    return build(parser.parse_args(argv).out)


if __name__ == "__main__":
    sys.exit(main())
