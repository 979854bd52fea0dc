"""Compiled SQL kept per query shape for the hot paths.

Building a QuerySet and compiling it costs more CPU than PostgreSQL spends running it: on a
claim, about 60 % of the web process's time went to ``filter()``/``as_sql()`` (issue 17,
profiled under load). The querysets stay the single definition of what is asked (selectors
own them); this compiles each shape once per process (twice, with two sets of stand-in
values, to tell the values' parameters from the shape's constants) and later fills each
call's values in where the stand-ins were.

``key`` must name everything that changes the SQL's text rather than its parameters (a flag
that adds a condition, a value that may be None); the values are the rest.
"""

from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
from typing import Any

Build = Callable[[Mapping[str, Any]], tuple[str, tuple[Any, ...] | list[Any]]]
Slots = list[tuple[str | None, Any]]  # per parameter: the value's name, or None and a constant

_shapes: dict[Hashable, tuple[str, Slots]] = {}


def _stand_in(i: int, value: Any, run: int) -> Any:
    """Stand-in number ``i`` of the two compiles (``run`` 0 or 1). Ints stay within a small
    integer column's range: Django drops a comparison with a value out of a column's range."""
    if isinstance(value, bool):
        raise TypeError("a flag changes the SQL's text: put it in the key")
    if isinstance(value, int):
        return 20_000 + 2 * i + run
    if isinstance(value, datetime):
        return datetime(2000 + 2 * i + run, 1, 1, tzinfo=UTC)
    if isinstance(value, str):
        return f"stand-in {i}.{run}"
    raise TypeError(f"no stand-in for {type(value).__name__}: put it in the key")


def _compile(build: Build, values: Mapping[str, Any]) -> tuple[str, Slots]:
    """Compiled twice with different stand-ins: a parameter that differs between the two is
    the value whose stand-ins it holds, one that does not is a constant of the shape."""
    runs = [{name: _stand_in(i, v, run) for i, (name, v) in enumerate(values.items())}
            for run in (0, 1)]  # fmt: skip
    (sql, params), (other_sql, other_params) = build(runs[0]), build(runs[1])
    if sql != other_sql or len(params) != len(other_params):
        raise ValueError("a value was written into the SQL's text: put it in the key")
    slots: Slots = []
    for param, other in zip(params, other_params, strict=True):
        if param == other:
            slots.append((None, param))
            continue
        names = [name for name in values if (runs[0][name], runs[1][name]) == (param, other)]
        if not names:
            raise ValueError(f"a parameter derived from a value ({param!r}): pass it as one")
        slots.append((names[0], None))
    return sql, slots


def compiled(key: Hashable, build: Build, **values: Any) -> tuple[str, tuple[Any, ...]]:
    """``build(stand_ins)``'s SQL, compiled once per ``key``, and its parameters with
    ``values`` in the places of their stand-ins."""
    # A value's type is part of the shape: None where an int was compiled is a new shape (and
    # refused by _stand_in), never a NULL silently put in the int's place.
    full_key = (key, tuple(type(value) for value in values.values()))
    shape = _shapes.get(full_key)
    if shape is None:
        shape = _shapes[full_key] = _compile(build, values)
    sql, slots = shape
    return sql, tuple(values[name] if name is not None else param for name, param in slots)
