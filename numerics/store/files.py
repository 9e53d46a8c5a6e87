"""Writing output files whole or not at all, and only where a file belongs.

``atomic_path`` writes through a temporary ``.tmp-<pid>-*`` file in the same folder and
renames it over the target, so a reader never sees half a file; temporaries left by a
killed process (``kill -9`` during ``savefig``) are removed by the next write in that folder.
``output_problem`` says why a path cannot take an output file (a folder, a FIFO, a device
node, a missing or read-only folder) before any work is done; ``-`` means standard output.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator

STDOUT = "-"
TMP_PREFIX = ".tmp-"
#: a temporary file without a live owner is stale after this many seconds
STALE_SECONDS = 60.0


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (one we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(folder: str) -> list[str]:
    """Remove ``.tmp-<pid>-*`` files whose process is gone (and older ``.tmp-*`` files
    with no pid over an hour old); return their names."""
    removed = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(TMP_PREFIX)]
    except OSError:
        return removed
    now = time.time()
    for name in names:
        path = os.path.join(folder, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        owner = name[len(TMP_PREFIX) :].split("-", 1)[0]
        if owner.isdigit():
            stale = not pid_alive(int(owner)) and now - st.st_mtime > STALE_SECONDS
        else:
            stale = now - st.st_mtime > 3600
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed.append(name)
    return removed


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` with the
    usual permissions (0666 less the umask), on failure it is removed."""
    folder = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(folder)
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=os.path.basename(path)
    )
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def output_problem(path: str, *, allow_stdout: bool = True) -> str | None:
    """Why ``path`` cannot receive an output file, or None if it can.

    A symbolic link is followed (its target is written, the link kept). Refused: an empty
    path, a folder, anything that exists and is not a regular file (FIFO, device node,
    socket), a read-only file, a missing or read-only folder.
    """
    if path == STDOUT:
        return None if allow_stdout else "standard output is not allowed here"
    if not path:
        return "empty path"
    if path.endswith(os.sep) or os.path.isdir(path):
        return "is a folder; give a file name"
    real = os.path.realpath(path)
    if os.path.exists(real):
        if not stat.S_ISREG(os.stat(real).st_mode):
            return "exists and is not a regular file (a FIFO, device node or socket)"
        if not os.access(real, os.W_OK) or not os.stat(real).st_mode & 0o222:
            return "exists and is read-only"
    folder = os.path.dirname(real) or "."
    if not os.path.isdir(folder):
        return f"folder {folder!r} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"folder {folder!r} is not writable"
    return None


def write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole (atomically, through symlinks), or to stdout for ``-``."""
    if path == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    with atomic_path(os.path.realpath(path)) as tmp, open(tmp, "w") as fh:
        fh.write(text)
