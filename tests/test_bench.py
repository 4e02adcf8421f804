"""`make bench` works: run as a command at a tiny size, it times an explorer and a notebook and ends with its JSON.

The benchmark is a program, so it is run as one (no import of it here); its browser part is left out, as the
browser tests drive the same page of explorers (`devtools.notebooks`).
"""

import json
import os
import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from devtools.controls import positions, sweep
from devtools.servers import ROOT
from lesson_utils.widgets import REGISTRY
from tests.lessons import SELECTED, explorers_of


def test_a_tiny_benchmark_runs_end_to_end(tmp_path):
    notebook = tmp_path / "tiny.ipynb"  # executed and stored, so that strict nbval has something to compare
    cell = new_code_cell("print(6 * 7)", execution_count=1, outputs=[new_output("stream", name="stdout", text="42\n")])
    nbformat.write(
        new_notebook(cells=[cell], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}), notebook
    )
    (explorer,) = explorers_of("start_here")
    argv = ["--updates", "2", "--explorer", explorer, "--no-browser", str(notebook)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-m", "benchmarks.bench", *argv], cwd=ROOT, env=env, capture_output=True)
    assert run.returncode == 0, run.stderr.decode()
    report = json.loads(run.stdout.decode().strip().splitlines()[-1])
    assert set(report) >= {"machine", "explorers", "lessons", "browser"}
    assert list(report["explorers"]) == [explorer]
    figures = report["explorers"][explorer]
    assert figures["updates"] >= 1 and figures["p50_ms"] > 0 and figures["naive_p50_ms"] > 0
    assert report["lessons"]["tiny"]["passed"] and report["lessons"]["tiny"]["cells"] == 1


def test_the_sweep_changes_every_control_across_its_whole_range():
    for name in explorers_of(SELECTED):
        explorer = REGISTRY[name]()
        changes = sweep(explorer, 60)
        assert len(changes) >= 50
        for control in explorer.controls.values():
            attribute, values = positions(control)
            swept = {value for changed, _, value in changes if changed is control}
            assert {values[0], values[-1]} <= swept | {getattr(control, attribute)}, control.description
