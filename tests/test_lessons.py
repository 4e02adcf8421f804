"""Every lesson meets the anatomy, the start page lists every lesson, and stored outputs are clean and light."""

import re

import pytest

from tests.lessons import (
    ANATOMY,
    START_HERE,
    all_notebooks,
    exercises,
    lessons,
    level2_headings,
    output_text,
    read,
    selected,
    source,
    tags,
    title,
)


@pytest.mark.parametrize("path", selected(lessons()), ids=lambda p: p.stem)
def test_lesson_has_the_anatomy_headings_in_order(path):
    assert level2_headings(read(path)) == ANATOMY


@pytest.mark.parametrize("path", selected(lessons()), ids=lambda p: p.stem)
def test_lesson_calls_setup_first_and_has_three_checked_exercises(path):
    nb = read(path)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "setup()" in source(first_code)
    found = exercises(nb)
    assert len(found) >= 3, "implement, predict-then-check and fix-a-bug"
    for exercise in found:
        assert output_text(nb.cells[exercise.check]).startswith("Not attempted yet"), "stubs ship untouched"


@pytest.mark.parametrize("path", selected(all_notebooks()), ids=lambda p: p.stem)
def test_stored_outputs_are_from_one_clean_run(path):
    nb = read(path)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code" and source(c).strip()]
    assert counts == list(range(1, len(counts) + 1)), "execute top to bottom in a fresh kernel (make execute)"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors:
            assert "raises-exception" in tags(cell), f"cell {i} stores {errors[0].ename} but is not tagged to raise"
        text = output_text(cell)
        assert not re.search(r"/(tmp|root|home|work)/", text), f"cell {i} shows a machine path"
        assert "0x" not in text or "at 0xADDRESS" in text or not re.search(r"at 0x[0-9a-f]+", text), i


@pytest.mark.parametrize("path", selected(all_notebooks()), ids=lambda p: p.stem)
def test_ignore_markers_say_why(path):
    for i, cell in enumerate(read(path).cells):
        lines = source(cell).splitlines()
        for j, line in enumerate(lines):
            if line.strip() in ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP"):
                assert j + 1 < len(lines) and lines[j + 1].startswith("# "), f"cell {i}: say why on the next line"
        assert not {"nbval-ignore-output", "nbval-skip"} & set(tags(cell)), f"cell {i}: use the commented marker"


#: The most a stored notebook may weigh, in bytes: docs/lesson-anatomy.md, "Keeping a notebook light", says how.
MAX_BYTES = 350_000
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("path", selected(all_notebooks()), ids=lambda p: p.stem)
def test_notebook_is_light_and_stores_no_widget_state(path):
    size = path.stat().st_size
    assert size <= MAX_BYTES, f"{size:,} bytes, over {MAX_BYTES:,}: see 'Keeping a notebook light' in the anatomy doc"
    nb = read(path)
    again = "re-execute it with scripts/execute_notebooks.py (make execute)"
    assert "widgets" not in nb.metadata, f"the notebook stores widget state: {again}"
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            assert WIDGET_VIEW not in out.get("data", {}), f"cell {i} stores a widget view: {again}"


def test_start_page_lists_every_lesson_by_its_title():
    table = "\n".join(source(c) for c in read(START_HERE).cells if c.cell_type == "markdown")
    listed = dict(re.findall(r"\[([^\]]+)\]\((\d\d_[a-z0-9_]+\.ipynb)\)", table))
    assert sorted(listed.values()) == [p.name for p in lessons()]
    for text, name in listed.items():
        assert text == title(read(START_HERE.parent / name)), f"link text of {name} should be its title"


def test_readme_lists_every_lesson():
    readme = (START_HERE.parent.parent / "README.md").read_text()
    for path in lessons():
        assert f"notebooks/{path.name}" in readme
