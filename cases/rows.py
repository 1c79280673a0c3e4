"""Plain-SQL reads and writes of single model rows, for the statements on a deliberation's
critical path (issue 14): the claim's read, the turns' and audit events' inserts, the
decision's updates. For these the ORM spends more compiling each statement than the database
spends answering it, so each statement's text is built once per model, column list and
database, and sent as is. Values go through the fields' own database preparation (on write)
and converters (on read), so rows are stored and read back exactly as the ORM does.

Only for models with no ``save()`` override and no save signals, which nothing here would
call: :func:`insert` and :func:`update` refuse any other model (checked once per model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model, signals

# Statement texts and read converters, by (database alias, vendor, model, what).
_sql: dict[tuple[str, str, type[Model], object], Any] = {}


def _cached[T](model: type[Model], what: object, build: Callable[[], T]) -> T:
    key = (connection.alias, connection.vendor, model, what)
    found = _sql.get(key)
    if found is None:
        found = _sql[key] = build()
    return found


@cache
def _plain(model: type[Model]) -> None:
    # Writing such a model's rows past save() would skip what its save() or listeners do.
    listened = any(s.has_listeners(model) for s in (signals.pre_save, signals.post_save))
    if model.save is not Model.save or listened:
        raise TypeError(f"{model.__name__} has its own save() or save signals: use the ORM.")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _written(obj: Model, *, add: bool) -> list[Field[Any, Any]]:
    # The concrete fields an INSERT (add) or UPDATE writes; an auto id without a value is
    # left to the database and read back.
    meta = obj._meta
    auto = meta.auto_field
    return [
        f
        for f in meta.concrete_fields
        if not (add and f is auto and getattr(obj, f.attname) is None)
    ]


def insert(obj: Model, *, skip_conflict: bool = False) -> bool:
    """INSERT ``obj`` (``auto_now_add`` fields set, its auto id read back), as ``obj.save()``
    would for a new row. With ``skip_conflict`` a row that clashes with a unique one already
    stored is not written, and False is returned (``ON CONFLICT DO NOTHING``)."""
    _plain(type(obj))
    meta = obj._meta
    fields = _written(obj, add=True)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]

    def build() -> str:
        columns = ", ".join(_q(str(f.column)) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        conflict = " ON CONFLICT DO NOTHING" if skip_conflict else ""
        return (
            f"INSERT INTO {_q(meta.db_table)} ({columns}) VALUES ({marks}){conflict}"
            f" RETURNING {_q(str(meta.pk.column))}"
        )

    sql = _cached(type(obj), ("insert", tuple(f.attname for f in fields), skip_conflict), build)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding, obj._state.db = False, connection.alias
    return True


def update(obj: Model, fields: Sequence[str]) -> int:
    """``UPDATE`` the named fields of ``obj``'s row (``auto_now`` ones set), as
    ``obj.save(update_fields=fields)`` would; returns the number of rows updated."""
    _plain(type(obj))
    meta = obj._meta
    chosen = [meta.get_field(name) for name in fields]
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in chosen]  # type: ignore[union-attr]
    pk = meta.pk
    assert pk is not None

    def build() -> str:
        assignments = ", ".join(f"{_q(str(f.column))} = %s" for f in chosen)  # type: ignore[union-attr]
        return f"UPDATE {_q(meta.db_table)} SET {assignments} WHERE {_q(str(pk.column))} = %s"

    sql = _cached(type(obj), ("update", tuple(fields)), build)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, pk.get_db_prep_value(obj.pk, connection)])
        return int(cursor.rowcount)


type _Converter = Callable[[Any, Any, Any], Any]


def _readers(model: type[Model]) -> list[tuple[str, list[tuple[_Converter, Any]]]]:
    # Each concrete field's attname with its converters (the database's, then the field's),
    # as the ORM applies them to a selected column.
    readers = []
    for f in model._meta.concrete_fields:
        column = f.get_col(model._meta.db_table)
        converters = [*connection.ops.get_db_converters(column), *f.get_db_converters(connection)]
        readers.append((f.attname, [(c, column) for c in converters]))
    return readers


def _instance(model: type[Model], values: Sequence[Any]) -> Model:
    readers = _cached(model, "readers", lambda: _readers(model))
    converted = []
    for value, (_, converters) in zip(values, readers, strict=True):
        for convert, column in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [name for name, _ in readers], converted)


def fetch[M: Model](
    model: type[M], column: str, value: Any, *, related: str = "", lock: bool = False
) -> M | None:
    """The row of ``model`` whose ``column`` is ``value`` (a unique column), or None; with
    ``related``, a non-null foreign key's row is read in the same statement (as
    ``select_related``); with ``lock``, the row is locked (``FOR UPDATE``, of ``model``'s
    table only) where the database can."""
    meta = model._meta
    fk = meta.get_field(related) if related else None
    other: type[Model] | None = fk.related_model if fk is not None else None

    def build() -> str:
        tables: list[type[Model]] = [model] if other is None else [model, other]
        columns = ", ".join(
            f"{_q(t._meta.db_table)}.{_q(str(f.column))}"
            for t in tables
            for f in t._meta.concrete_fields
        )
        sql = f"SELECT {columns} FROM {_q(meta.db_table)}"
        if other is not None and fk is not None:
            target = other._meta.pk
            assert target is not None
            sql += (
                f" INNER JOIN {_q(other._meta.db_table)} ON {_q(other._meta.db_table)}."
                f"{_q(str(target.column))} = {_q(meta.db_table)}.{_q(str(fk.column))}"  # type: ignore[union-attr]
            )
        sql += f" WHERE {_q(meta.db_table)}.{_q(column)} = %s"
        if lock and connection.features.has_select_for_update:
            of = connection.features.has_select_for_update_of and other is not None
            sql += f" FOR UPDATE OF {_q(meta.db_table)}" if of else " FOR UPDATE"
        return sql

    sql = _cached(model, ("fetch", column, related, lock), build)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(meta.concrete_fields)
    obj = _instance(model, row[:width])
    if other is not None and fk is not None:
        fk.set_cached_value(obj, _instance(other, row[width:]))  # type: ignore[union-attr]
    return obj  # type: ignore[return-value]
