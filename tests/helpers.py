"""Test helpers shared across the suite."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass


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


def assert_bad_input(result: CliResult, *fragments: str) -> None:
    """Exit 2, one line on stderr, no traceback, and the message mentions
    every fragment."""
    assert result.code == 2, (result.code, result.out, result.err)
    lines = [l for l in result.err.splitlines() if l.strip()]
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    for f in fragments:
        assert f in lines[0], (f, lines[0])
