"""sphinx-gallery image scraper for figures that are not pyplot's.

The plot functions of ``numerics.figures`` return a bare ``matplotlib.figure.Figure`` (they
never touch pyplot), which sphinx-gallery's default scraper cannot see. This one saves every
Figure bound to a name in the example's globals, once.
"""

from __future__ import annotations

from matplotlib.figure import Figure

_seen: set[int] = set()


def figures(block, block_vars, gallery_conf):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from sphinx_gallery.scrapers import figure_rst

    paths = []
    for value in list(block_vars["example_globals"].values()):
        if isinstance(value, Figure) and id(value) not in _seen:
            _seen.add(id(value))
            path = next(block_vars["image_path_iterator"])
            FigureCanvasAgg(value)
            value.savefig(path, dpi=110, bbox_inches="tight", pad_inches=0.02)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])
