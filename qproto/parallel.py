"""``qproto verify`` over many specs: cached verdicts first, the rest across processes.

:func:`verify_specs` looks every selected property up in the result cache
(:mod:`qproto.cache`), then checks what is missing — in this process with
``jobs=1``, else on ``jobs`` worker processes, one spec per task, the
longest first (last run's timings from the cache, else a static estimate by
checker and family: longest-processing-time-first scheduling), results in
the caller's order whatever the completion order.

Workers are started with the ``forkserver`` method (``spawn`` where it is
missing): forking a process that has already run Z3 or SymPy's caches is
not safe.  The fork server is started before the specs are validated and
imports the checker modules once, so its imports overlap the validation and
each worker starts with them loaded.  Each worker is fed one task at a time
over its own pipe, so the parent knows what every worker holds: a worker
that dies (segfault, ``os._exit``, the OOM killer) costs only the property
that killed it — its task is retried one property per task on a fresh
worker, and the property whose worker dies gets an ``error`` verdict with a
one-line reason — and the run goes on.  Each task runs in its worker's main
thread, so the per-property time budget of :mod:`qproto.proofs.runner`
(SIGALRM) is enforced there as it is in-process.  Workers ignore SIGINT; on
Ctrl-C or SIGTERM the parent terminates them and re-raises, so nothing
outlives the command.
"""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qproto.cache import ResultCache, keys_for
from qproto.spec.errors import InternalSignal

if TYPE_CHECKING:  # pragma: no cover
    from qproto.proofs.verdict import Verdict
    from qproto.spec.protocol import Protocol

#: CPU seconds per property when no timing is known, by family (means of an
#: in-process catalogue run, 2026-12-01, after the speed-ups of issue 15) ...
STATIC_ESTIMATE = {
    "qkd-pm": 0.035,
    "qkd-eb": 0.03,
    "transition": 0.004,
    "purification": 0.08,
    "network": 0.03,
    "repeater": 0.1,
    "memory": 0.04,
    "circuit": 0.02,
    "secret-sharing": 0.03,
    "relay": 0.003,
}
DEFAULT_ESTIMATE = 0.05
#: ... and by checker where one property costs far more than its family's mean (the
#: worst-case attack search; a numerical key rate, whose first use in a worker imports
#: cvxpy): with two workers the slowest tasks must start first.
CHECK_ESTIMATE = {
    "adversary.soundness-key-rate": 0.6,
    "qkd.chsh-measure-resend": 0.45,
    "purification.bell-diagonal-round": 0.3,
    "adversary.threshold-below-rate-zero": 0.3,
}
#: Modules every worker needs: loaded once in the fork server, shared by its forks,
#: with every checker module (:data:`qproto.proofs.registry.CHECKER_MODULES`).  The
#: fork server is started before the parent validates the specs, so these imports
#: overlap that work instead of delaying the first worker.  Hypothesis and
#: scipy.optimize (the attack searches) are among them: each worker would otherwise
#: import them in its first QKD task.  A short ``--timeout`` that expires inside a
#: worker's Hypothesis run may come back rewrapped (Hypothesis reports an interrupted
#: data generation as flaky): the runner reads any exception raised after the
#: property's budget fired as that timeout (:func:`qproto.proofs.runner.run_checker`).
#: cvxpy is not preloaded: only the numerical key rates (B92, SARG04) need it, and its import would
#: hold both workers back.
PRELOAD = ["qproto.proofs.runner", "qproto.proofs.registry", "qproto.models.decide", "hypothesis", "scipy.optimize"]


@dataclass
class Outcome:
    """Verdicts in the order of the specs given, and how many came from the cache."""

    verdicts: list[Verdict] = field(default_factory=list)
    protocols: int = 0
    protocols_from_cache: int = 0
    verdicts_from_cache: int = 0
    jobs: int = 1
    cache_warning: str | None = None
    #: CPU seconds each worker process spent (empty in-process), for benchmarks
    worker_cpus: list[float] = field(default_factory=list)

    @property
    def worker_cpu(self) -> float:
        return sum(self.worker_cpus)


