"""Sphinx configuration of the static site that `make site` builds from the lessons' stored outputs.

scripts/build_site.py stages the notebooks (the start page as index) and runs Sphinx with this folder as its
configuration directory. Nothing is executed, and every script, style and font the pages load is served from the
site itself: MathJax comes from sphinx-mathjax-offline, the theme (Furo) ships its own assets.
"""

project = "Loss Lab"
author = "Loss Lab"
copyright = "Loss Lab"
html_title = "Loss Lab"
language = "en"

extensions = ["myst_nb", "sphinx.ext.mathjax", "sphinx-mathjax-offline"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# Stored outputs only: a lesson's numbers are the ones strict nbval proves.
nb_execution_mode = "off"
# The explorers' stored PNG, not their widget view: no kernel, no widget state, no widget JavaScript from a CDN.
nb_mime_priority_overrides = [(builder, "application/vnd.jupyter.widget-view+json", None) for builder in ("html",)]
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
# setup() shows an error as its cell's lines and "↳ inside <function>", which the IPython traceback lexer does not
# know: Pygments then highlights it in its relaxed mode, which is what a reader should see; no warning for that.
suppress_warnings = ["misc.highlighting_failure"]
# Lessons link to each other as NN_name.ipynb; MyST resolves those to the pages.
myst_heading_anchors = 3

html_theme = "furo"
html_static_path = ["static"]
html_css_files = ["loss-lab.css"]
html_js_files = ["loss-lab.js"]
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {"navigation_with_keys": True}
