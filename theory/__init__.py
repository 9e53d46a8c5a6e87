"""Symbolic model of deep single-channel linear CNNs (docs/theory/model.md) and its identities.

``closed_form_gradients(n, d, normalized=False)`` gives the network in SymPy symbols with
its loss and the closed-form gradients of T1 (plain) and C4 (channel normalized);
``theory.identities`` proves the identities T1-T5 and C1-C5 with SymPy.
"""

__version__ = "0.2.0"  # the single source of the version: pyproject.toml reads it

from theory.channels import channel_closed_form
from theory.checks import Check
from theory.networks import (
    ClosedForm,
    all_but,
    closed_form_gradients,
    cn_gradient,
    cn_loss,
    cn_output,
    cn_output_gradient,
    network_output,
    plain_gradient,
    plain_loss,
    residual,
)
from theory.signals import center, convolve, correlate, inner

#: the package version (pyproject.toml reads it from here)
__version__ = "0.2.0"

__all__ = [
    "Check",
    "__version__",
    "ClosedForm",
    "all_but",
    "center",
    "channel_closed_form",
    "closed_form_gradients",
    "cn_gradient",
    "cn_loss",
    "cn_output",
    "cn_output_gradient",
    "convolve",
    "correlate",
    "inner",
    "network_output",
    "plain_gradient",
    "plain_loss",
    "residual",
]
