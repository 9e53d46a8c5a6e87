"""The paper's experiments (THEORY section 5, P1-P6), rebuilt in PyTorch from the authors' setups.

One module per experiment (``histograms`` P1, ``step_fit`` P2, ``linear_head`` P3,
``landscape`` P4, ``init_grads`` P5, ``deep_decoder`` P6), shared networks in ``nets``,
the autograd-versus-closed-form cross-checks in ``crosschecks``, figures and JSON in
``report``. PyTorch is optional (the extra ``paper``): only these modules import it, and
``require_torch`` turns its absence into one line saying how to install it.
"""

from __future__ import annotations

INSTALL_HINT = (
    "the paper's experiments need PyTorch: pip install '.[paper]' "
    "(on this machine: pip install torch==2.13.0 '.[paper]', the CPU build on disk)"
)


def torch_available() -> bool:
    """True when ``import torch`` works (checked without importing the rest of this package)."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None
