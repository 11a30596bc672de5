"""The child process behind ``qproto vectors check --impl MODULE:FUNCTION``.

``python -m qproto.vectors.runner MODULE:FUNCTION`` imports the callable
and speaks the ``--cmd`` line protocol: one JSON case per line on stdin,
one JSON answer per line on stdout.  Running the callable here, not in the
checker's process, means an implementation that calls ``os._exit(0)``,
crashes the interpreter or hangs fails its test instead of ending the check
with a silent exit 0.

The first line written is ``{"runner": "qproto-vectors-runner-1", "ready":
true}`` (or ``"ready": false`` with an ``"error"``), so the checker can tell
a callable that cannot be imported (exit 2) from one that fails a test.  What
the callable raises or returns that is not JSON is answered as
``{"tcId": N, "runnerFailure": {"kind": "crash" | "garbage", "message": ...}}``.

The callable's own prints go to stderr: the protocol owns stdout.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO


def _protocol_streams() -> tuple[Any, TextIO]:
    """(case input, answer output) on private copies of fds 0 and 1; the
    callable's stdin becomes empty and its stdout goes to stderr (even
    writes from C code), so nothing it does can corrupt the protocol."""
    cases = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, encoding="utf-8")
    sys.stdout = sys.stderr
    return cases, answers


def _send(out: TextIO, doc: dict[str, Any]) -> None:
    out.write(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n")
    out.flush()


def _failure(tc_id: Any, kind: str, message: str) -> dict[str, Any]:
    return {"tcId": tc_id, "runnerFailure": {"kind": kind, "message": message[:500]}}


def serve(target: str) -> int:
    from .adapters import RUNNER_PROTOCOL, ImplementationError, resolve_callable

    cases, out = _protocol_streams()
    try:
        fn = resolve_callable(target)
    except ImplementationError as exc:
        _send(out, {"runner": RUNNER_PROTOCOL, "ready": False, "error": str(exc)})
        return 2
    if "qproto.vectors.registry" in sys.modules:  # it uses qproto's generators: load them before the first timed test
        sys.modules["qproto.vectors.registry"].families()
    _send(out, {"runner": RUNNER_PROTOCOL, "ready": True})
    for line in cases:  # the checker writes the lines: they are well-formed and bounded
        case = json.loads(line)
        tc_id = case.get("tcId")
        try:
            resp = fn(case)
        except Exception as exc:  # noqa: BLE001 - one failed test, reported by the checker
            _send(out, _failure(tc_id, "crash", f"raised {type(exc).__name__}: {exc}"))
            continue
        try:
            text = json.dumps(resp, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:
            _send(out, _failure(tc_id, "garbage", f"answer is not JSON-serialisable: {exc}"))
            continue
        out.write(text + "\n")
        out.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m qproto.vectors.runner MODULE:FUNCTION", file=sys.stderr)
        return 2
    return serve(args[0])


if __name__ == "__main__":
    sys.exit(main())
