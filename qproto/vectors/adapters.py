"""Implementations under test: a Python callable or a line-oriented program.

Both answer one case at a time with a response object
``{"tcId": .., "result": "valid"|"invalid", "outputs": {...}}`` (``tcId``
optional for a callable).  Whatever an implementation does wrong — raises,
crashes, hangs, prints something that is not JSON — becomes an
:class:`AdapterFailure` for that one test, never a traceback; the checker
reports it and goes on with the next test (a crashed or hung program is
restarted).

Only an implementation that cannot be started at all (no such module,
function or program) is unusable input: :class:`ImplementationError`,
exit 2.
"""

from __future__ import annotations

import importlib
import json
import os
import selectors
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Callable, Mapping

from qproto.spec.errors import QprotoError

DEFAULT_TIMEOUT = 10.0


class ImplementationError(QprotoError, ValueError):
    """The implementation named by ``--impl`` / ``--cmd`` cannot be used:
    the module, function or program does not exist or will not start."""


class AdapterFailure(Exception):
    """One test's answer is unusable: ``kind`` is crash, timeout or garbage."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _one_line(text: object, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_response(resp: Any, tc_id: int) -> dict[str, Any]:
    if not isinstance(resp, dict):
        raise AdapterFailure("garbage", f"answered {type(resp).__name__} {_one_line(repr(resp), 80)}, expected a JSON object")
    if "tcId" in resp and resp["tcId"] != tc_id:
        raise AdapterFailure("garbage", f"answered tcId {resp['tcId']!r} for test {tc_id}")
    if "error" in resp and "outputs" not in resp:
        raise AdapterFailure("reported-error", f"implementation reported an error: {_one_line(resp['error'])}")
    return resp


class PythonAdapter:
    """A callable ``function(case) -> response`` named ``module:function``.

    Each call runs in a daemon thread so that a hang is cut off at the
    timeout (the thread is abandoned, the check goes on).
    """

    def __init__(self, target: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = target
        self.timeout = timeout
        self.fn = self._resolve(target)

    @staticmethod
    def _resolve(target: str) -> Callable[[Mapping[str, Any]], Any]:
        modname, sep, attr = target.partition(":")
        if not sep or not modname or not attr:
            raise ImplementationError(f"--impl {target!r} must be MODULE:FUNCTION (e.g. qproto.vectors.reference:adapter)")
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            raise ImplementationError(f"--impl {target}: unknown implementation, no module named {exc.name!r}") from None
        except BaseException as exc:  # the user's module may raise anything on import
            raise ImplementationError(f"--impl {target}: importing {modname} failed: {type(exc).__name__}: {_one_line(exc)}") from None
        fn = module
        for part in attr.split("."):
            if not hasattr(fn, part):
                raise ImplementationError(f"--impl {target}: unknown implementation, {modname} has no attribute {attr!r}")
            fn = getattr(fn, part)
        if not callable(fn):
            raise ImplementationError(f"--impl {target}: {attr} is a {type(fn).__name__}, not a callable")
        return fn

    def __call__(self, case: Mapping[str, Any]) -> dict[str, Any]:
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["resp"] = self.fn(json.loads(json.dumps(case)))  # a private copy of the case
            except BaseException as exc:  # noqa: BLE001 - reported per test
                box["exc"] = exc

        t = threading.Thread(target=work, daemon=True, name=f"vector-impl-{case['tcId']}")
        t.start()
        t.join(self.timeout)
        if t.is_alive():
            raise AdapterFailure("timeout", f"no answer within {self.timeout:g} s (hung?)")
        if "exc" in box:
            exc = box["exc"]
            raise AdapterFailure("crash", f"raised {type(exc).__name__}: {_one_line(exc)}")
        resp = box.get("resp")
        try:
            resp = json.loads(json.dumps(resp, allow_nan=False))  # only JSON values count
        except (TypeError, ValueError) as exc:
            raise AdapterFailure("garbage", f"answer is not JSON-serialisable: {_one_line(exc)}") from None
        return _check_response(resp, case["tcId"])

    def close(self) -> None:
        pass


class CommandAdapter:
    """A program that reads one JSON case per line on stdin and writes one
    JSON response per line on stdout (any language).

    The program is started once and kept for every test; when it crashes,
    hangs past the timeout or writes a line that is not JSON, that test is
    reported and the program restarted for the next one.  Its stderr goes
    to a temporary file (the last line is quoted in crash reports).
    """

    def __init__(self, command: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = command
        self.timeout = timeout
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise ImplementationError(f"--cmd {command!r}: cannot parse the command line ({exc})") from None
        if not self.argv:
            raise ImplementationError("--cmd needs a program to run")
        self.proc: subprocess.Popen[bytes] | None = None
        self.stderr = tempfile.TemporaryFile()
        self._buffer = b""
        self._start()

    def _start(self) -> None:
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, bufsize=0
            )
        except FileNotFoundError:
            raise ImplementationError(f"--cmd {self.name!r}: unknown implementation, no program {self.argv[0]!r}") from None
        except PermissionError:
            raise ImplementationError(f"--cmd {self.name!r}: {self.argv[0]!r} is not executable") from None
        except OSError as exc:
            raise ImplementationError(f"--cmd {self.name!r}: cannot start ({exc.strerror})") from None
        self._buffer = b""

    def _stop(self, grace: float = 0.0) -> int | None:
        """Close the pipes, give the program ``grace`` seconds to exit, kill
        it if it has not; returns its exit code."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        if grace:
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is None:
            proc.kill()
        try:
            return proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill that does not take
            return None

    def _last_stderr(self) -> str:
        try:
            self.stderr.seek(0)
            lines = [l for l in self.stderr.read().decode("utf-8", "replace").splitlines() if l.strip()]
            self.stderr.seek(0)
            self.stderr.truncate()
        except OSError:
            return ""
        return f"; stderr: {_one_line(lines[-1])}" if lines else ""

    def _fail(self, kind: str, message: str) -> AdapterFailure:
        code = self._stop(grace=1.0 if kind == "crash" else 0.0)
        detail = self._last_stderr()
        self._start()
        if kind == "crash" and code is not None:
            message = f"{message} (exit code {code})"
        return AdapterFailure(kind, message + detail)

    def __call__(self, case: Mapping[str, Any]) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        line = (json.dumps(case, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
        writer_error: list[BaseException] = []

        stdin = self.proc.stdin  # this program's pipe, even if it is restarted meanwhile

        def write() -> None:  # a thread, so a program that never reads cannot block us
            try:
                stdin.write(line)
                stdin.flush()
            except Exception as exc:  # noqa: BLE001 - a closed or broken pipe: the reader reports it
                writer_error.append(exc)

        threading.Thread(target=write, daemon=True).start()
        deadline = time.monotonic() + self.timeout
        stdout = self.proc.stdout
        sel = selectors.DefaultSelector()
        sel.register(stdout, selectors.EVENT_READ)
        try:
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._fail("timeout", f"no answer within {self.timeout:g} s (hung?); program restarted")
                if not sel.select(timeout=left):
                    continue
                chunk = os.read(stdout.fileno(), 65536)
                if not chunk:
                    raise self._fail("crash", "program exited without answering")
                self._buffer += chunk
        finally:
            sel.close()
        raw, _, self._buffer = self._buffer.partition(b"\n")
        try:
            resp = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self._fail("garbage", f"answered a line that is not JSON: {_one_line(raw.decode('utf-8', 'replace'), 80)!r}") from None
        try:
            return _check_response(resp, case["tcId"])
        except AdapterFailure:
            if isinstance(resp, dict) and "tcId" in resp and resp["tcId"] != case["tcId"]:
                self._stop()  # out of step with the program: restart it
                self._last_stderr()
                self._start()
            raise

    def close(self) -> None:
        self._stop()
        self.stderr.close()


def make_adapter(impl: str | None = None, cmd: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> PythonAdapter | CommandAdapter:
    """The adapter for ``--impl`` or ``--cmd`` (exactly one)."""
    if (impl is None) == (cmd is None):
        raise ImplementationError("give exactly one of --impl MODULE:FUNCTION or --cmd \"PROGRAM ARGS\"")
    return PythonAdapter(impl, timeout) if impl is not None else CommandAdapter(cmd, timeout)  # type: ignore[arg-type]


__all__ = ["DEFAULT_TIMEOUT", "ImplementationError", "AdapterFailure", "PythonAdapter", "CommandAdapter", "make_adapter"]
