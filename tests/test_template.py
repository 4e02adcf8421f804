"""The second-draft template (docs/lesson-anatomy.md): recipe first, a short main path, asides well-formed, every
figure described in words.

Parametrised over every notebook, so a lesson added later meets the same rules without editing this file.
"""

import re

import pytest

from tests.lessons import all_notebooks, exercises, figures, output_text, read, source, tags

WORD_BUDGET = 2500
DETAILS = re.compile(r"<details>.*?</details>", re.DOTALL)
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
SUMMARY = re.compile(r"<details>\s*<summary>(.*?)</summary>(.*?)</details>", re.DOTALL)


def main_path(nb) -> str:
    """The markdown a reader meets without opening anything: collapsed blocks and fenced code removed."""
    text = "\n".join(source(c) for c in nb.cells if c.cell_type == "markdown")
    return FENCE.sub(" ", DETAILS.sub(" ", text))


def main_path_words(nb) -> int:
    """The word budget's count: whitespace-separated tokens of the main path (headings included)."""
    return len(main_path(nb).split())


def _code_lines(text: str) -> list[str]:
    lines = (line.split("#")[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith(("def ", "import ", "from ", "fixed ="))]


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: p.stem)
def test_recipe_sits_under_the_title_and_runs(path):
    cells = read(path).cells
    markdown = [i for i, c in enumerate(cells) if c.cell_type == "markdown"]
    assert markdown[0] == 0, "cell 0 is the title"
    recipe = markdown[1]
    assert source(cells[recipe]).startswith("**Recipe**"), "the first markdown cell after the title is the recipe"
    assert "\n## " not in "\n" + source(cells[recipe]), "the recipe sits above the level-2 headings"
    code = cells[recipe + 1]
    assert code.cell_type == "code" and source(code).strip(), "the recipe is followed by its runnable code cell"
    assert "raises-exception" not in tags(code)
    assert not [o for o in code.outputs if o.output_type == "error"], "the recipe runs cleanly"
    assert output_text(code).strip(), "the recipe cell prints its (rounded) result"
    first_code = next(i for i, c in enumerate(cells) if c.cell_type == "code")
    assert first_code <= recipe + 1 and "setup()" in source(cells[first_code]), "setup() runs before the recipe"


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: p.stem)
def test_main_path_keeps_the_word_budget(path):
    words = main_path_words(read(path))
    assert words <= WORD_BUDGET, (
        f"{words} words of markdown outside <details> blocks (budget {WORD_BUDGET}): move expert asides "
        "into <details><summary>Going deeper: ...</summary> blocks"
    )


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: p.stem)
def test_first_output_is_not_the_exception_mode(path):
    first = next(output_text(c) for c in read(path).cells if c.cell_type == "code" and c.outputs)
    assert not first.startswith("Exception reporting mode"), "setup() must be quiet (no %xmode banner)"


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: p.stem)
def test_collapsed_blocks_are_well_formed(path):
    for i, cell in enumerate(read(path).cells):
        if cell.cell_type != "markdown":
            continue
        text = source(cell)
        opened, closed = text.count("<details>"), text.count("</details>")
        assert opened == closed, f"cell {i}: {opened} <details> but {closed} </details> (close each in its cell)"
        blocks = SUMMARY.findall(text)
        assert len(blocks) == opened, f"cell {i}: every <details> starts with <summary>...</summary>"
        for summary, body in blocks:
            assert summary.startswith(("Going deeper: ", "Solution")), f"cell {i}: summary {summary!r}"
            assert "<details>" not in body, f"cell {i}: no nested <details>"
            assert body.startswith("\n\n") and body.endswith("\n\n"), (
                f"cell {i}: leave a blank line after </summary> and before </details>, or Jupyter shows raw markdown"
            )
            if summary.startswith("Going deeper: "):
                assert len(summary) > len("Going deeper: ") and body.strip(), f"cell {i}: an empty aside"


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: p.stem)
def test_no_solution_is_a_copy_of_a_cell_above(path):
    nb = read(path)
    for exercise in exercises(nb):
        wanted = _code_lines(exercise.solution)
        for i, cell in enumerate(nb.cells[: exercise.stub]):
            if cell.cell_type == "code" and wanted:
                shown = set(_code_lines(source(cell)))
                assert not set(wanted) <= shown, (
                    f"the solution after cell {exercise.check} repeats cell {i}: ask for a variation the lesson "
                    "did not show (a masked loss, a weighted variant, another reduction)"
                )


#: Shortest alt text that can say what a figure shows (its axes, curves, key numbers).
MIN_ALT = 60


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: p.stem)
def test_every_figure_has_alt_text(path):
    for figure in figures(read(path)):
        assert len(figure.alt) >= MIN_ALT, (
            f"cell {figure.cell}: a figure without alt text (got {figure.alt!r}); end the cell with "
            "described(fig, alt=f'...'): what it shows and its key numbers"
        )
        assert figure.explorer == figure.alt.startswith("Figure: "), (
            f"cell {figure.cell}: an explorer's stored PNG is marked as one, and its alt text is its describe()"
        )
        if not figure.explorer:  # an explorer's plain text is its repr
            assert figure.text == figure.alt, (
                f"cell {figure.cell}: the figure's plain text is its alt text, so strict nbval compares it"
            )
