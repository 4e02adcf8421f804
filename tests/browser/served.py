"""What the browser tests serve: every notebook, and a lesson-shaped sample with every case the checks handle."""

from __future__ import annotations

from pathlib import Path

from tests.lessons import all_notebooks, lessons

#: Lesson-shaped, with every case the browser checks have to handle; served next to the real lessons.
SAMPLE = Path(__file__).with_name("sample_lesson.ipynb")
#: By file name, found by listing notebooks/: every notebook (for JupyterLab, with the sample) and the lessons.
SERVED = [path.name for path in all_notebooks()] + [SAMPLE.name]
LESSONS = [path.name for path in lessons()]
