"""The paper's experiments (the paper's setup, P1-P6), rebuilt in PyTorch from the authors' setups.

One module per experiment (``histograms`` P1, ``step_fit`` P2, ``linear_head`` P3,
``landscape`` P4, ``init_grads`` P5, ``deep_decoder`` P6), shared networks in ``nets``,
the autograd-versus-closed-form cross-checks in ``crosschecks``, figures and JSON in
``report``, the cells of the one runner in ``cells``, the per-step benchmark in ``bench``.
PyTorch is optional (the extra ``paper``): only these modules import it, and
``missing_dependency`` turns its absence into one line naming the install command.
"""

from __future__ import annotations

INSTALL_HINT = 'the paper\'s experiments need PyTorch and scikit-image: pip install ".[paper]"'


def torch_available() -> bool:
    """True when ``import torch`` works (checked without importing the rest of this package)."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def missing_dependency() -> str | None:
    """None when torch and scikit-image import; else the install line (``INSTALL_HINT``)."""
    try:
        import skimage  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    return None
