"""``qproto export SPEC --qasm``: a circuit protocol as an OpenQASM 3
program (mid-circuit measurements, classical feed-forward, and ``pragma
qproto.*`` lines for what OpenQASM cannot say).  ``qproto verify
program.qasm`` reads it back and proves the same properties."""

from __future__ import annotations

from qproto.loader import resolve

from ..atomic import preflight, write_atomic
from .common import validate_input


def register(sub) -> None:
    p = sub.add_parser("export", help="write a circuit protocol as an OpenQASM 3 program")
    p.add_argument("protocol", metavar="PROTOCOL", help="catalogue name, path/to/spec.py or module:ATTR")
    p.add_argument("--qasm", action="store_true", required=True, help="OpenQASM 3 (the one format so far)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=run)


def run(args) -> int:
    from qproto.qasm import export_qasm  # NumPy: only when the command runs

    if args.out:
        preflight(args.out)
    spec = resolve(args.protocol)
    validate_input(spec)
    program = export_qasm(spec)
    if args.out:
        write_atomic(args.out, program)
    else:
        print(program, end="")
    return 0
