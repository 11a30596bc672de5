"""Test helpers shared across the suite.

Two ways to run the command line:

- :func:`run_cli` calls ``qproto.cli.main(argv)`` in this process, with
  stdout and stderr captured. Starting an interpreter costs about a second
  (sympy, z3, numpy and matplotlib are imported again), so this is what the
  suite uses for everything the CLI *computes* or *prints*.
- :func:`cli` starts a real interpreter, as a user would. Kept for the few
  smoke tests of what only a process shows: the exit status the OS sees,
  no traceback on stderr, signals, the installed console script.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def cli(*args: str, cwd: str | None = None, timeout: float = 300) -> CliResult:
    """Run the real ``qproto`` CLI in a subprocess (as a user would)."""
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from qproto.cli import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


#: What a subprocess with piped output sees: no terminal, so argparse wraps
#: at 80 columns, rich writes 160 and no colour; QPROTO_DEBUG unset, so bad
#: input takes the one-line path the tests check.
_CLI_ENVIRONMENT = {"COLUMNS": "80", "LINES": "24", "NO_COLOR": "1", "TERM": "dumb"}
_CLI_UNSET = ("FORCE_COLOR", "QPROTO_DEBUG", "CLICOLOR_FORCE")


class _Capture(io.StringIO):
    """A text stream that, like a pipe, is not a terminal."""

    def isatty(self) -> bool:
        return False


def run_cli(
    *args: str, cwd: str | os.PathLike | None = None, env: dict[str, str] | None = None, timeout: float | None = None
) -> CliResult:
    """Run ``qproto ARGS`` in-process: ``main(argv)`` with stdout/stderr
    captured, the working folder, environment, ``sys.path``, umask and
    SIGTERM handler restored afterwards, and modules a designer's package
    added under ``cwd`` forgotten (so the next call imports its own).

    ``timeout`` is accepted for call-compatibility with :func:`cli` and
    ignored: an in-process call cannot be killed from outside.
    ``SystemExit`` (``--help``, ``--version``) becomes the exit code, as the
    interpreter would make it.
    """
    from qproto.cli import main

    del timeout
    argv = [os.fspath(a) for a in args]
    saved_cwd, saved_path, saved_env = os.getcwd(), list(sys.path), dict(os.environ)
    saved_modules = set(sys.modules)
    saved_sigterm = signal.getsignal(signal.SIGTERM)
    saved_umask = os.umask(0)
    os.umask(saved_umask)
    out, err = _Capture(), _Capture()
    try:
        for key in _CLI_UNSET:
            os.environ.pop(key, None)
        os.environ.update(_CLI_ENVIRONMENT)
        os.environ.update(env or {})
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                if exc.code is None or isinstance(exc.code, int):
                    code = exc.code or 0
                else:  # sys.exit("message"): printed, exit status 1
                    print(exc.code, file=sys.stderr)
                    code = 1
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        os.environ.clear()
        os.environ.update(saved_env)
        os.umask(saved_umask)
        signal.signal(signal.SIGTERM, saved_sigterm)
        if cwd is not None:
            _forget_modules_under(Path(cwd), set(sys.modules) - saved_modules)
    return CliResult(int(code), out.getvalue(), err.getvalue())


def _forget_modules_under(folder: Path, names: set[str]) -> None:
    folder = folder.resolve()
    for name in names:
        origin = getattr(sys.modules.get(name), "__file__", None)
        if origin and folder in Path(origin).resolve().parents:
            del sys.modules[name]


def assert_bad_input(result: CliResult, *fragments: str) -> None:
    """Exit 2, one line on stderr, no traceback, and the message mentions
    every fragment."""
    assert result.code == 2, (result.code, result.out, result.err)
    lines = [l for l in result.err.splitlines() if l.strip()]
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    for f in fragments:
        assert f in lines[0], (f, lines[0])
