"""States of named registers: kets and density matrices, exact or numeric.

One implementation serves both backends.  A state's data is a NumPy array in
tensor form (one axis per register; a density matrix has the row axes then
the column axes).  Exact states hold SymPy expressions in an ``object``
array; numeric states hold ``complex128``.  The same ``tensordot`` code
therefore evolves a symbolic proof state and a fast numeric one, and
:meth:`State.numeric` turns the first into the second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp
from sympy import Add

from qproto.spec.errors import DimensionError, NotNormalisedError, UnknownNameError

from . import exact as _exact

NUMERIC_TOLERANCE = 1e-9


def _is_exact_entry(x: Any) -> bool:
    return not isinstance(x, (float, complex, np.floating, np.complexfloating))


def as_array(data: Any, exact: bool | None = None) -> np.ndarray:
    """``data`` (nested lists, SymPy Matrix, ndarray) as an object array of
    SymPy expressions when exact, else complex128.  ``exact=None`` decides
    from the entries: any float makes the whole array numeric."""
    if isinstance(data, sp.MatrixBase):
        arr = np.array(data.tolist(), dtype=object)
    else:
        arr = np.array(data, dtype=object) if not isinstance(data, np.ndarray) else data
    if exact is None:
        exact = arr.dtype == object and all(_is_exact_entry(x) for x in arr.flat)
    if exact:
        return np.vectorize(sp.sympify, otypes=[object])(arr) if arr.size else arr.astype(object)
    return np.asarray(arr, dtype=complex)


def expand_array(arr: np.ndarray) -> np.ndarray:
    if arr.dtype != object:
        return arr
    return np.vectorize(sp.expand, otypes=[object])(arr)


class State:
    """A pure (ket) or mixed (density matrix) state of named registers.

    Args:
        data: the amplitudes or matrix, in tensor or flat form.
        registers: register names, in order (most significant first).
        dims: each register's dimension.  Defaults to 2 for every register.
        kind: ``ket`` or ``density``.
        constraints: expressions equal to zero that the symbols obey (for
            α|0⟩+β|1⟩: αᾱ+ββ̄−1).  Normalisation is checked modulo them.
        check: verify normalisation.  Defaults to True; post-measurement
            branch states are unnormalised on purpose and pass False.

    Raises:
        NotNormalisedError: the norm (or trace) is not 1.
        DimensionError: the data's size does not match the dimensions.

    >>> s = State([1, 0, 0, 1], ("a", "b"), kind="ket", check=False)
    >>> s.dirac()
    '|00⟩ + |11⟩'
    """

    __slots__ = ("data", "registers", "dims", "kind", "constraints")

    def __init__(
        self,
        data: Any,
        registers: Sequence[str],
        dims: Sequence[int] | None = None,
        kind: str = "ket",
        constraints: Sequence[sp.Expr] = (),
        check: bool = True,
    ) -> None:
        registers = tuple(registers)
        if len(set(registers)) != len(registers):
            raise DimensionError(f"register names must be distinct, got {registers}")
        dims = tuple(dims) if dims is not None else (2,) * len(registers)
        if len(dims) != len(registers):
            raise DimensionError(f"{len(registers)} registers {registers} but {len(dims)} dimensions {dims}")
        if kind not in ("ket", "density"):
            raise DimensionError(f"kind={kind!r} must be 'ket' or 'density'")
        arr = as_array(data)
        total = int(np.prod(dims)) if dims else 1
        want = total if kind == "ket" else total * total
        if arr.size != want:
            raise DimensionError(f"{kind} on registers {registers} with dims {dims} needs {want} entries, got {arr.size}")
        shape = dims if kind == "ket" else dims + dims
        self.data = arr.reshape(shape)
        self.registers = registers
        self.dims = dims
        self.kind = kind
        self.constraints = tuple(sp.sympify(c) for c in constraints)
        if check:
            self.check_normalised()

    # -- basic facts --------------------------------------------------------
    @property
    def exact(self) -> bool:
        return self.data.dtype == object

    @property
    def size(self) -> int:
        return int(np.prod(self.dims)) if self.dims else 1

    def _like(self, data: np.ndarray, registers=None, dims=None, kind=None) -> State:
        return State(
            data,
            self.registers if registers is None else registers,
            self.dims if dims is None else dims,
            self.kind if kind is None else kind,
            self.constraints,
            check=False,
        )

    def axis(self, register: str) -> int:
        try:
            return self.registers.index(register)
        except ValueError:
            raise UnknownNameError(f"unknown register {register!r}; the state has registers {list(self.registers)}") from None

    def vector(self) -> np.ndarray:
        """The ket as a flat vector of length ``size``."""
        if self.kind != "ket":
            raise DimensionError("vector() needs a ket; this state is a density matrix")
        return self.data.reshape(self.size)

    def matrix(self) -> np.ndarray:
        """The density matrix, flat (``size`` × ``size``); a ket is turned into |ψ⟩⟨ψ|."""
        if self.kind == "ket":
            v = self.vector()
            return np.outer(v, np.conj(v))
        return self.data.reshape(self.size, self.size)

    def norm2(self) -> Any:
        """⟨ψ|ψ⟩ for a ket, tr ρ for a density matrix (exact or float)."""
        if self.kind == "ket":
            v = self.vector()
            val = np.sum(v * np.conj(v))
        else:
            val = np.trace(self.matrix())
        if self.exact:
            return _exact.reduce(val, self.constraints)
        return float(np.real(val))

    def check_normalised(self) -> None:
        what = "norm ⟨ψ|ψ⟩" if self.kind == "ket" else "trace"
        n = self.norm2()
        if self.exact and isinstance(n, sp.Basic) and n.is_number and n.has(sp.Float):
            # SymPy Floats (e.g. a float parameter in an exact formula) carry
            # rounding error: compare with the numeric tolerance, not exactly
            if abs(complex(sp.N(n, 30)) - 1) > NUMERIC_TOLERANCE:
                raise NotNormalisedError(
                    f"state on {list(self.registers)} has {what} = {sp.N(n, 12)}, expected 1 within "
                    f"{NUMERIC_TOLERANCE}; normalise the amplitudes"
                )
        elif self.exact:
            ok, how = _exact.settle_zero(n - 1, self.constraints)
            if ok is not True:
                if ok is None:
                    hint = f" (could not be established: {how}; add a constraint on the symbols)"
                elif isinstance(n, sp.Basic) and n.free_symbols:
                    hint = f" (not 1 for every value of its symbols, e.g. {how}; add a constraint on the symbols)"
                else:
                    hint = ""
                raise NotNormalisedError(
                    f"state on {list(self.registers)} has {what} = {n}, expected 1{hint}; normalise the amplitudes"
                )
        elif abs(n - 1) > NUMERIC_TOLERANCE:
            raise NotNormalisedError(
                f"state on {list(self.registers)} has {what} = {n:.12g}, expected 1 within "
                f"{NUMERIC_TOLERANCE}; normalise the amplitudes"
            )

    # -- construction -----------------------------------------------------
    def tensor(self, other: State) -> State:
        """self ⊗ other; register names must not overlap."""
        clash = set(self.registers) & set(other.registers)
        if clash:
            raise DimensionError(f"cannot tensor states sharing registers {sorted(clash)}")
        a, b = self, other
        if a.kind != b.kind:
            a, b = a.to_density(), b.to_density()
        exact = a.exact and b.exact
        x = a.data if exact or not a.exact else a.numeric().data
        y = b.data if exact or not b.exact else b.numeric().data
        regs = a.registers + b.registers
        dims = a.dims + b.dims
        if a.kind == "ket":
            data = np.asarray(np.multiply.outer(x, y), dtype=object if exact else complex)
        else:
            n, m = len(a.dims), len(b.dims)
            data = np.multiply.outer(x, y)  # rows_a cols_a rows_b cols_b
            order = list(range(n)) + list(range(2 * n, 2 * n + m)) + list(range(n, 2 * n)) + list(range(2 * n + m, 2 * n + 2 * m))
            data = np.transpose(data, order)
        return State(data, regs, dims, a.kind, a.constraints + b.constraints, check=False)

    def to_density(self) -> State:
        if self.kind == "density":
            return self
        v = self.data
        data = np.asarray(np.multiply.outer(v, np.conj(v)), dtype=v.dtype)
        return self._like(expand_array(data), kind="density")

    def reorder(self, registers: Sequence[str]) -> State:
        """The same state with its registers listed in a new order."""
        registers = tuple(registers)
        if sorted(registers) != sorted(self.registers):
            raise DimensionError(f"reorder needs a permutation of {self.registers}, got {registers}")
        perm = [self.axis(r) for r in registers]
        dims = tuple(self.dims[i] for i in perm)
        if self.kind == "density":
            n = len(perm)
            perm = perm + [p + n for p in perm]
        return self._like(np.transpose(self.data, perm), registers=registers, dims=dims)

    # -- evolution ----------------------------------------------------------
    def apply(self, operator: Any, targets: Sequence[str]) -> State:
        """Apply a matrix acting on ``targets`` (in that order).

        ``operator`` is anything with a ``matrix`` attribute (a Gate) or a
        matrix itself.  Its size must equal the targets' joint dimension.
        """
        targets = tuple(targets)
        mat = getattr(operator, "matrix", operator)
        op = as_array(mat, exact=None)
        axes = [self.axis(t) for t in targets]
        tdims = tuple(self.dims[i] for i in axes)
        k = int(np.prod(tdims))
        name = getattr(operator, "name", "operator")
        if op.shape != (k, k):
            raise DimensionError(
                f"{name} is {op.shape[0]}x{op.shape[1] if op.ndim > 1 else 1} but targets {list(targets)} "
                f"have joint dimension {k}; give {int(np.log2(op.shape[0])) if op.shape[0] else 0} "
                "qubit targets or a matching matrix"
            )
        state = self
        if self.exact and op.dtype != object:
            state = self.numeric()
        elif not self.exact and op.dtype == object:
            op = np.asarray(np.vectorize(complex, otypes=[complex])(op))
        if state.exact:
            fast = _apply_numbers(op, state, axes, k)
            if fast is not None:
                return state._like(fast)
        t = op.reshape(tdims + tdims)
        m = len(targets)
        data = np.tensordot(t, state.data, axes=(list(range(m, 2 * m)), axes))
        data = np.moveaxis(data, list(range(m)), axes)
        if state.kind == "density":
            n = len(state.dims)
            caxes = [a + n for a in axes]
            data = np.tensordot(data, np.conj(t), axes=(caxes, list(range(m, 2 * m))))
            data = np.moveaxis(data, list(range(data.ndim - m, data.ndim)), caxes)
        return state._like(expand_array(data))

    def project(self, register: str, outcome: int) -> State:
        """The unnormalised branch in which ``register`` reads ``outcome``
        (computational basis); the register stays, collapsed to |outcome⟩."""
        ax = self.axis(register)
        if not 0 <= outcome < self.dims[ax]:
            raise DimensionError(f"outcome {outcome} out of range for register {register!r} of dim {self.dims[ax]}")
        data = np.full(self.data.shape, sp.Integer(0), dtype=object) if self.exact else np.zeros_like(self.data)
        idx: list[Any] = [slice(None)] * self.data.ndim
        idx[ax] = outcome
        if self.kind == "density":
            idx[ax + len(self.dims)] = outcome
        data[tuple(idx)] = self.data[tuple(idx)]
        return self._like(data)

    def reduced(self, keep: Sequence[str]) -> State:
        """Partial trace: the density matrix of the ``keep`` registers."""
        keep = tuple(keep)
        for r in keep:
            self.axis(r)
        traced = [i for i, r in enumerate(self.registers) if r not in keep]
        if self.kind == "ket":
            data = np.tensordot(self.data, np.conj(self.data), axes=(traced, traced))
        else:
            data = self.data
            # trace out one register at a time, highest axis first so indices stay valid
            for i in sorted(traced, reverse=True):
                data = np.trace(data, axis1=i, axis2=i + data.ndim // 2)
        regs = tuple(r for r in self.registers if r in keep)
        dims = tuple(self.dims[self.axis(r)] for r in regs)
        out = State(expand_array(np.asarray(data, dtype=self.data.dtype)), regs, dims, "density", self.constraints, check=False)
        return out.reorder(keep)

    # -- backends -------------------------------------------------------------
    def numeric(self, subs: Mapping[Any, Any] | None = None) -> State:
        """The numeric (complex128) form.  Symbols must be given values in
        ``subs``; a symbolic state without them raises."""
        if not self.exact:
            return self
        subs = dict(subs or {})

        def conv(e: sp.Expr) -> complex:
            v = e.subs(subs) if subs else e
            try:
                return complex(sp.N(v))
            except TypeError:
                raise DimensionError(
                    f"cannot evaluate {e} numerically: give values for {sorted(map(str, v.free_symbols))}"
                ) from None

        data = np.vectorize(conv, otypes=[complex])(self.data) if self.data.size else self.data.astype(complex)
        return State(data, self.registers, self.dims, self.kind, (), check=False)

    def simplified(self) -> State:
        """Each entry reduced modulo the constraints (exact states only)."""
        if not self.exact:
            return self
        f = np.vectorize(lambda e: _exact.reduce(e, self.constraints), otypes=[object])
        return self._like(f(self.data))

    def scaled(self, factor: Any) -> State:
        return self._like(expand_array(self.data * factor))

    # -- display --------------------------------------------------------------
    def basis_label(self, index: tuple[int, ...]) -> str:
        return "".join(str(i) for i in index)

    def dirac(self) -> str:
        """The ket in Dirac notation (registers in order), e.g.
        ``alpha/2 |000⟩ + beta/2 |011⟩``; a density matrix as a list of rows."""
        if self.kind == "density":
            rows = [", ".join(_fmt(x) for x in row) for row in self.matrix()]
            return "[" + "; ".join(rows) + "]"
        terms = []
        for idx in np.ndindex(*self.dims):
            amp = self.data[idx]
            if self.exact:
                amp = sp.factor(amp) if amp != 0 else amp
                if amp == 0:
                    continue
            elif abs(amp) < 1e-12:
                continue
            ket = f"|{self.basis_label(idx)}⟩"
            terms.append(ket if _is_one(amp) else f"{_fmt(amp, wrap=True)} {ket}")
        if not terms:
            return "0"
        out = terms[0]
        for t in terms[1:]:
            out += " - " + t[1:] if t.startswith("-") else " + " + t
        return out

    def __repr__(self) -> str:
        kind = "exact" if self.exact else "numeric"
        return f"State({self.dirac()!r}, registers={self.registers}, kind={self.kind!r}, {kind})"


def _coefficient(x: Any) -> bool:
    """A matrix coefficient the term-wise product below may use: a number in
    expanded form that is not a sum (1/2, I/2, sqrt(2)/2, ...)."""
    return isinstance(x, sp.Basic) and x.is_number and not x.has(sp.Add)


def _apply_numbers(op: np.ndarray, state: State, axes: list[int], k: int) -> np.ndarray | None:
    """``apply`` on exact data when every coefficient of the operator (for a
    density matrix: of U_ij·conj(U_lk)) is a number that is not a sum; else
    ``None`` (the general path).

    The general path expands each entry of the tensordot result.  Here each
    entry is built directly as the sum of coefficient × term over the terms of
    the already expanded input entries: the same polynomial in the same
    expanded (canonical) form, without walking the nested products again."""
    if state.kind == "density":
        n = len(state.dims)
        conj_op = np.conj(op)
        coeff = np.empty((k, k, k, k), dtype=object)
        for i in range(k):
            for j in range(k):
                u = op[i, j]
                for l in range(k):
                    for kk in range(k):
                        coeff[i, l, j, kk] = sp.expand(u * conj_op[l, kk]) if u != 0 else sp.Integer(0)
        front = axes + [a + n for a in axes]
    else:
        coeff = np.asarray(op, dtype=object)
        front = list(axes)
    if not all(_coefficient(c) for c in coeff.flat):
        return None
    moved = np.moveaxis(state.data, front, list(range(len(front))))
    shape = moved.shape
    rest = int(np.prod(shape[len(front) :])) if len(shape) > len(front) else 1
    terms_of = [Add.make_args(x) for x in expand_array(moved.reshape(-1))]
    out = np.empty(moved.size, dtype=object)
    width = k * k if state.kind == "density" else k
    flat_coeff = coeff.reshape(width, width)
    zero = sp.Integer(0)
    for a in range(width):
        row = [(b, c) for b, c in enumerate(flat_coeff[a]) if c != 0]
        for r in range(rest):
            acc: list[Any] = []
            for b, c in row:
                src = terms_of[b * rest + r]
                if len(src) == 1 and src[0] == 0:
                    continue
                acc.extend(c * term for term in src)
            out[a * rest + r] = Add(*acc) if acc else zero
    back = out.reshape(shape)
    return np.moveaxis(back, list(range(len(front))), front)


def _is_one(x: Any) -> bool:
    if isinstance(x, sp.Basic):
        return x == 1
    return abs(x - 1) < 1e-12


def _fmt(x: Any, wrap: bool = False) -> str:
    if isinstance(x, sp.Basic):
        s = sp.sstr(x)
        if wrap and isinstance(x, sp.Add):
            s = f"({s})"
        return s
    c = complex(x)
    if abs(c.imag) < 1e-12:
        return f"{c.real:.6g}"
    return f"({c.real:.6g}{c.imag:+.6g}j)"


def ket(label: str, registers: Sequence[str], dims: Sequence[int] | None = None) -> State:
    """A computational-basis ket: ``ket("01", ("a", "b"))`` is |01⟩."""
    dims = tuple(dims) if dims is not None else (2,) * len(registers)
    if len(label) != len(registers):
        raise DimensionError(f"label {label!r} has {len(label)} digits for {len(registers)} registers")
    if not label.isdigit() or any(int(c) >= d for c, d in zip(label, dims)):
        raise DimensionError(f"basis label {label!r} must give each register a digit below its dimension {dims}")
    data = np.full(dims, sp.Integer(0), dtype=object)
    data[tuple(int(c) for c in label)] = sp.Integer(1)
    return State(data, registers, dims, "ket")


def qubit(alpha: Any, beta: Any, register: str, constraints: Iterable[sp.Expr] = ()) -> State:
    """α|0⟩ + β|1⟩ on one register, checked to be normalised."""
    return State([alpha, beta], (register,), (2,), "ket", tuple(constraints))


__all__ = ["State", "ket", "qubit", "as_array", "NUMERIC_TOLERANCE"]
