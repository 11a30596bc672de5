"""Memoising the models' pure functions: on immutable values, or on objects
by identity.

:func:`memo_by_value` is ``functools.lru_cache(typed=True)`` for functions of
SymPy expressions, texts and frozen specs: SymPy's ``==`` is structural (in
SymPy ≥ 1.13 a Float never equals a Rational) and ``typed`` keeps a Python
``int`` apart from a SymPy ``Integer``, so an equal key is the same value and
the stored result is the one the function would compute again.  Unlike
``lru_cache`` it computes afresh, instead of raising, for an unhashable
argument.

:class:`IdentityMemo` is for values derived from objects that are not
compared by value (a spec object, read-only NumPy arrays): an entry is keyed
on the objects' ids and holds the objects, so an id cannot be reused while
its entry lives, and a hit must be those very objects.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


def memo_by_value(maxsize: int) -> Callable[[_F], _F]:
    """Decorator: memoise a pure function on its (hashable, immutable)
    arguments, by type and value; unhashable arguments are
    computed afresh.  The wrapper keeps ``cache_clear`` and ``__wrapped__``."""

    def decorate(fn: _F) -> _F:
        cached = lru_cache(maxsize=maxsize, typed=True)(fn)

        @wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                hash((args, tuple(kwargs.items())))
            except TypeError:
                return fn(*args, **kwargs)
            return cached(*args, **kwargs)

        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return decorate


class IdentityMemo(OrderedDict):
    """Values derived from objects compared by identity, at most ``size``
    entries (the oldest go first): ``{(ids, key): (objects, value)}``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or_build(self, objs: tuple[Any, ...], key: Any, build: Callable[[], Any]) -> Any:
        """The value stored for these very objects and ``key``, else ``build()`` stored."""
        full = (tuple(map(id, objs)), key)
        hit = self.get(full)
        if hit is not None and all(a is b for a, b in zip(hit[0], objs)):
            return hit[1]
        value = build()
        self[full] = (objs, value)
        while len(self) > self.size:
            try:
                self.popitem(last=False)
            except KeyError:  # emptied meanwhile by another thread
                break
        return value


__all__ = ["memo_by_value", "IdentityMemo"]
