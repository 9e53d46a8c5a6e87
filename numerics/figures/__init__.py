"""Figures: each is a ``<name>_data`` / ``plot_<name>`` / ``<name>`` triple; one channel in
``numerics.figures.one_channel``, width k in ``numerics.figures.width``.

Importing this package loads matplotlib (``numerics`` itself does not).
"""

from numerics.figures.one_channel import FIGURES, draw_all

__all__ = ["FIGURES", "draw_all"]
