"""proofs_check: the command line that checks every claim (``python -m proofs_check``)."""

from theory import __version__

__all__ = ["__version__"]
