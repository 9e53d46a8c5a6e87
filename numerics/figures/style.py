"""The one figure style of the project: the toolkit's figures (``numerics.figures``) and the
paper's experiments (``paper``) draw with these sizes, fonts and colours.

``WIDTH`` is one column of a two-column paper (3.4 in); ``STYLE`` is a dict of matplotlib
rcParams applied with :func:`styled` (inside ``matplotlib.rc_context``, so importing this
module changes no global state). Colours: ``PLAIN`` (no normalization, red), ``CN``
(channel normalization, blue), ``THEIRS`` (the authors' numbers, grey) and ``DEPTH_COLORS``
for a few depths side by side.

>>> WIDTH, PLAIN, CN
(3.4, '#c0392b', '#1f5fa8')
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import matplotlib

WIDTH = 3.4  # inches: one column of a two-column paper
STYLE: dict[str, Any] = {
    "font.size": 7.5,
    "axes.titlesize": 7.5,
    "axes.labelsize": 7.5,
    "legend.fontsize": 6.5,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "lines.linewidth": 1.1,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "pdf.fonttype": 42,
}
PLAIN, CN, THEIRS = "#c0392b", "#1f5fa8", "#7f7f7f"
DEPTH_COLORS = ("#222222", "#1b9e77", "#d95f02", "#7570b3", "#e7298a")
DPI = 200  # PNG resolution of every saved figure

F = TypeVar("F", bound=Callable[..., Any])


def styled(plot: F) -> F:
    """Run ``plot`` inside the house style (rcParams are read when artists are created).

    Parameters
    ----------
    plot : callable
        A drawing function, typically ``plot_<name>(data) -> Figure``.

    Returns
    -------
    callable
        The same function, drawing under ``matplotlib.rc_context(STYLE)``.
    """

    @functools.wraps(plot)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.rc_context(STYLE):
            return plot(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


__all__ = ["CN", "DEPTH_COLORS", "DPI", "PLAIN", "STYLE", "THEIRS", "WIDTH", "styled"]
