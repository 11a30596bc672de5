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
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from qproto.spec.errors import InternalSignal, QprotoError, VectorFileError

from .format import JsonLimitError, loads_bounded, printable

DEFAULT_TIMEOUT = 10.0
#: Longest answer line read from an implementation (bytes).
MAX_ANSWER_BYTES = 16 * 1024 * 1024
#: How much of an implementation's stderr is kept (the tail, bytes).
STDERR_TAIL_BYTES = 64 * 1024
#: Seconds a ``--impl`` child may take to import its module.
STARTUP_TIMEOUT = 60.0
#: The first line the ``--impl`` runner writes names this protocol.
RUNNER_PROTOCOL = "qproto-vectors-runner-1"


class ImplementationError(QprotoError, ValueError):
    """The implementation named by ``--impl`` / ``--cmd`` cannot be used:
    the module, function or program does not exist or will not start."""


class AdapterFailure(InternalSignal):
    """One test's answer is unusable: ``kind`` is crash, timeout or garbage.
    Caught by the checker, which records it against that test and goes on:
    a verdict on the implementation under test, never a user error (an
    implementation that cannot be started is :class:`ImplementationError`)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _one_line(text: object, limit: int = 200) -> str:
    """One clipped line, control characters escaped (it reaches a terminal)."""
    text = " ".join(str(text)[: limit * 4].split())
    return printable(text, limit)


def _check_response(resp: Any, tc_id: int) -> dict[str, Any]:
    if not isinstance(resp, dict):
        raise AdapterFailure("garbage", f"answered {type(resp).__name__} {_one_line(repr(resp), 80)}, expected a JSON object")
    if "tcId" in resp and resp["tcId"] != tc_id:
        raise AdapterFailure("garbage", f"answered tcId {resp['tcId']!r} for test {tc_id}")
    if "error" in resp and "outputs" not in resp:
        raise AdapterFailure("reported-error", f"implementation reported an error: {_one_line(resp['error'])}")
    return resp


def resolve_callable(target: str) -> Callable[[Mapping[str, Any]], Any]:
    """The callable named ``module:function`` (imported in this process).

    Raises:
        ImplementationError: a malformed target, an unknown module or
            attribute, an import that fails, or not a callable.
    """
    modname, sep, attr = target.partition(":")
    if not sep or not modname or not attr:
        raise ImplementationError(
            f"--impl {_one_line(repr(target))} must be MODULE:FUNCTION (e.g. qproto.vectors.reference:adapter)"
        )
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(modname)
    except ModuleNotFoundError as exc:
        raise ImplementationError(f"--impl {_one_line(target)}: unknown implementation, no module named {exc.name!r}") from None
    except BaseException as exc:  # the user's module may raise anything on import (SystemExit included)
        raise ImplementationError(
            f"--impl {_one_line(target)}: importing {_one_line(modname)} failed: {type(exc).__name__}: {_one_line(exc)}"
        ) from None
    fn: Any = module
    for part in attr.split("."):
        if not hasattr(fn, part):
            raise ImplementationError(
                f"--impl {_one_line(target)}: unknown implementation, {_one_line(modname)} has no attribute {_one_line(repr(attr))}"
            )
        fn = getattr(fn, part)
    if not callable(fn):
        raise ImplementationError(f"--impl {_one_line(target)}: {_one_line(attr)} is a {type(fn).__name__}, not a callable")
    return fn


class InProcessAdapter:
    """A callable run in this process (the Python API: ``check(doc, fn)``
    with a function object).

    Each call runs in a daemon thread so that a hang is cut off at the
    timeout (the thread is abandoned, the check goes on).  An
    implementation that calls ``os._exit`` ends this process too: the CLI
    runs ``--impl`` in a child process instead (:class:`PythonAdapter`).
    """

    def __init__(self, target: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = target
        self.timeout = timeout
        self.fn = resolve_callable(target)

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
            text = json.dumps(resp, allow_nan=False)  # only JSON values count
        except (TypeError, ValueError, RecursionError) as exc:
            raise AdapterFailure("garbage", f"answer is not JSON-serialisable: {_one_line(exc)}") from None
        try:
            resp = loads_bounded(text, "answer")
        except VectorFileError as exc:
            raise AdapterFailure("garbage", _one_line(exc)) from None
        return _check_response(resp, case["tcId"])

    def close(self) -> None:
        pass


class _StderrTail:
    """Drains a program's stderr in a thread, keeping only the last
    :data:`STDERR_TAIL_BYTES` (a program may write gigabytes)."""

    def __init__(self, stream: Any) -> None:
        self.data = bytearray()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True, name="vector-impl-stderr")
        self.thread.start()

    def _drain(self, stream: Any) -> None:
        try:
            while True:
                chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
                if not chunk:
                    break
                with self.lock:
                    self.data += chunk
                    if len(self.data) > STDERR_TAIL_BYTES:
                        del self.data[: len(self.data) - STDERR_TAIL_BYTES]
        except (OSError, ValueError):
            pass
        finally:
            try:
                stream.close()
            except OSError:
                pass

    def last_line(self, wait: float = 0.0) -> str:
        """The last non-empty line written so far (after waiting up to
        ``wait`` seconds for the program's end of stderr), then forget it."""
        if wait:
            self.thread.join(wait)
        with self.lock:
            text = self.data.decode("utf-8", "replace")
            self.data.clear()
        lines = [line for line in text.splitlines() if line.strip()]
        return lines[-1] if lines else ""


class CommandAdapter:
    """A program that reads one JSON case per line on stdin and writes one
    JSON response per line on stdout (any language).

    The program is started once and kept for every test; when it crashes,
    hangs past the timeout or writes a line that is not JSON (or longer
    than :data:`MAX_ANSWER_BYTES`), that test is reported and the program
    restarted for the next one.  Its stderr is drained as it comes; the
    last :data:`STDERR_TAIL_BYTES` are kept and their last line is quoted
    in crash reports.
    """

    def __init__(self, command: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.name = command
        self.timeout = timeout
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise ImplementationError(f"--cmd {_one_line(repr(command))}: cannot parse the command line ({exc})") from None
        if not self.argv:
            raise ImplementationError("--cmd needs a program to run")
        self.proc: subprocess.Popen[bytes] | None = None
        self.tail: _StderrTail | None = None
        self._buffer = b""
        self._starting = False
        self._start()

    def _popen(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)

    def _start(self) -> None:
        try:
            self.proc = self._popen()
        except FileNotFoundError:
            raise ImplementationError(
                f"--cmd {_one_line(repr(self.name))}: unknown implementation, no program {_one_line(repr(self.argv[0]))}"
            ) from None
        except PermissionError:
            raise ImplementationError(
                f"--cmd {_one_line(repr(self.name))}: {_one_line(repr(self.argv[0]))} is not executable"
            ) from None
        except OSError as exc:
            raise ImplementationError(f"--cmd {_one_line(repr(self.name))}: cannot start ({exc.strerror})") from None
        self.tail = _StderrTail(self.proc.stderr)
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
        if self.tail is None:
            return ""
        line = self.tail.last_line(wait=1.0 if self.proc is None else 0.0)
        return f"; stderr: {_one_line(line)}" if line else ""

    def _fail(self, kind: str, message: str) -> AdapterFailure:
        code = self._stop(grace=1.0 if kind == "crash" else 0.0)
        detail = self._last_stderr()
        if not self._starting:  # a failure while starting is reported, not retried
            self._start()
        if kind == "crash" and code is not None:
            message = f"{message} (exit code {code})"
        return AdapterFailure(kind, message + detail)

    def _read_line(self, deadline: float, what: str) -> bytes:
        """One line from the program's stdout by ``deadline``: at most
        :data:`MAX_ANSWER_BYTES`, whatever the program writes."""
        assert self.proc is not None and self.proc.stdout is not None
        stdout = self.proc.stdout
        sel = selectors.DefaultSelector()
        sel.register(stdout, selectors.EVENT_READ)
        try:
            while b"\n" not in self._buffer:
                if len(self._buffer) > MAX_ANSWER_BYTES:
                    raise self._fail(
                        "garbage", f"{what} longer than {MAX_ANSWER_BYTES} bytes without a newline; program restarted"
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._fail("timeout", f"no {what} within {self.timeout:g} s (hung?); program restarted")
                if not sel.select(timeout=left):
                    continue
                chunk = os.read(stdout.fileno(), 65536)
                if not chunk:
                    raise self._fail("crash", f"program exited without {'answering' if what == 'answer' else 'a ' + what}")
                self._buffer += chunk
        finally:
            sel.close()
        raw, _, self._buffer = self._buffer.partition(b"\n")
        if len(raw) > MAX_ANSWER_BYTES:
            raise self._fail("garbage", f"{what} longer than {MAX_ANSWER_BYTES} bytes; program restarted")
        return raw

    def _send(self, case: Mapping[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        line = (json.dumps(case, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
        stdin = self.proc.stdin  # this program's pipe, even if it is restarted meanwhile

        def write() -> None:  # a thread, so a program that never reads cannot block us
            try:
                stdin.write(line)
                stdin.flush()
            except Exception:  # noqa: BLE001 - a closed or broken pipe: the reader reports it
                pass

        threading.Thread(target=write, daemon=True).start()

    def _answer(self, raw: bytes) -> Any:
        try:
            return loads_bounded(raw.decode("utf-8"), "answer")
        except UnicodeDecodeError:
            raise self._fail("garbage", f"answered a line that is not UTF-8: {_one_line(ascii(raw[:80]))}") from None
        except JsonLimitError as exc:
            raise self._fail("garbage", f"{_one_line(str(exc), 160)}; program restarted") from None
        except VectorFileError:
            raise self._fail(
                "garbage", f"answered a line that is not JSON: {_one_line(ascii(raw.decode('utf-8', 'replace')), 80)}"
            ) from None

    def __call__(self, case: Mapping[str, Any]) -> dict[str, Any]:
        self._send(case)
        resp = self._answer(self._read_line(time.monotonic() + self.timeout, "answer"))
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


class PythonAdapter(CommandAdapter):
    """A callable ``function(case) -> response`` named ``module:function``,
    run in a child process (``python -m qproto.vectors.runner``) that
    speaks the ``--cmd`` line protocol.

    In a child, an implementation that calls ``os._exit``, segfaults,
    exhausts memory or hangs is one failed test (the child is restarted),
    never a silent pass of the whole check.  The child first reports
    whether the callable could be imported: if not, :class:`ImplementationError`
    (exit 2) before any test runs.
    """

    def __init__(self, target: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        modname, sep, attr = target.partition(":")
        if not sep or not modname or not attr:
            raise ImplementationError(
                f"--impl {_one_line(repr(target))} must be MODULE:FUNCTION (e.g. qproto.vectors.reference:adapter)"
            )
        self.target = target
        super().__init__(shlex.join([sys.executable, "-m", "qproto.vectors.runner", target]), timeout)
        self.name = target

    def _popen(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        # the child imports the same qproto as this process (its folder comes
        # first: a checkout's source folder in the current directory must not
        # shadow the installed package), then the user's module from the
        # current folder (as an in-process import would)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.getcwd(), env.get("PYTHONPATH", "")) if p)
        return subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=env
        )

    def _start(self) -> None:
        super()._start()
        self._starting = True
        try:
            raw = self._read_line(time.monotonic() + max(STARTUP_TIMEOUT, self.timeout), "start-up line")
        except AdapterFailure as exc:  # it died or hung while importing
            self._stop()
            raise ImplementationError(
                f"--impl {_one_line(self.target)}: the implementation did not start: {exc.message}"
            ) from None
        finally:
            self._starting = False
        try:
            hello = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            hello = None
        if not isinstance(hello, dict) or hello.get("runner") != RUNNER_PROTOCOL:
            self._stop()
            raise ImplementationError(
                f"--impl {_one_line(self.target)}: the child process did not start the runner (got {_one_line(ascii(raw[:80]))})"
            )
        if not hello.get("ready"):
            self._stop()
            raise ImplementationError(_one_line(hello.get("error", f"--impl {self.target}: cannot be imported"), 300))

    def _fail(self, kind: str, message: str) -> AdapterFailure:
        try:
            return super()._fail(kind, message)
        except ImplementationError as exc:  # the restart failed: this test fails, the next ones will too
            return AdapterFailure(kind, f"{message}; restart failed: {exc}")

    def __call__(self, case: Mapping[str, Any]) -> dict[str, Any]:
        if self.proc is None:  # a restart failed earlier
            self._start()
        resp = super().__call__(case)
        failure = resp.get("runnerFailure") if isinstance(resp, dict) else None
        if isinstance(failure, dict):  # the runner caught what the callable did
            raise AdapterFailure(str(failure.get("kind", "crash")), _one_line(failure.get("message", "")))
        return resp


def make_adapter(
    impl: str | None = None, cmd: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> PythonAdapter | CommandAdapter:
    """The adapter for ``--impl`` or ``--cmd`` (exactly one)."""
    if (impl is None) == (cmd is None):
        raise ImplementationError('give exactly one of --impl MODULE:FUNCTION or --cmd "PROGRAM ARGS"')
    if impl is not None:
        return PythonAdapter(impl, timeout)
    assert cmd is not None  # exactly one of the two, checked above
    return CommandAdapter(cmd, timeout)


__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_ANSWER_BYTES",
    "STDERR_TAIL_BYTES",
    "STARTUP_TIMEOUT",
    "RUNNER_PROTOCOL",
    "ImplementationError",
    "AdapterFailure",
    "resolve_callable",
    "InProcessAdapter",
    "PythonAdapter",
    "CommandAdapter",
    "make_adapter",
]
