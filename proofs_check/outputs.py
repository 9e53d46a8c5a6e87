"""Where outputs may go: the checks every output path of the command line gets, in one place.

Used by the main command (``--json``, ``--markdown``, ...) and by ``proofs_check paper``
(``--out`` folder, ``--json``), so that neither imports the other. Each check returns the
reason a path is refused, or None; the ``*_arg`` forms are argparse types (a refused path is
a one-line error and exit code 2).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence

from numerics.store.files import STDOUT, output_problem, write_text

__all__ = ["STDOUT", "folder_problem", "inside_folder", "output_arg", "output_problem"]


def creation_problem(folder: str) -> str | None:
    """Why no file can be created in the existing ``folder``, found by creating (and at once
    removing) an empty temporary file there: permission bits say nothing for root or for
    /proc, /sys and read-only mounts, where ``--json /proc/x`` passed ``os.access``."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".proofs_check-probe-", dir=folder)
    except OSError as err:
        return f"cannot create a file in {folder!r} ({err.strerror or err})"
    os.close(fd)
    os.unlink(probe)
    return None


def output_arg(text: str) -> str:
    """argparse type: a path an output file can be written to (a regular file, new or
    writable, in a folder where a file can be created: the atomic write makes one there),
    or ``-`` for standard output."""
    problem = output_problem(text)
    if not problem and text != STDOUT:
        problem = creation_problem(os.path.dirname(os.path.realpath(text)) or ".")
    if problem:
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {problem}")
    return text


def folder_problem(path: str) -> str | None:
    """Why ``path`` cannot be (or become) a writable output folder, or None if it can.

    Refused: an empty path, an existing non-folder, a folder that is not writable, and a
    missing folder whose nearest existing ancestor is not a writable folder (so ``/proc/x``
    is refused before anything is made). Nothing is created here.
    """
    if not path:
        return "empty path; give a folder"
    real = os.path.realpath(path)
    if os.path.exists(real):
        if not os.path.isdir(real):
            return "exists and is not a folder"
        if not os.access(real, os.W_OK | os.X_OK):
            return "folder is not writable"
        return creation_problem(real)
    parent = os.path.dirname(real)
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        return f"cannot create a folder under {parent!r} (not a folder)"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create a folder under {parent!r} (not writable)"
    return creation_problem(parent)


def inside_folder(path: str, folder: str) -> bool:
    """Whether the file ``path`` would land directly or deeper inside ``folder`` (after links)."""
    if path == STDOUT:
        return False
    real, base = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, base]) == base


def distinct_outputs(pairs: Sequence[tuple[str, str | None]]) -> None:
    """At most one output on stdout, and no two outputs on one file."""
    given = [(name, path) for name, path in pairs if path is not None]
    if sum(path == STDOUT for _, path in given) > 1:
        raise ValueError(f"{given[-1][0]}: only one output can go to standard output ('-')")
    real = {}
    for name, path in given:
        if path != STDOUT:
            key = os.path.realpath(path)
            if key in real:
                raise ValueError(f"{name}: same file as {real[key]} ({path!r})")
            real[key] = name


def write_output(name: str, path: str, text: str) -> None:
    try:
        write_text(path, text)
    except OSError as err:
        raise ValueError(f"{name}: cannot write {path!r} ({err.strerror or err})") from None


def dedupe(values: Sequence, name: str, quiet: bool) -> list:
    """The values without repeats (first occurrence kept); says what it dropped."""
    out = list(dict.fromkeys(values))
    if len(out) < len(values) and not quiet:
        print(
            f"proofs_check: note: {name}: {len(values) - len(out)} duplicate value(s) ignored",
            file=sys.stderr,
        )
    return out
