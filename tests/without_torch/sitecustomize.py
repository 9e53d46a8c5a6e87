"""Put this folder first on PYTHONPATH and Python starts as if torch and scikit-image were
not installed (``pip install ".[docs]"`` alone): ``import torch`` raises ModuleNotFoundError
and ``importlib.util.find_spec("torch")`` is None, while every other package imports as usual.
``tests/test_docs.py`` builds the documentation this way."""

import sys
from importlib.machinery import PathFinder

HIDDEN = ("torch", "skimage")


class _WithoutHidden(PathFinder):
    """The standard path finder, blind to the hidden top-level packages and their modules."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname.partition(".")[0] in HIDDEN:
            return None
        return super().find_spec(fullname, path, target)


sys.meta_path[:] = [_WithoutHidden if finder is PathFinder else finder for finder in sys.meta_path]
