"""Sphinx configuration of the cn-vanishing documentation.

Build (what ``tests/test_docs.py`` runs, warnings as errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Before reading the sources, ``gen.generate()`` writes the pages that come from the code: the
claim families (from ``proofs_check.claims.CLAIMS``), the gallery scripts (from
``numerics.figures.registry``) and the API pages (from ``theory``, ``numerics``, ``paper``).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pathlib
import sys

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS)]
os.environ.setdefault("MPLBACKEND", "Agg")

import gen  # noqa: E402
import rst_escape  # noqa: E402

import theory  # noqa: E402

GALLERY_ORDER = gen.generate()

project = "cn-vanishing"
author = "cn-vanishing contributors"
copyright = "2026, cn-vanishing contributors"
release = version = theory.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "gallery_src", "gallery/**/*.ipynb", "**/*.py", "**/*.json", "**/*.zip"]
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath"]  # $...$, $$...$$ (label): MathJax
myst_heading_anchors = 3

# the docstrings are numpydoc-style; members come from each module's __all__ when it has one
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"
# without the extra 'paper' (``pip install ".[docs]"`` alone) autodoc imports the paper's modules
# against stand-ins for torch and scikit-image
autodoc_mock_imports = [m for m in ("torch", "skimage") if importlib.util.find_spec(m) is None]
# numpydoc loads autosummary, whose scan of every automodule imports the modules again, outside
# autodoc's stand-ins (the docs have no autosummary tables, so there is nothing to generate)
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_validation_checks: set[str] = set()

sphinx_gallery_conf = {
    "examples_dirs": ["gallery_src"],
    "gallery_dirs": ["gallery"],
    "filename_pattern": r"/plot_",  # run the toolkit's scripts; the paper's are shown, not run
    "image_scrapers": ("gen_scraper.figures",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
    "show_signature": False,
    "write_computation_times": False,
    "line_numbers": False,
    "within_subsection_order": "FileNameSortKey",
    "subsection_order": GALLERY_ORDER,  # the figure registry's order, then the paper
}

html_theme = "pydata_sphinx_theme"
html_title = "cn-vanishing"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_static_path: list[str] = []
html_last_updated_fmt = None
html_show_sourcelink = False

# pages that other branches add: listed when present, tolerated when missing
OPTIONAL_PAGES = {
    "<!-- optional: claims -->": ["checks", "certified"],
    "<!-- optional: guides -->": ["paper"],
}


def _optional_pages(app, docname, source):
    for marker, pages in OPTIONAL_PAGES.items():
        present = [p for p in pages if (DOCS / f"{p}.md").exists()]
        source[0] = source[0].replace(marker, "\n".join(present))


def _no_empty_navigation(app, pagename, templatename, context, doctree):
    """The theme's left sidebar lists the pages under the current top-level page; a top-level
    page without pages of its own (findings, derivations, a guide) gets no sidebar rather than an
    empty "Section Navigation"."""
    includes = app.env.toctree_includes
    if pagename in includes.get(app.config.root_doc, []) and not includes.get(pagename):
        context["sidebars"] = []


class _QuietMyst(logging.Filter):
    """myst-parser logs its whole configuration at every build; the build log keeps the rest."""

    def filter(self, record):
        return "myst v%s:" not in str(record.msg)  # its message, in bold: "myst v%s: %s"


def setup(app):
    logging.getLogger("sphinx.myst_parser.sphinx_ext.main").addFilter(_QuietMyst())
    app.connect("source-read", _optional_pages)
    app.connect("html-page-context", _no_empty_navigation)
    # before numpydoc (priority 500), which writes **name** for parameters
    app.connect("autodoc-process-docstring", rst_escape.process_docstring, priority=400)
