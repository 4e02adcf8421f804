"""What the browser tests serve and open: one lesson run whole in each of JupyterLab and Voila, a page of explorers,
and every notebook as stored, opened without running it.

Each expensive thing runs once per thing it proves: every registered explorer is driven on one Voila page
(`devtools.notebooks`), strict nbval runs every notebook, and a whole lesson runs in JupyterLab and in Voila only to
prove that each renders real lessons. With `make test LESSON=...` (LOSS_LAB_LESSON) all of it is that lesson's.
"""

from __future__ import annotations

from pathlib import Path

from tests.lessons import SELECTED, all_notebooks, explorers_of, lessons, selected

#: Lesson-shaped, with every case the browser checks have to handle; served next to the real lessons.
SAMPLE = Path(__file__).with_name("sample_lesson.ipynb")
#: By file name, found by listing notebooks/: every notebook (for JupyterLab, with the sample) and the lessons.
SERVED = [path.name for path in all_notebooks()] + [SAMPLE.name]
LESSONS = [path.name for path in lessons()]
#: The explorers on the page of explorers (devtools.notebooks.EXPLORERS_PAGE): every registered one, or the lesson's.
EXPLORERS = explorers_of(SELECTED)
#: The committed notebooks, outputs and all, are served in this folder, to be opened without running them.
STORED = "stored"
STORED_NOTEBOOKS = [path.name for path in selected(all_notebooks())]
#: Run whole: in JupyterLab the newest lesson (a new lesson is run whole there) and the sample, in Voila the first
#: lesson. The loop for one lesson leaves them out: it proves that lesson's notebook and explorers, quickly.
LAB_RUNS, VOILA_RUNS = ([], []) if SELECTED else ([LESSONS[-1], SAMPLE.name], [LESSONS[0]])
