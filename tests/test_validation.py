"""The central checks of qproto.spec.validation: each accepts exactly its
domain, compares exactly, refuses what is not a finite real number, and
says so in one line of the one message shape."""

from __future__ import annotations

import doctest
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from qproto.spec import validation
from qproto.spec.errors import ParameterError, QprotoError, SpecError
from qproto.spec.validation import (
    check_at_least,
    check_choice,
    check_fraction,
    check_int,
    check_nonnegative_int,
    check_positive_int,
    check_probability,
    check_real,
    parse_fraction,
    show,
)

#: Values that are never a number, whatever the interval.
NOT_NUMBERS = [
    True,
    False,
    np.bool_(True),
    float("nan"),
    float("inf"),
    float("-inf"),
    np.float64("nan"),
    Decimal("NaN"),
    Decimal("Infinity"),
    complex(0.5, 0),
    np.complex128(0.5),
    sp.I / 2,
    sp.oo,
    sp.nan,
    sp.zoo,
    "0.5",
    None,
    [0.5],
    sp.Symbol("p"),
]


def _inside(x, low, high, open_low, open_high) -> bool:
    return (low < x if open_low else low <= x) and (x < high if open_high else x <= high)


def _refused(fn, *args, **kwargs) -> str:
    with pytest.raises(ParameterError) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


# -- probabilities and intervals -------------------------------------------------


@given(st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.booleans())
def test_a_float_probability_is_accepted_exactly_on_the_interval(x, open_low, open_high):
    if _inside(x, 0, 1, open_low, open_high):
        assert check_probability("p", x, open_low=open_low, open_high=open_high) == x
    else:
        assert "must lie in" in _refused(check_probability, "p", x, open_low=open_low, open_high=open_high)


@given(st.fractions(), st.booleans(), st.booleans())
def test_a_fraction_is_compared_exactly_and_stays_exact(x, open_low, open_high):
    if _inside(x, 0, 1, open_low, open_high):
        out = check_probability("p", x, open_low=open_low, open_high=open_high)
        assert out == x and isinstance(out, Fraction)
    else:
        _refused(check_probability, "p", x, open_low=open_low, open_high=open_high)


@given(st.sampled_from([0, 1, Fraction(1, 2), 0.0, 1.0]), st.booleans(), st.booleans())
def test_the_ends_are_open_or_closed_as_asked(x, open_low, open_high):
    accepted = _inside(x, 0, 1, open_low, open_high)
    try:
        check_probability("p", x, open_low=open_low, open_high=open_high)
    except ParameterError:
        assert not accepted
    else:
        assert accepted


@given(st.fractions(), st.fractions(), st.fractions(), st.booleans(), st.booleans())
def test_check_fraction_accepts_exactly_its_interval(a, b, x, open_low, open_high):
    low, high = min(a, b), max(a, b)
    if _inside(x, low, high, open_low, open_high):
        assert check_fraction("v", x, low, high, open_low=open_low, open_high=open_high) == x
        assert check_real("v", x, low, high, open_low=open_low, open_high=open_high) == float(x)
    else:
        _refused(check_fraction, "v", x, low, high, open_low=open_low, open_high=open_high)


@pytest.mark.parametrize("bad", [Fraction(3, 2), Fraction(-1, 7), sp.Rational(5, 4), Decimal("1.01"), 1 + 2**-52, -(2**-1074)])
def test_just_outside_is_refused_for_every_number_type(bad):
    # Fraction(3, 2) passed checks that accepted only int and float (issue 13)
    assert "must lie in [0, 1]" in _refused(check_probability, "fraction", bad)


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=repr)
def test_what_is_not_a_finite_real_number_is_refused(bad):
    message = _refused(check_probability, "fraction", bad)
    assert message.startswith("fraction=") and "must be a number in [0, 1]" in message


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=repr)
def test_the_half_line_check_refuses_the_same(bad):
    assert "must be a number > 0" in _refused(check_at_least, "timeout", bad, strict=True)


@pytest.mark.parametrize(
    "good, out",
    [
        (np.float64(0.25), 0.25),
        (np.float32(0.5), 0.5),
        (np.int64(1), 1),
        (sp.Rational(1, 3), Fraction(1, 3)),
        (sp.Integer(0), 0),
        (Decimal("0.1"), Fraction(1, 10)),
        (sp.sqrt(2) / 2, sp.sqrt(2) / 2),
    ],
    ids=repr,
)
def test_every_kind_of_number_is_accepted(good, out):
    got = check_probability("p", good)
    assert got == out and type(got) is type(out)


def test_an_exact_irrational_is_compared_exactly():
    assert _refused(check_probability, "p", sp.sqrt(3)) == "p=sqrt(3) must lie in [0, 1]"


def test_a_symbol_passes_only_when_asked():
    x = sp.Symbol("x")
    assert check_probability("p", x, symbolic=True) is x
    assert "symbolic" in _refused(check_probability, "p", x)