def default_jobs() -> int:
    return os.cpu_count() or 1


def selected(spec: Protocol, engines: Iterable[str] | None, properties: Iterable[str] | None) -> list[str]:
    """The property ids that :func:`qproto.proofs.runner.verify` would check."""
    engines = set(engines) if engines else None
    wanted = set(properties) if properties else None
    return [p.id for p in spec.properties if (not engines or p.engine in engines) and (not wanted or p.id in wanted)]


def _estimate(spec: Protocol, prop_ids: Sequence[str], timings: Mapping[str, float]) -> float:
    total = len(spec.properties) or 1
    if spec.name in timings:
        return timings[spec.name] * len(prop_ids) / total
    family = STATIC_ESTIMATE.get(str(spec.family), DEFAULT_ESTIMATE)
    wanted = set(prop_ids)
    return sum(CHECK_ESTIMATE.get(p.check, family) for p in spec.properties if p.id in wanted)


def _check(spec: Protocol, prop_ids: list[str], options: dict[str, Any]) -> tuple[list[Verdict], float]:
    """One task: check these properties of one spec (in a worker or in-process)."""
    from qproto.proofs.runner import verify

    t0 = time.perf_counter()
    out = verify(spec, None, prop_ids, options)
    return out, time.perf_counter() - t0


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides, and terminates the workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _context() -> Any:
    import multiprocessing  # here, not at the top: a run served from the cache starts no process

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        from qproto.proofs.registry import CHECKER_MODULES

        ctx.set_forkserver_preload(PRELOAD + [m for m in CHECKER_MODULES if m not in PRELOAD])
    return ctx


