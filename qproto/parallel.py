"""``qproto verify`` over many specs: cached verdicts first, the rest across processes.

:func:`verify_specs` looks every selected property up in the result cache
(:mod:`qproto.cache`), then checks what is missing — in this process with
``jobs=1``, else in a pool of ``jobs`` worker processes, one spec per task,
the longest first (last run's timings from the cache, else an estimate by
family), results in the caller's order whatever the completion order.

Workers are started with the ``forkserver`` method (``spawn`` where it is
missing): forking a process that has already run Z3 or SymPy's caches is
not safe.  Each task runs in its worker's main thread, so the per-property
time budget of :mod:`qproto.proofs.runner` (SIGALRM) is enforced there as
it is in-process.  Workers ignore SIGINT; on Ctrl-C or SIGTERM the parent
terminates them and re-raises, so nothing outlives the command.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qproto.cache import ResultCache, keys_for

if TYPE_CHECKING:  # pragma: no cover
    from qproto.proofs.verdict import Verdict
    from qproto.spec.protocol import Protocol

#: Seconds per property when no timing is known, by family (rough medians of a
#: catalogue run: QKD's adversary searches cost the most, circuits the least).
STATIC_ESTIMATE = {"qkd-pm": 0.45, "qkd-eb": 0.45, "transition": 0.3, "purification": 0.2}
DEFAULT_ESTIMATE = 0.05
#: Modules every worker needs: loaded once in the fork server, shared by its forks.
#: (Preloading the checker modules too — Z3, SciPy, Hypothesis — was slower in a
#: measurement: the fork server imports them serially before the first worker starts.)
PRELOAD = ["qproto.proofs.runner", "qproto.proofs.registry", "qproto.models.decide"]


@dataclass
class Outcome:
    """Verdicts in the order of the specs given, and how many came from the cache."""

    verdicts: list[Verdict] = field(default_factory=list)
    protocols: int = 0
    protocols_from_cache: int = 0
    verdicts_from_cache: int = 0
    jobs: int = 1
    cache_warning: str | None = None


def default_jobs() -> int:
    return os.cpu_count() or 1


def selected(spec: Protocol, engines: Iterable[str] | None, properties: Iterable[str] | None) -> list[str]:
    """The property ids that :func:`qproto.proofs.runner.verify` would check."""
    engines = set(engines) if engines else None
    wanted = set(properties) if properties else None
    return [p.id for p in spec.properties if (not engines or p.engine in engines) and (not wanted or p.id in wanted)]


def _estimate(spec: Protocol, n_props: int, timings: Mapping[str, float]) -> float:
    total = len(spec.properties) or 1
    if spec.name in timings:
        return timings[spec.name] * n_props / total
    return STATIC_ESTIMATE.get(str(spec.family), DEFAULT_ESTIMATE) * n_props


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
        ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _picklable(spec: Any) -> bool:
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
        if missing or not ids:
            validate(spec)  # every bad spec is reported before any proof runs
        if missing:
            todo.append((i, missing))
        elif ids:
            out.protocols_from_cache += 1
    out.verdicts_from_cache = sum(len(d) for d in per_spec)
    todo_ids = dict(todo)
    for i, spec in enumerate(specs):
        if i not in todo_ids and on_done:
            on_done(spec)

    timings = cache.timings() if cache is not None else {}
    todo.sort(key=lambda t: -_estimate(specs[t[0]], len(t[1]), timings))  # longest first
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

    remote = [(i, ids) for i, ids in todo if _picklable(specs[i])] if jobs > 1 and len(todo) > 1 else []
    local = [t for t in todo if t not in remote]
    out.jobs = min(jobs, len(remote)) if remote else 1
    try:
        if remote:
            _run_pool(specs, remote, options, out.jobs, finish)
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


def _run_pool(
    specs: Sequence[Protocol],
    tasks: list[tuple[int, list[str]]],
    options: dict[str, Any],
    jobs: int,
    finish: Callable[[int, list[Verdict], float], None],
) -> None:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    sendable = {k: v for k, v in options.items() if k != "progress"}  # a callback cannot cross processes
    with _blas_threads(max(1, (os.cpu_count() or 1) // jobs)):
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_worker_init)
        _start(pool, jobs)
    try:
        pending = {pool.submit(_check, specs[i], ids, sendable): i for i, ids in tasks}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                verdicts, seconds = fut.result()
                finish(i, verdicts, seconds)
    except BaseException:
        _terminate(pool)
        raise
    pool.shutdown(wait=True)


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


def _start(pool: Any, jobs: int) -> None:
    """Start every worker now (ProcessPoolExecutor starts them on demand at
    ``submit``), so they inherit the environment set around this call."""
    from concurrent.futures import wait

    wait([pool.submit(os.getpid) for _ in range(jobs)])


def _terminate(pool: Any) -> None:
    """Stop every worker now (Ctrl-C, SIGTERM or a failure): cancel the
    queue and terminate the processes rather than wait for long proofs."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public API gives the workers
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
            p.join(timeout=1)


def map_on_cluster(fn: Callable[[Any], Any], units: Sequence[Any], address: str) -> list[Any]:
    """``[fn(u) for u in units]`` on an existing Dask distributed cluster
    (``tcp://host:port`` of its scheduler), results in the order of
    ``units``.  For seed-determined work units (a campaign's slices) the
    results are those of the local run.  ``fn`` must be importable or
    picklable by value on the workers, and whatever it imports must be
    installed there.  Needs ``pip install 'qproto[cluster]'``."""
    from qproto.spec.errors import ParameterError

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


__all__ = ["verify_specs", "map_on_cluster", "Outcome", "default_jobs", "selected"]
