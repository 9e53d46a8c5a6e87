"""Figures: each is a ``<name>_data`` / ``plot_<name>`` / ``<name>`` triple. One channel per
layer in :mod:`numerics.figures.one_channel`, width k in :mod:`numerics.figures.width`, one
style in :mod:`numerics.figures.style`, and every module registered once in
:mod:`numerics.figures.registry` (``FIGURES`` below is all of them, in that order).

Importing this package loads matplotlib (``numerics`` itself does not).
"""

from numerics.figures.registry import draw_all, entries, save


def __getattr__(name: str):
    """``FIGURES``: every registered figure, computed on first use (so that importing
    ``numerics.figures.style`` alone stays light)."""
    if name == "FIGURES":
        return entries()
    raise AttributeError(f"module 'numerics.figures' has no attribute {name!r}")


__all__ = ["FIGURES", "draw_all", "entries", "save"]