def test_one_message_shape():
    assert _refused(check_probability, "fraction", 1.5) == "fraction=1.5 must lie in [0, 1]"
    assert _refused(check_probability, "transmittance", 0, open_low=True) == "transmittance=0 must lie in (0, 1]"
    assert _refused(check_fraction, "disturbance", Fraction(3, 4), 0, Fraction(1, 2)) == "disturbance=3/4 must lie in [0, 1/2]"
    assert (
        _refused(check_fraction, "q", 0.5, 0, 0.5, open_high=True, why="pure noise") == "q=0.5 must lie in [0, 0.5); pure noise"
    )
    assert _refused(check_fraction, "length_km", -3, 0, 1e6, unit="km") == "length_km=-3 must lie in [0, 1e+06] km"
    assert _refused(check_probability, "p", True) == "p=True must be a number in [0, 1], not bool"
    assert _refused(check_probability, "p", 1.5, shown="3/2") == "p=3/2 must lie in [0, 1]"


def test_the_error_type_is_the_callers():
    with pytest.raises(SpecError, match="x=2 must lie in"):
        check_probability("x", 2, error=SpecError)
    with pytest.raises(ValueError):  # ParameterError stays a ValueError for old `except ValueError` sites
        check_probability("x", 2)
    assert issubclass(ParameterError, QprotoError)


def test_huge_and_hostile_values_are_shown_in_one_short_line():
    message = _refused(check_probability, "p", 10**5000)
    assert len(message) < 120 and "must lie in" in message
    assert len(show("x" * 10**6)) <= validation.MAX_SHOWN
    assert "\n" not in show("a\nb")


# -- integers ----------------------------------------------------------------


@given(st.integers())
def test_positive_and_nonnegative_ints(n):
    if n > 0:
        assert check_positive_int("rounds", n) == n
    else:
        assert _refused(check_positive_int, "rounds", n) == f"rounds={n} must be > 0"
    if n >= 0:
        assert check_nonnegative_int("seed", np.int64(n) if abs(n) < 2**62 else n) == n
    else:
        assert _refused(check_nonnegative_int, "seed", n) == f"seed={n} must be ≥ 0"


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-60, 60))
def test_check_int_accepts_exactly_its_range(a, b, n):
    low, high = min(a, b), max(a, b)
    if low <= n <= high:
        assert check_int("levels", n, low, high) == n
    else:
        assert _refused(check_int, "levels", n, low, high) == f"levels={n} must lie in [{low}, {high}]"


@pytest.mark.parametrize("bad", [True, 1.0, 2.5, "3", Fraction(3, 1), None, float("nan")], ids=repr)
def test_an_int_check_refuses_what_is_not_an_int(bad):
    assert "must be an integer" in _refused(check_int, "n", bad, 0, 10)
    assert "must be an integer" in _refused(check_positive_int, "n", bad)


# -- choices -----------------------------------------------------------------


@given(st.text(max_size=12))
def test_check_choice_accepts_exactly_the_choices(word):
    choices = ("pooled", "per-basis")
    if word in choices:
        assert check_choice("estimation", word, choices) == word
    else:
        assert _refused(check_choice, "estimation", word, choices).startswith(
            f"estimation={word!r} must be one of pooled, per-basis"
        )


def test_a_near_miss_gets_a_suggestion():
    assert _refused(check_choice, "estimation", "per_basis", ("pooled", "per-basis")).endswith("; did you mean 'per-basis'?")
    assert "did you mean" not in _refused(check_choice, "estimation", "median", ("pooled", "per-basis"))


def test_true_is_not_the_choice_1():
    assert "must be one of" in _refused(check_choice, "n", True, (1, 2))
    assert "must be one of" in _refused(check_choice, "n", [1], (1, 2))  # unhashable: refused, not a TypeError


# -- text --------------------------------------------------------------------


@given(st.fractions())
def test_parse_fraction_round_trips(x):
    assert parse_fraction(str(x)) == x


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_fraction_reads_decimal_text_exactly(x):
    assert parse_fraction(repr(x)) == Fraction(Decimal(repr(x)))


@pytest.mark.parametrize("text", ["1/0", "nan", "inf", "-inf", "", "  ", "abc", "sqrt(2)", "1/2/3", "0x10", "1_0", "1/2.0", "½"])
def test_parse_fraction_refuses_what_is_not_a_number(text):
    assert _refused(parse_fraction, text, "sample-fraction") == f"sample-fraction={text!r} must be a number like 1/4 or 0.25"


@pytest.mark.parametrize("text", ["1e-99999999", "1e400000", "1" * 500])
def test_parse_fraction_refuses_text_that_would_make_a_huge_number(text):
    _refused(parse_fraction, text, "p")


@given(st.text(max_size=30))
def test_parse_fraction_never_raises_anything_else(text):
    try:
        out = parse_fraction(text, "p")
    except ParameterError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(out, Fraction) and math.isfinite(out)


def test_the_docstring_examples_hold():
    result = doctest.testmod(validation, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 15 and result.failed == 0
