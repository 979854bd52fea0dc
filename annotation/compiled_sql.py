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

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql import Query

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


class _Rows:
    """How a statement's rows become model instances, worked out at its first run (what
    Django's model iterables work out again for every query): where each of the model's
    fields is, the columns that are no field (set as attributes, as ``raw()`` does), the
    database converters per column, and the related objects' populators (``select_related``).
    Read-only afterwards, so the threads of a process share it."""

    def __init__(
        self,
        model: type[Model],
        names: list[str],
        positions: list[int],
        *,
        converters: dict[int, tuple[list[Any], Any]],
        extra: Sequence[tuple[str, int]] = (),
        populators: Sequence[Any] = (),
    ) -> None:
        self.model, self.names, self.positions = model, names, positions
        self.converters, self.extra, self.populators = list(converters.items()), extra, populators

    def instances(self, rows: list[Any], db: str) -> list[Any]:
        connection = connections[db]
        model, names, positions = self.model, self.names, self.positions
        made = []
        for row in rows:
            if self.converters:
                row = list(row)
                for pos, (convs, expression) in self.converters:
                    for convert in convs:
                        row[pos] = convert(row[pos], expression, connection)
            instance = model.from_db(db, names, [row[pos] for pos in positions])
            for column, pos in self.extra:
                setattr(instance, column, row[pos])
            for populator in self.populators:
                populator.populate(row, instance)
            made.append(instance)
        return made


_layouts: dict[Hashable, tuple[str, Slots, _Rows, str]] = {}


def fetched(
    key: Hashable,
    build: Callable[[Mapping[str, Any]], QuerySet[M]],
    *,
    share_locked: tuple[str, ...] = (),
    **values: Any,
) -> list[M]:
    """The rows of ``build(stand_ins)``'s queryset as model instances, its related objects
    (``select_related``) attached, as the ORM makes them; compiled once per ``key``, the rows'
    layout read off the first compiler (``_Rows``). ``share_locked``: tables whose rows the
    statement also locks FOR SHARE on PostgreSQL (the ORM's ``select_for_update`` has one mode
    per statement)."""
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
        layout = _layouts[full_key] = (sql, slots, _rows_of(made[0]), made[0].db)
    sql, slots, rows_plan, db = layout
    with prepared_cursor(connections[db]) as cursor:
        cursor.execute(sql, _filled(slots, values))
        rows = cursor.fetchall()
    return rows_plan.instances(rows, db)


def _rows_of(queryset: QuerySet[Any]) -> _Rows:
    """What django.db.models.query.ModelIterable reads off a fresh compiler."""
    compiler = queryset.query.get_compiler(queryset.db)
    compiler.as_sql()  # fills select, klass_info and col_count
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None
    first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    return _Rows(
        klass_info["model"],
        [column[0].target.attname for column in select[first:last]],
        list(range(first, last)),
        converters=compiler.get_converters([column[0] for column in select[: compiler.col_count]]),
        populators=get_related_populators(klass_info, select, queryset.db),  # type: ignore[call-arg]
    )


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


_raw_layouts: dict[tuple[type[Model], str, str], _Rows] = {}


def prepared_raw(model: type[M], sql: str, params: tuple[Any, ...] | dict[str, Any]) -> list[M]:
    """What ``list(model.objects.raw(sql, params))`` gives (the columns that are no field of
    the model set as attributes), the statement prepared (``prepared_cursor``) and the rows'
    layout worked out once per statement (``_Rows``), not on every call as ``raw()`` does."""
    db = router.db_for_read(model)
    connection = connections[db]
    adapt = connection.ops.adapt_unknown_value  # as RawQuery does (dates as text on SQLite)
    if isinstance(params, dict):
        params = {key: adapt(value) for key, value in params.items()}
    else:
        params = tuple(map(adapt, params))
    plan = _raw_layouts.get((model, sql, db))
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if plan is None:  # psycopg makes the description's columns anew on each read
            plan = _raw_layouts[(model, sql, db)] = _raw_rows(model, cursor.description, db)
    return plan.instances(rows, db)


def _raw_rows(model: type[Model], description: Any, db: str) -> _Rows:
    """What django.db.models.query.RawModelIterable works out on every query."""
    connection = connections[db]
    name = connection.introspection.identifier_converter
    columns = [name(c[0]) for c in description]
    by_column = {name(f.column): f for f in model._meta.concrete_fields if f.column}
    fields = [f for column, f in by_column.items() if column in columns]
    if model._meta.pk not in fields:
        raise ValueError("a raw statement must return the primary key")
    compiler = Query(model).get_compiler(db)
    cols: Any = [f.get_col(model._meta.db_table) if (f := by_column.get(c)) else None
                 for c in columns]  # fmt: skip
    return _Rows(
        model,
        [f.attname for f in fields],
        [columns.index(column) for column, f in by_column.items() if column in columns],
        converters=compiler.get_converters(cols),
        extra=[(c, pos) for pos, c in enumerate(columns) if c not in by_column],
    )
