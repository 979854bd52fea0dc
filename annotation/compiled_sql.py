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

import copy
from collections.abc import Callable, Hashable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import RawQuerySet, get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.query import RawQuery

M = TypeVar("M", bound=Model)

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


def _shape_key(key: Hashable, values: Mapping[str, Any]) -> Hashable:
    # A value's type is part of the shape: None where an int was compiled is a new shape (and
    # refused by _stand_in), never a NULL silently put in the int's place.
    return (key, tuple(type(value) for value in values.values()))


def _filled(slots: Slots, values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(values[name] if name is not None else param for name, param in slots)


def compiled(key: Hashable, build: Build, **values: Any) -> tuple[str, tuple[Any, ...]]:
    """``build(stand_ins)``'s SQL, compiled once per ``key``, and its parameters with
    ``values`` in the places of their stand-ins."""
    full_key = _shape_key(key, values)
    shape = _shapes.get(full_key)
    if shape is None:
        shape = _shapes[full_key] = _compile(build, values)
    sql, slots = shape
    return sql, _filled(slots, values)


_layouts: dict[Hashable, tuple[str, Slots, SQLCompiler, str]] = {}


def fetched(
    key: Hashable,
    build: Callable[[Mapping[str, Any]], QuerySet[M]],
    *,
    share_locked: tuple[str, ...] = (),
    **values: Any,
) -> list[M]:
    """The rows of ``build(stand_ins)``'s queryset as model instances, its related objects
    (``select_related``) attached, as the ORM makes them; compiled once per ``key``. The
    compiler of the first call keeps the layout of the columns, as ``ModelIterable`` reads
    it from a fresh one. ``share_locked``: tables whose rows the statement also locks FOR
    SHARE on PostgreSQL (the ORM's ``select_for_update`` has one mode per statement)."""
    full_key = _shape_key(key, values)
    layout = _layouts.get(full_key)
    if layout is None:
        made: list[QuerySet[M]] = []

        def sql_of(stand_ins: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
            made.append(build(stand_ins))
            sql, params = made[-1].query.sql_with_params()
            if share_locked and connections[made[-1].db].vendor == "postgresql":
                sql += " FOR SHARE OF " + ", ".join(f'"{table}"' for table in share_locked)
            return sql, params

        sql, slots = _compile(sql_of, values)
        compiler = made[0].query.get_compiler(made[0].db)
        compiler.as_sql()  # fills select, klass_info and col_count
        layout = _layouts[full_key] = (sql, slots, compiler, made[0].db)
    sql, slots, template, db = layout
    compiler = copy.copy(template)
    compiler.connection = connections[db]  # this thread's
    with prepared_cursor(compiler.connection) as cursor:
        cursor.execute(sql, _filled(slots, values))
        rows = cursor.fetchall()
    return list(_instances(compiler, rows, db))


def _instances(compiler: SQLCompiler, rows: list[Any], db: str) -> Iterator[Any]:
    """What django.db.models.query.ModelIterable does with a compiler's rows."""
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None
    converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [column[0].target.attname for column in select[first:last]]
    populators = get_related_populators(klass_info, select, db)  # type: ignore[call-arg]
    for row in rows:
        instance = klass_info["model"].from_db(db, names, row[first:last])
        for populator in populators:
            populator.populate(row, instance)
        yield instance


def prepared_cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor whose statements PostgreSQL parses and plans once per connection: parameters
    bound on the server (psycopg's ``Cursor``, not the client-side ``ClientCursor`` Django
    uses) and the statement prepared at its first run (the connection's
    ``prepare_threshold``, set in the settings; client-side cursors never prepare). Planning
    was about half of the database's CPU on a trace chunk. Wrapped as Django wraps its own,
    so query logging and ``execute_wrapper`` see these statements too. Without the setting, or
    on SQLite: the ordinary cursor."""
    options = connection.settings_dict["OPTIONS"]
    if connection.vendor != "postgresql" or options.get("prepare_threshold") is None:
        return connection.cursor()
    import psycopg  # only on PostgreSQL

    connection.ensure_connection()
    raw: Any = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return _LoggedAsWritten(raw, connection)
    return connection.make_cursor(raw)


class _LoggedAsWritten(CursorDebugWrapper):
    """Django's query log entry for a statement of ``prepared_cursor``: the SQL as written.
    Django reads the statement back from a client-side cursor, and a server-binding one does
    not keep it (the log would hold None)."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


class _PreparedRawQuery(RawQuery):
    """A raw query run through ``prepared_cursor``: Django's ``RawQuery`` opens its cursor in
    ``_execute_query`` (private, stable since Django 1.x), so that is the method replaced."""

    def _execute_query(self) -> None:
        connection = connections[self.using]
        adapt = connection.ops.adapt_unknown_value
        params = self.params
        if isinstance(params, dict):
            params = {key: adapt(value) for key, value in params.items()}
        else:
            params = tuple(adapt(value) for value in params)
        self.cursor = prepared_cursor(connection)
        self.cursor.execute(self.sql, params)


def prepared_raw(
    model: type[M], sql: str, params: tuple[Any, ...] | dict[str, Any]
) -> "RawQuerySet[M]":
    """``model.objects.raw(sql, params)``, its statement prepared (``prepared_cursor``)."""
    db = router.db_for_read(model)
    query: Any = _PreparedRawQuery(sql=sql, using=db, params=params)  # stubs: a Query only
    return RawQuerySet(sql, model=model, query=query, params=params, using=db)  # type: ignore[arg-type]