def start_server(jobs: int) -> None:
    """Start the fork server now, in the background: it imports every
    checker module once (the workers fork from it with them loaded) while
    this process loads and validates the specs.  Idempotent.  ``qproto
    verify`` calls it before it loads the specs when the run will check
    many of them (no result cache yet, or ``--no-cache``)."""
    ctx = _context()
    if ctx.get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    with _blas_threads(max(1, (os.cpu_count() or 1) // jobs)):
        forkserver.ensure_running()


def picklable(spec: Any) -> bool:
    import pickle

    try:
        pickle.dumps(spec)
        return True
    except Exception:  # a designer spec holding a lambda or a local class: checked in-process
        return False


def verify_specs(
    specs: Sequence[Protocol],
    engines: Iterable[str] | None = None,
    properties: Iterable[str] | None = None,
    options: Mapping[str, Any] | None = None,
    *,
    jobs: int = 1,
    cache: ResultCache | None = None,
    validate: Callable[[Protocol], None] | None = None,
    on_done: Callable[[Protocol], None] | None = None,
) -> Outcome:
    """Verify ``specs`` as :func:`qproto.proofs.runner.verify` would, one
    after the other, and return all verdicts in that order.

    ``validate`` (default: the runner's) is called on every spec that has a
    property to check, before any check starts; a spec whose every selected
    property is cached is not re-validated (its identical content passed
    validation under identical code).  ``on_done(spec)`` is called as each
    spec completes (progress display)."""
    from qproto.proofs.runner import DEFAULT_TIMEOUT, check_timeout

    options = dict(options or {})
    check_timeout(options)  # bad options are refused even when every verdict is cached
    options.setdefault("timeout", DEFAULT_TIMEOUT)  # so the default and an explicit 120 share cache keys
    engines = list(engines) if engines else None
    properties = list(properties) if properties else None
    if validate is None:
        from qproto.proofs.runner import validate as validate_spec

        validate = validate_spec
    out = Outcome(protocols=len(specs))
    per_spec: list[dict[str, Verdict]] = [{} for _ in specs]
    order: list[list[str]] = []
    keys: list[dict[str, str] | None] = []
    todo: list[tuple[int, list[str]]] = []
    for i, spec in enumerate(specs):
        ids = selected(spec, engines, properties)
        order.append(ids)
        k = keys_for(spec, ids, options) if cache is not None and ids else None
        keys.append(k)
        for pid in ids:
            hit = cache.get(k[pid], spec.name, pid) if cache is not None and k is not None else None
            if hit is not None:
                per_spec[i][pid] = hit
        missing = [pid for pid in ids if pid not in per_spec[i]]
        if missing:
            todo.append((i, missing))
        elif ids:
            out.protocols_from_cache += 1
    if jobs > 1 and len(todo) > 1:
        start_server(jobs)  # its imports overlap the validation below (a no-op if already started)
    checked = {i for i, _ in todo}
    for i, spec in enumerate(specs):
        if not order[i] or i in checked:
            validate(spec)  # every bad spec is reported before any proof runs
    out.verdicts_from_cache = sum(len(d) for d in per_spec)
    todo_ids = dict(todo)
    for i, spec in enumerate(specs):
        if i not in todo_ids and on_done:
            on_done(spec)

    timings = cache.timings() if cache is not None else {}
    todo.sort(key=lambda t: -_estimate(specs[t[0]], t[1], timings))  # longest first (LPT)
    measured: dict[str, float] = {}

    def finish(i: int, verdicts: list[Verdict], seconds: float) -> None:
        spec, k = specs[i], keys[i]
        for v in verdicts:
            per_spec[i][v.property] = v
            if cache is not None and k is not None and v.property in k:
                cache.put(k[v.property], v)
        # scaled to the whole spec, the unit the next run schedules
        measured[spec.name] = seconds * len(spec.properties) / max(1, len(todo_ids[i]))
        if on_done:
            on_done(spec)

    remote = [(i, ids) for i, ids in todo if picklable(specs[i])] if jobs > 1 and len(todo) > 1 else []
    local = [t for t in todo if t not in remote]
    out.jobs = min(jobs, len(remote)) if remote else 1
    try:
        if remote:
            out.worker_cpus = list(_run_pool(specs, remote, options, out.jobs, finish) or [])
        for i, ids in local:
            verdicts, seconds = _check(specs[i], ids, options)
            finish(i, verdicts, seconds)
    finally:
        if cache is not None:
            cache.save_timings(measured)
            out.cache_warning = cache.warning
    for i, ids in enumerate(order):
        out.verdicts.extend(per_spec[i][pid] for pid in ids if pid in per_spec[i])
    return out


def check_properties(
    spec: Protocol,
    prop_ids: Sequence[str],
    options: Mapping[str, Any],
    jobs: int,
    on_done: Callable[[], None] | None = None,
) -> list[Verdict]:
    """The properties ``prop_ids`` of one (picklable) spec, one per task on
    ``jobs`` worker processes (the costliest checkers first), verdicts in the
    order of ``prop_ids``: each property keeps its time budget (a worker's
    main thread) and a worker that dies costs only its property.
    ``on_done()`` is called as each property completes (a progress bar)."""
    checks = {p.id: p.check for p in spec.properties}
    order = sorted(range(len(prop_ids)), key=lambda k: -CHECK_ESTIMATE.get(checks[prop_ids[k]], 0.0))
    got: dict[int, list[Verdict]] = {}

    def finish(k: int, verdicts: list[Verdict], seconds: float) -> None:
        got[k] = verdicts
        if on_done:
            on_done()

    # one "spec" per property: the pool keys its tasks by spec index
    _run_pool([spec] * len(prop_ids), [(k, [prop_ids[k]]) for k in order], dict(options), min(jobs, len(prop_ids)), finish)
    return [v for k in range(len(prop_ids)) for v in got[k]]


def _run_pool(
    specs: Sequence[Protocol],
    tasks: list[tuple[int, list[str]]],
    options: dict[str, Any],
    jobs: int,
    finish: Callable[[int, list[Verdict], float], None],
) -> list[float]:
    """Check ``tasks`` (longest first) on ``jobs`` worker processes, each
    fed one task at a time, so the parent always knows which properties a
    worker holds.  A worker that dies (segfault, ``os._exit``, the kernel's
    OOM killer) costs only what it held: a task of several properties is
    retried one property per task on a fresh worker, and a single property
    whose worker dies gets an ``error`` verdict saying how it died.
    Returns the CPU seconds each worker reported."""
    from multiprocessing.connection import wait

    sendable = {k: v for k, v in options.items() if k != "progress"}  # a callback cannot cross processes
    queue: list[_Task] = [_Task(i, list(ids)) for i, ids in tasks]
    parts = {i: _Parts(len(ids)) for i, ids in tasks}

    def deliver(task: _Task, verdicts: list[Verdict], seconds: float) -> None:
        got = parts[task.spec]
        got.verdicts += verdicts
        got.seconds += seconds
        got.left -= len(task.ids)
        if got.left <= 0:
            finish(task.spec, got.verdicts, got.seconds)

    ctx = _context()
    workers: list[_Worker] = []
    cpu: dict[int, float] = {}  # worker pid -> its CPU seconds at its last reply
    try:
        with _blas_threads(max(1, (os.cpu_count() or 1) // jobs)):
            workers = [_Worker.start(ctx) for _ in range(min(jobs, len(queue)))]

        def assign(k: int) -> None:
            """Give worker ``k`` the next task; a worker found dead is replaced first."""
            while queue:
                task = queue.pop(0)
                for _ in range(3):
                    if workers[k].send(task, (specs[task.spec], task.ids, sendable)):
                        return
                    workers[k].stop()
                    workers[k] = _Worker.start(ctx)
                deliver(task, error_verdicts(specs[task.spec], task.ids, "no worker process could be started for it"), 0.0)

        for k in range(len(workers)):
            assign(k)
        while any(w.task is not None for w in workers):
            busy = [k for k, w in enumerate(workers) if w.task is not None]
            ready = set(wait([workers[k].conn for k in busy] + [workers[k].process.sentinel for k in busy]))
            for k in busy:
                w = workers[k]
                if w.conn not in ready and w.process.sentinel not in ready:
                    continue
                task = w.task
                assert task is not None
                w.task = None
                reply = w.receive()
                if reply is None:  # it died holding this task
                    reason = w.death()
                    if len(task.ids) > 1:  # find which property killed it: each on its own
                        queue[:0] = [_Task(task.spec, [pid]) for pid in task.ids]
                    else:
                        deliver(task, error_verdicts(specs[task.spec], task.ids, reason), 0.0)
                    w.stop()
                    if queue:
                        workers[k] = _Worker.start(ctx)
                else:
                    kind, payload = reply
                    if kind == "raise":  # what verify() raised in-process (a QprotoError): raised here too
                        raise payload
                    if kind == "failed":
                        deliver(task, error_verdicts(specs[task.spec], task.ids, payload), 0.0)
                    else:
                        verdicts, seconds, cpu[w.process.pid] = payload
                        deliver(task, verdicts, seconds)
                assign(k)
    except BaseException:
        _terminate([w.process for w in workers])
        raise
    for w in workers:
        w.stop()
    return list(cpu.values())


@dataclass
class _Task:
    spec: int
    ids: list[str]


@dataclass
class _Parts:
    """A spec's verdicts while its properties come back in several tasks."""

    left: int
    verdicts: list[Any] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Any
    task: _Task | None = None

    @classmethod
    def start(cls, ctx: Any) -> _Worker:
        here, there = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(there,), daemon=True, name="qproto-verify-worker")
        process.start()
        there.close()  # the parent keeps one end: EOF on it means the worker is gone
        return cls(process, here)

    def send(self, task: _Task, message: tuple[Any, ...]) -> bool:
        try:
            self.conn.send(message)
        except (OSError, EOFError):  # it died between tasks
            return False
        self.task = task
        return True

    def receive(self) -> tuple[str, Any] | None:
        """The worker's reply, or None when it died without one."""
        try:
            if self.conn.poll():
                return self.conn.recv()
        except (OSError, EOFError):
            pass
        except Exception as exc:  # a reply that does not unpickle here
            return "failed", f"the worker's reply could not be read ({type(exc).__name__}: {exc})"
        return None

    def death(self) -> str:
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is None:  # the pipe broke but the process lingers: make sure it is gone
            self.process.kill()
            self.process.join(timeout=5)
            return "the worker process closed its pipe and was killed"
        if code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit code {code}"
        return f"the worker process died ({how}) while checking this property"

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, EOFError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=1)
        self.conn.close()


def error_verdicts(spec: Protocol, prop_ids: list[str], reason: str) -> list[Verdict]:
    from qproto.proofs.verdict import Status, Verdict

    props = {p.id: p for p in spec.properties}
    return [
        Verdict(
            protocol=spec.name,
            property=pid,
            engine=props[pid].engine,
            status=Status.ERROR,
            evidence={"summary": reason, "exception": "WorkerDied"},
            statement=props[pid].statement,
            required=props[pid].requires,
            limitation=props[pid].limitation,
        )
        for pid in prop_ids
    ]


def _serve(conn: Any) -> None:
    """A worker's loop: a task in, its verdicts out, until told to stop."""
    _worker_init()
    # What the fork server preloaded (SymPy, Z3: ~10^6 objects) is never freed: keep it out of the collector's
    # scans (each full collection would walk it, and write to every page of it: copy-on-write undone).  Long
    # collections also widen the window in which a SIGALRM budget fires inside a gc callback, where Python
    # drops the exception.
    gc.freeze()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if message is None:
            return
        spec, prop_ids, options = message
        reply: tuple[str, Any]
        try:
            reply = ("ok", (*_check(spec, prop_ids, options), time.process_time()))
        except Exception as exc:
            from qproto.spec.errors import QprotoError

            if isinstance(exc, QprotoError):
                reply = ("raise", exc)
            else:  # never a traceback in the parent: this task's properties get error verdicts
                reply = ("failed", f"the worker failed outside any checker ({type(exc).__name__}: {exc})")
        try:
            conn.send(reply)
        except Exception as exc:  # a verdict that does not pickle
            conn.send(("failed", f"the worker's reply could not be sent ({type(exc).__name__}: {exc})"))


#: Thread-count variables of the BLAS/OpenMP libraries NumPy and SciPy may load.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _blas_threads(n: int) -> Iterator[None]:
    """Workers start with ``n`` BLAS threads each (cores // jobs), as
    joblib's workers do: N workers × (all cores) BLAS threads oversubscribe
    the machine, and OpenBLAS threads spin while they wait (measured: 4 QKD
    protocols with -j 2 took 13–31 s with one thread against 22–35 s with
    the default).  The variables are read when a process loads the library,
    so they are set while the workers (and the fork server) start, and put
    back afterwards; a value the user set is kept."""
    saved = {k: os.environ.get(k) for k in BLAS_THREAD_VARIABLES}
    for k in BLAS_THREAD_VARIABLES:
        if saved[k] is None:
            os.environ[k] = str(n)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)


def _terminate(processes: Sequence[Any]) -> None:
    """Stop every worker now (Ctrl-C, SIGTERM or a failure) rather than
    wait for long proofs."""
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
            p.join(timeout=1)


class ChildProcessDied(InternalSignal):
    """:func:`in_main_thread`'s child process died (a signal, the OOM
    killer, an exit) before it replied; the message says how."""


def in_main_thread(fn: Callable[[Any], Any], unit: Any) -> Any:
    """``fn(unit)`` where the runner's per-property time budget can fire:
    called here when this is the main thread, else (a Dask task runs in a
    worker thread, where SIGALRM never reaches it) in the main thread of a
    child Python process, ``fn`` and ``unit`` sent by value (cloudpickle,
    which Dask installs; the child imports from this process's ``sys.path``).
    What ``fn`` raises is raised here; a child that
    dies raises :class:`ChildProcessDied`.  The child's stdout is kept for
    the reply: what the checkers print goes to its stderr."""
    import threading

    if threading.current_thread() is threading.main_thread():
        return fn(unit)
    import pickle
    import subprocess
    import sys

    import cloudpickle

    run = subprocess.run(
        [sys.executable, "-P", "-c", "from qproto.parallel import _child_main; _child_main()"],
        input=pickle.dumps((list(sys.path), cloudpickle.dumps((fn, unit)))),
        capture_output=True,
    )
    if run.returncode == 0:
        kind, payload = pickle.loads(run.stdout)
        if kind == "raise":
            raise payload
        return payload
    tail = " ".join(run.stderr.decode(errors="replace").strip().splitlines()[-1:])
    how = f"killed by signal {-run.returncode}" if run.returncode < 0 else f"exit code {run.returncode}"
    raise ChildProcessDied(f"the child process died ({how}){': ' + tail if tail else ''}")


def _child_main() -> None:
    """The child of :func:`in_main_thread`: (fn, unit) on stdin; ("ok",
    result) or ("raise", exception) pickled on stdout."""
    import pickle
    import sys

    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    path, payload = pickle.loads(sys.stdin.buffer.read())
    sys.path[:] = path  # import what the parent process could (its fn may live outside site-packages)
    fn, unit = pickle.loads(payload)
    reply: tuple[str, Any]
    try:
        reply = ("ok", fn(unit))
    except Exception as exc:
        reply = ("raise", exc)
    out.write(pickle.dumps(reply))
    out.flush()


def check_scheduler(address: str) -> str:
    """``address`` when it reads as a Dask scheduler address
    (``tcp://host:port``, ``host:port``, ``tls://…``), else a one-line
    :class:`ParameterError`.  Checked before connecting: Dask's ``Client``
    given an address without a port fails only after a minute, with a
    traceback at exit.  Without Dask installed the address is returned
    as is (:func:`map_on_cluster` then says what to install)."""
    from qproto.spec.errors import ParameterError

    if not isinstance(address, str) or not address.strip():
        raise ParameterError(f"--scheduler {address!r}: give the Dask scheduler's address, e.g. tcp://HOST:8786")
    try:
        from distributed.comm.addressing import parse_address, parse_host_port
        from distributed.comm.registry import backends
    except ImportError:
        return address
    try:
        scheme, location = parse_address(address)
        if scheme not in backends:
            raise ValueError(f"unknown protocol {scheme!r}; Dask knows {', '.join(sorted(backends))}")
        if scheme != "inproc":
            parse_host_port(location)
    except ValueError as exc:
        raise ParameterError(f"--scheduler {address}: not a Dask scheduler address ({exc}); write tcp://HOST:PORT") from None
    return address


def map_on_cluster(fn: Callable[[Any], Any], units: Sequence[Any], address: str) -> list[Any]:
    """``[fn(u) for u in units]`` on an existing Dask distributed cluster
    (``tcp://host:port`` of its scheduler), results in the order of
    ``units``.  For seed-determined work units (a campaign's slices) the
    results are those of the local run.  ``fn`` must be importable or
    picklable by value on the workers, and whatever it imports must be
    installed there.  Needs ``pip install 'qproto[cluster]'``."""
    from qproto.spec.errors import ParameterError

    check_scheduler(address)
    try:
        from distributed import Client
    except ImportError:
        raise ParameterError(
            f"--scheduler {address}: Dask distributed is not installed (pip install 'qproto[cluster]')"
        ) from None
    try:
        client = Client(address, set_as_default=False)  # connect timeout: Dask's config (distributed.comm.timeouts.connect)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ParameterError(f"--scheduler {address}: cannot connect to a Dask scheduler there ({exc})") from None
    try:
        # pure=False: every unit runs even if two are equal; their order is kept by gather
        futures = client.map(fn, list(units), pure=False)
        return list(client.gather(futures))
    finally:
        client.close()


__all__ = [
    "verify_specs",
    "check_properties",
    "start_server",
    "map_on_cluster",
    "check_scheduler",
    "in_main_thread",
    "ChildProcessDied",
    "picklable",
    "error_verdicts",
    "Outcome",
    "default_jobs",
    "selected",
]
