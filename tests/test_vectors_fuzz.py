"""Fuzzing the vector reader and the expression grammar (issue 11).

A derandomized sample for CI (the ``ci`` Hypothesis profile); the long run
(≥ 10,000 mutated files) is ``benchmarks/fuzz_readers.py``.  The property:
whatever the bytes, ``load`` either returns a validated document or raises
a ``QprotoError``; ``check`` with the reference adapter then returns a
report, and the reference adapter itself raises nothing but ``QprotoError``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qproto
from qproto.spec.errors import QprotoError
from qproto.vectors import check, dumps, expr, generate, load
from qproto.vectors.adapters import AdapterFailure
from qproto.vectors.reference import adapter as reference

BASES = ("superdense-coding", "trusted-relay-qkd", "quantum-memory-dephasing", "repeater-chain")
HOSTILE_RAW = (
    "9" * 5000,
    "1e400",
    "NaN",
    "-Infinity",
    "[" * 2000 + "]" * 2000,
    "[" * 80 + "]" * 80,
    "null",
    "{}",
    "1" * 41,
    '"' + "x" * 50_000 + '"',
)
HOSTILE_VALUES = (
    "9^9^9",
    "__import__('os').system('true')",
    "1e999",
    "(" * 40 + "1" + ")" * 40,
    "\x1b[2J",
    "",
    "x",
    "1/0",
    0,
    -1,
    2.5,
    True,
    None,
    [],
    {},
    [1, 2],
    {"exact": "1/2", "value": 0.5},
)
MARK = "@@RAW@@"


@pytest.fixture(scope="module")
def base_texts() -> list[str]:
    return [dumps(generate(qproto.find(name), seed=0, count=1)) for name in BASES]


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory(prefix="qproto-fuzz-") as tmp:
        yield Path(tmp) / "mutant.json"


def _paths(doc: Any) -> list[tuple[Any, Any]]:
    out, stack = [], [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            out.append((node, key))
            if isinstance(child, (dict, list)):
                stack.append(child)
    return out


@st.composite
def mutants(draw, texts: list[str]) -> bytes:
    text = draw(st.sampled_from(texts))
    if draw(st.booleans()) and draw(st.booleans()):  # a quarter: raw byte damage
        data = bytearray(text.encode("utf-8"))
        for _ in range(draw(st.integers(1, 4))):
            pos = draw(st.integers(0, max(0, len(data) - 1)))
            kind = draw(st.sampled_from(["flip", "cut", "insert"]))
            if kind == "flip" and data:
                data[pos] = draw(st.integers(0, 255))
            elif kind == "cut":
                del data[pos : pos + draw(st.integers(1, 200))]
            else:
                data[pos:pos] = draw(st.sampled_from([b"[", b"{", b"}", b"\xff", b"NaN", b"1e400", b'"']))
        return bytes(data)
    doc = json.loads(text)
    raw = None
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        container, key = paths[draw(st.integers(0, len(paths) - 1))]
        op = draw(st.sampled_from(["drop", "raw", "value"]))
        if op == "drop" and isinstance(container, dict):
            del container[key]
        elif op == "raw" and raw is None:
            raw = draw(st.sampled_from(HOSTILE_RAW))
            container[key] = MARK
        else:
            container[key] = draw(st.sampled_from(HOSTILE_VALUES))
    out = json.dumps(doc, ensure_ascii=False)
    return (out.replace(json.dumps(MARK), raw, 1) if raw else out).encode("utf-8")


def strict_reference(case):
    """The reference adapter; anything but a QprotoError is a bug."""
    try:
        return reference(case)
    except QprotoError as exc:
        raise AdapterFailure("reported-error", str(exc)) from None


@settings(
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_vector_files_are_read_cleanly(base_texts, scratch, data):
    blob = data.draw(mutants(base_texts))
    scratch.write_bytes(blob)
    try:
        doc = load(scratch)
    except QprotoError:
        return
    report = check(doc, strict_reference)  # raises only if the adapter raised a non-QprotoError
    assert report.exit_code in (0, 1)


# -- the grammar ------------------------------------------------------------------------------------
ALPHABET = "0123456789+-*/^().eEijIpqrstx sqrtexpcosin"


@settings(max_examples=400)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_any_text_parses_or_is_refused_cleanly(text):
    try:
        node = expr.parse(text)
    except expr.ExpressionError:
        return
    for evaluate in (expr.to_complex, expr.to_sympy):
        try:
            evaluate(text)
        except expr.ExpressionError:
            pass
    assert node.height <= expr.MAX_HEIGHT


@settings(max_examples=200)
@given(st.integers(-(10**6), 10**6), st.integers(1, 10**6), st.integers(0, 7))
def test_grammar_agrees_with_sympy_on_what_vectors_hold(p, q, k):
    text = f"{p}/{q}*exp(I*pi*{k}/4) + sqrt(2)/2 - 3*sqrt(3)*I/7"
    exact = expr.to_sympy(text)
    assert sp.simplify(exact - sp.sympify(text)) == 0
    assert abs(expr.to_complex(text) - complex(sp.N(exact))) <= 1e-9 * max(1.0, abs(complex(sp.N(exact))))


@pytest.mark.parametrize(
    "text, why",
    [
        ("9^9^9", "beyond the limit"),
        ("2^(1/100)", "beyond the limit"),
        ("((2^64)^64)^64", "bits"),
        ("(1+sqrt(2)+sqrt(3)+sqrt(5))^64", "terms"),
        ("x^2", "unknown name"),
        ("__import__('os')", "unexpected character"),
        ("E**2**99", "beyond the limit"),
        ("1e401", "decimal exponent"),
        ("1" * 201, "digits"),
        ("0^-1", "zero to a negative power"),
        ("(" * 33 + "1" + ")" * 33, "nested deeper"),
        ("1" + "+1" * 100, "operations deep"),
        ("sqrt 2", "followed by '('"),
        ("", "empty"),
        ("2 3", "after a complete expression"),
        ("exp(exp(exp(100)))", "argument of exp"),
        ("cos(1e9)", "argument of cos"),
    ],
)
def test_grammar_refuses_with_a_reason(text, why):
    with pytest.raises(expr.ExpressionError, match=None) as info:
        expr.to_complex(text)
    assert why in str(info.value)


def test_grammar_reads_every_exact_value_qproto_writes(base_texts):
    seen = 0
    for text in base_texts:
        for container, key in _paths(json.loads(text)):
            if key == "exact" and isinstance(container[key], str):
                got = expr.to_complex(container[key])
                want = container["value"]
                want = complex(*want) if isinstance(want, list) else complex(want)
                assert abs(got - want) <= 1e-12, container
                seen += 1
    assert seen > 50


def test_safe_text_hands_on_only_grammar_built_text():
    assert expr.safe_text("I*sqrt(2)/2", "x") == "sqrt(2)*I/2"
    assert expr.safe_text(3, "x") == "3"
    with pytest.raises(expr.ExpressionError, match="model.signals"):
        expr.safe_text("__import__('os').system('true')", "model.signals[0]")
    with pytest.raises(expr.ExpressionError):
        expr.safe_tree([["1", "0"], ["0", {"a": 1}]], "model.steps[0].matrix")
