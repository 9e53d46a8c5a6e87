"""The command line run in this process: (exit code, stdout, stderr) as a CompletedProcess.

One copy for every test of ``proofs_check``'s arguments: it parses and refuses in
milliseconds, where a subprocess pays the interpreter's and the libraries' import again
(several seconds with torch). Tests of what only a real process shows (signals, exit codes
of the console script, imports) keep ``subprocess``.
"""

from __future__ import annotations

import contextlib
import io
import subprocess

from proofs_check.cli import main


def cli(*args: str) -> subprocess.CompletedProcess:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
