"""A detail's object read by SQL compiled once (issue 17).

Reading one district by its code through the ORM cost 1.1 ms on the national data: 0.6 ms to
compile the query (three joined tables' columns) and 0.4 ms to run it. The query is the same
on every request but for the code, so it is compiled once per view, database and lookup
field, with a stand-in in place of the value, and run with each request's value in its
place. Its rows become model instances, related objects included, as Django's ModelIterable
makes them, with the compiler that compiled the SQL. tests/api/test_compiled_detail.py checks
that each object is the ORM's. On PostgreSQL the SQL is also prepared once per connection
(core.prepared): planning the three tables' join was half of running it.
"""

import threading

from django.db import connections
from django.http import Http404

from core import prepared

STAND_IN = "stand-in-7417417417"
_COMPILED: dict[tuple, tuple] = {}
_LOCK = threading.Lock()


def _compile(queryset, lookup: str) -> tuple:
    """(sql, params, the stand-in's position among them, compiler, `object_reader`) for
    `queryset.filter(lookup=...)`."""
    from django.db.models import CharField
    from django.db.models.query import MAX_GET_RESULTS

    if not isinstance(queryset.model._meta.get_field(lookup), CharField):
        raise ValueError(f"{queryset.model.__name__}.{lookup}: only a text field is looked up by compiled SQL")
    query = queryset.filter(**{lookup: STAND_IN}).order_by()[:MAX_GET_RESULTS].query  # as QuerySet.get reads
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    positions = [i for i, param in enumerate(params) if param == STAND_IN]
    if len(positions) != 1:
        raise ValueError(f"{queryset.model.__name__}.{lookup}: the value must be one parameter of the SQL")
    return sql, list(params), positions[0], compiler, object_reader(compiler)


def object_reader(compiler) -> tuple:
    """What turns a compiled query's rows into model instances, related objects included, as
    Django's ModelIterable makes them: (model, start, end, the fields' attnames, the related
    populators, the annotations' columns, the columns' converters). The converters are found
    once here, where the compiler's results_iter finds them on every call (a tenth of it)."""
    from django.db.models.query import get_related_populators

    klass_info, select = compiler.klass_info, compiler.select
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, compiler.using)
    annotations = tuple((compiler.annotation_col_map or {}).items())
    fields = [column[0] for column in select[: compiler.col_count]]
    if compiler.has_composite_fields(fields):
        raise ValueError(f"{klass_info['model'].__name__}: composite fields are not read by compiled SQL")
    converters = tuple(compiler.get_converters(fields).items())
    return klass_info["model"], start, end, init_list, populators, annotations, converters


def converted(row, converters, connection) -> list:
    """`row` with the ORM's converters applied to its columns (`converters`: the compiler's
    `get_converters(...).items()`), as the compiler's apply_converters does."""
    row = list(row)
    for position, (functions, expression) in converters:
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return row


def read_objects(reader: tuple, rows, *, connection, db: str) -> list:
    """The model instances of `rows` (`object_reader`'s query's, as the driver gave them)."""
    model, start, end, init_list, populators, annotations, converters = reader
    objects = []
    for row in rows:
        if converters:
            row = converted(row, converters, connection)
        obj = model.from_db(db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, column in annotations:
            setattr(obj, name, row[column])
        objects.append(obj)
    return objects


def compiled_get(queryset, lookup: str, value: str, key: tuple):
    """`queryset.get(**{lookup: value})` for a queryset whose SQL depends on `key` alone (the
    view that makes it), compiled once per key and database; Http404 when there is none.
    Only for text lookups (GSO codes): their value needs no conversion before it is a parameter."""
    db = queryset.db
    connection = connections[db]
    cache_key = (connection.vendor, db, key, lookup)
    compiled = _COMPILED.get(cache_key)
    if compiled is None:
        compiled = _compile(queryset, lookup)
        with _LOCK:
            _COMPILED.setdefault(cache_key, compiled)
    sql, params, position, _compiler, reader = compiled
    params = [*params[:position], value, *params[position + 1 :]]
    with connection.cursor() as cursor:
        prepared.execute(connection, cursor, sql, params)
        rows = cursor.fetchall()
    objects = read_objects(reader, rows, connection=connection, db=db)
    model = reader[0]
    if not objects:
        raise Http404(f"No {model._meta.object_name} matches the given query.")
    if len(objects) > 1:
        raise model.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name}")
    return objects[0]
