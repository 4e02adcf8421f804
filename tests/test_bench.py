"""`make bench` works: run at a tiny size, it times every registered explorer and ends with its JSON."""

import json

from benchmarks.bench import main, positions, sweep
from lesson_utils.widgets import REGISTRY


def test_a_tiny_benchmark_covers_every_explorer_and_ends_with_its_json(capsys):
    main(["--updates", "2", "--no-lessons", "--no-browser"])
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    report = json.loads(last_line)
    assert set(report) >= {"machine", "explorers", "lessons", "browser"}
    assert set(report["explorers"]) == set(REGISTRY)
    for figures in report["explorers"].values():
        assert figures["updates"] >= 1
        assert {"p50_ms", "p95_ms", "naive_p50_ms", "speedup"} <= set(figures)
        assert figures["p50_ms"] > 0 and figures["naive_p50_ms"] > 0


def test_the_sweep_changes_every_control_across_its_whole_range():
    for cls in REGISTRY.values():
        explorer = cls()
        changes = sweep(explorer, 60)
        assert len(changes) >= 50
        for control in explorer.controls.values():
            attribute, values = positions(control)
            swept = {value for changed, _, value in changes if changed is control}
            assert {values[0], values[-1]} <= swept | {getattr(control, attribute)}, control.description
