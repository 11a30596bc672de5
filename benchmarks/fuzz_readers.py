"""Fuzz qproto's file readers with mutated real files and count crashes.

Vector part (issue 11): real vector files (generated with a fixed seed)
are mutated — bytes flipped, inserted, deleted or truncated; values replaced
by huge integers, 1e400, NaN, Infinity, deep nesting, power towers,
Python code, control characters, long strings, wrong types; keys dropped;
tolerances loosened — and every mutant goes through ``load`` and then
``check`` with the reference adapter (run in this process, its answers
memoised per case so that unchanged tests cost nothing).

A *crash* is anything other than a clean outcome: ``load`` or ``check``
raising something that is not a ``QprotoError``, the reference adapter
raising something that is not a ``QprotoError`` (a ``KeyError`` deep in a
model, a ``RecursionError``), or one file taking longer than
``--hang-seconds`` (counted as a hang).  Clean outcomes are a
``QprotoError`` from ``load`` (bad input: exit 2 in the CLI) or a report.

    python benchmarks/fuzz_readers.py --files 10000 --seed 1
    python benchmarks/fuzz_readers.py --files 500 --protocols superdense-coding bb84

Prints the counts, the time, and one example per distinct crash; exits 1
if anything crashed.  A benchmark, not a test: nothing here is timed in CI
(``tests/test_vectors_fuzz.py`` runs a small derandomized sample).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

#: Protocols whose small vector files are mutated (one per family, except
#: fidelity-routing: its routing model takes seconds per case, see item 13).
DEFAULT_PROTOCOLS = (
    "superdense-coding",
    "teleportation",
    "bb84",
    "e91",
    "quantum-retransmission",
    "trusted-relay-qkd",
    "quantum-memory-dephasing",
    "repeater-chain",
    "qss-2-3",
)

#: Raw JSON texts put in place of a value (written verbatim, so they can be
#: what a JSON encoder would refuse to write).
HOSTILE_RAW = (
    "9" * 5000,
    "-" + "1" * 4400,
    "1" * 41,
    "1e400",
    "-1e400",
    "1e-400",
    "NaN",
    "Infinity",
    "-Infinity",
    "-0.0",
    "[" * 3000 + "]" * 3000,
    '{"a":' * 1500 + "1" + "}" * 1500,
    "[" * 70 + "]" * 70,
    "null",
    "true",
    "false",
    "{}",
    "[]",
    "0",
    "-1",
    "18446744073709551617",
    "0.1" + "0" * 80 + "1",
    '"' + "x" * 200_000 + '"',
)
#: Strings put in place of a value (or of an expression).
HOSTILE_STRINGS = (
    "9^9^9",
    "2**2**2**2**2",
    "(" * 50 + "1" + ")" * 50,
    "1+" * 700 + "1",
    "1e999",
    "10^64^64",
    "__import__('os').system('echo pwned')",
    "exec('1')",
    "lambda: 1",
    "x",
    "sqrt(-1)/0",
    "1/0",
    "0^-1",
    "(1+sqrt(2)+sqrt(3)+sqrt(5)+sqrt(7))^64",
    "exp(exp(exp(100)))",
    "\x1b[2J\x1b]0;owned\x07",
    "\u202etxt",
    "",
    "nan",
    "inf",
    "1e-3j",
    "I*pi",
    "cos(pi/8)",
    "bell:phi+",
    "../../etc/passwd",
    "0" * 5000,
)


# -- mutations ------------------------------------------------------------------------------------------
def _paths(doc: Any) -> list[tuple[Any, Any]]:
    """(container, key) for every value in ``doc`` (iterative)."""
    out, stack = [], [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            out.append((node, key))
            if isinstance(child, (dict, list)):
                stack.append(child)
    return out


MARK = "@@HOSTILE@@"


def _structural(doc: Any, rng: random.Random) -> str:
    """Replace, drop or retype one value (several with some probability);
    returns the JSON text, hostile raw values spliced in verbatim."""
    raw: str | None = None
    for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 6)):
        paths = _paths(doc)
        if not paths:
            break
        # bias towards the interesting places: models, tolerances, expected values
        hot = [
            (c, k)
            for c, k in paths
            if k
            in (
                "tolerance",
                "exact",
                "value",
                "amplitudes",
                "vector",
                "probability",
                "ket",
                "dims",
                "registers",
                "numberOfTests",
                "tcId",
                "tests",
                "testGroups",
                "model",
                "inputs",
                "outputs",
                "family",
                "params",
                "matrix",
                "kraus",
                "angle",
                "guard",
                "update",
                "size",
            )
        ]
        container, key = rng.choice(hot if hot and rng.random() < 0.7 else paths)
        op = rng.random()
        if op < 0.2 and isinstance(container, dict):
            del container[key]
        elif op < 0.45 and raw is None:
            raw = rng.choice(HOSTILE_RAW)
            container[key] = MARK
        elif op < 0.8:
            container[key] = rng.choice(HOSTILE_STRINGS)
        elif op < 0.9:
            container[key] = rng.choice([0, 1, -1, 2.5, [], {}, None, True, "1", [1, 2], {"exact": "1/2", "value": 0.5}])
        elif isinstance(container, dict):
            container[key + rng.choice(["", "x", "\x1b"])] = container.get(key)  # a near-duplicate key
    text = json.dumps(doc, ensure_ascii=False)
    if raw is not None:
        text = text.replace(json.dumps(MARK), raw, 1)
    return text


def _bytes(text: str, rng: random.Random) -> bytes:
    data = bytearray(text.encode("utf-8"))
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        pos = rng.randrange(len(data)) if data else 0
        if op < 0.4 and data:
            data[pos] = rng.randrange(256)
        elif op < 0.6:
            data[pos:pos] = rng.choice(
                [b"[", b"{", b"]", b"}", b",", b'"', b"\\", b"\x00", b"\xff", b"1e400", b"NaN", b"\x1b[31m"]
            )
        elif op < 0.8 and data:
            del data[pos : pos + rng.randint(1, 64)]
        else:
            del data[pos:]
    return bytes(data)


def mutate(text: str, rng: random.Random) -> bytes:
    """One mutant of a vector file's text."""
    if rng.random() < 0.25:
        return _bytes(text, rng)
    return _structural(json.loads(text), rng).encode("utf-8")


# -- running one mutant -----------------------------------------------------------------------------------
class Hang(BaseException):  # not swallowed by an "except Exception" on the way
    """One file ran past --hang-seconds; ``where`` is the stack at that moment."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


def _alarm(signum: int, frame: Any) -> None:
    raise Hang("".join(traceback.format_stack(frame, limit=8)))


class Fuzzer:
    def __init__(self, hang_seconds: float) -> None:
        from qproto.vectors.reference import adapter

        self.reference = adapter
        self.hang_seconds = hang_seconds
        self.memo: dict[str, Any] = {}
        self.counts: Counter[str] = Counter()
        self.crashes: dict[str, tuple[str, bytes]] = {}
        self.index = 0

    def adapter(self, case: Any) -> Any:
        """The reference adapter, memoised; what it raises is sorted into
        clean (QprotoError: the case is malformed) and crash."""
        from qproto.spec.errors import QprotoError
        from qproto.vectors.adapters import AdapterFailure

        key = json.dumps(case, sort_keys=True)
        if key in self.memo:
            hit = self.memo[key]
            if isinstance(hit, AdapterFailure):
                raise hit
            return json.loads(hit)
        try:
            answer = self.reference(case)
            self.memo[key] = json.dumps(answer)
            return json.loads(self.memo[key])
        except QprotoError as exc:
            failure = AdapterFailure("reported-error", str(exc))
        except Hang:
            raise
        except BaseException as exc:  # noqa: BLE001 - what we are counting
            self._crash(f"adapter {type(exc).__name__}", traceback.format_exc(limit=-3))
            failure = AdapterFailure("crash", f"{type(exc).__name__}: {exc}")
        self.memo[key] = failure
        raise failure

    def _crash(self, kind: str, detail: str, data: bytes = b"") -> None:
        self.counts["crash"] += 1
        first_line = detail.strip().splitlines()[-1][:200] if detail.strip() else kind
        if kind == "hang":  # one entry per place it was stuck
            first_line = detail.strip().splitlines()[-2][:200] if len(detail.strip().splitlines()) > 1 else first_line
        self.crashes.setdefault(f"{kind}: {first_line}", (detail, data))

    def run_one(self, path: Path, data: bytes) -> None:
        from qproto.spec.errors import QprotoError
        from qproto.vectors import check, load

        path.write_bytes(data)
        signal.setitimer(signal.ITIMER_REAL, self.hang_seconds)
        try:
            try:
                doc = load(path)
            except QprotoError:
                self.counts["refused"] += 1
                return
            self.counts["loaded"] += 1
            before = self.counts["crash"]
            report = check(doc, self.adapter)
            self.counts["checked"] += 1
            self.counts[f"report-exit-{report.exit_code}"] += 1
            if self.counts["crash"] != before and data:  # the adapter's crash: keep the file that caused it
                for key, (detail, saved) in list(self.crashes.items()):
                    if not saved:
                        self.crashes[key] = (detail, data)
        except Hang as exc:
            self._crash("hang", f"over {self.hang_seconds:g} s (file {self.index}), stuck in:\n{exc.where}", data)
        except QprotoError:
            self.counts["check-qproto-error"] += 1
        except BaseException as exc:  # noqa: BLE001 - what we are counting
            if isinstance(exc, KeyboardInterrupt):
                raise
            self._crash(f"{type(exc).__name__}", traceback.format_exc(limit=-4), data)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def fuzz_vectors(
    files: int, seed: int, protocols: tuple[str, ...], hang_seconds: float, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Mutate real vector files ``files`` times; returns counts, crashes and seconds."""
    import qproto
    from qproto.vectors import dumps, generate

    texts = [dumps(generate(qproto.find(name), seed=0, count=1)) for name in protocols]
    rng = random.Random(seed)
    fuzzer = Fuzzer(hang_seconds)
    old = signal.signal(signal.SIGALRM, _alarm)
    t0 = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="qproto-fuzz-") as tmp:
            path = Path(tmp) / "mutant.json"
            for i in range(files):
                fuzzer.index = i
                fuzzer.run_one(path, mutate(rng.choice(texts), rng))
                if progress and (i + 1) % 500 == 0:
                    progress(i + 1)
    finally:
        signal.signal(signal.SIGALRM, old)
    return {
        "reader": "vectors",
        "files": files,
        "seconds": time.perf_counter() - t0,
        "counts": dict(fuzzer.counts),
        "crashes": fuzzer.crashes,
    }


READERS = {"vectors": fuzz_vectors}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", choices=sorted(READERS), default="vectors")
    ap.add_argument("--files", type=int, default=10_000, help="mutants to run (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--protocols", nargs="*", default=list(DEFAULT_PROTOCOLS))
    ap.add_argument("--hang-seconds", type=float, default=30.0, help="one file taking longer counts as a crash (hang)")
    ap.add_argument(
        "--save",
        metavar="DIR",
        default=str(Path(tempfile.gettempdir()) / "qproto-fuzz-crashes"),
        help="write one mutant per distinct crash here (default: a folder in the temp directory)",
    )
    args = ap.parse_args(argv)
    result = READERS[args.reader](
        args.files,
        args.seed,
        tuple(args.protocols),
        args.hang_seconds,
        progress=lambda n: print(f"  {n} files ...", file=sys.stderr, flush=True),
    )
    c = result["counts"]
    print(
        f"{result['reader']}: {result['files']} mutated files in {result['seconds']:.1f} s "
        f"({result['files'] / result['seconds']:.0f}/s): {c.get('refused', 0)} refused by load (QprotoError), "
        f"{c.get('checked', 0)} checked (exit 0: {c.get('report-exit-0', 0)}, exit 1: {c.get('report-exit-1', 0)}), "
        f"{c.get('crash', 0)} crashes ({len(result['crashes'])} distinct)"
    )
    for i, (kind, (detail, data)) in enumerate(sorted(result["crashes"].items())):
        print(f"--- crash {i + 1}: {kind}\n{detail}")
        if args.save and data:
            os.makedirs(args.save, exist_ok=True)
            Path(args.save, f"crash-{i + 1}.json").write_bytes(data)
    return 1 if c.get("crash", 0) else 0


if __name__ == "__main__":
    sys.exit(main())
