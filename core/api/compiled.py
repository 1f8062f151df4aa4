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

import datetime
import threading
from collections import OrderedDict

from django.db import connection, connections
from django.db.models.signals import post_init, pre_init
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
    populators, the annotations' columns, the columns' converters, the instances' maker). The
    converters are found once here, where the compiler's results_iter finds them on every call
    (a tenth of it)."""
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
    model = klass_info["model"]
    populators = tuple(_related(populator) for populator in populators)
    return model, start, end, init_list, populators, annotations, converters, instance_maker(model, init_list)


def _related(populator) -> tuple:
    """A select_related populator of Django's (RelatedPopulator) with its instances' maker and its
    own populators': what `_populate` reads."""
    children = tuple(_related(child) for child in populator.related_populators)
    return populator, instance_maker(populator.model_cls, populator.init_list), children


def instance_maker(model, init_list):
    """A function of (db, values) that makes the instance `model.from_db(db, init_list, values)`
    makes, by filling its __dict__ as Model.__init__ fills it, without its general walk over the
    fields and keyword arguments: on one district's page of 15 records, their agencies and
    districts, Model.__init__ was a tenth of the request. None where the two could differ: a
    model whose from_db, __init__, __new__ or __setattr__ is its own, or a field's attribute
    with a descriptor that does more than keep the value (a file, a composite key ...).
    `read_objects` also takes Django's way while any pre_init or post_init receiver is connected.
    tests/api/test_instance_maker.py compares the instances, attribute by attribute."""
    from django.db.models import Model
    from django.db.models.base import ModelState
    from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
    from django.db.models.query_utils import DeferredAttribute

    mro = model.__mro__
    own = [cls for cls in mro if cls is not object]
    if (
        getattr(model.from_db, "__func__", None) is not Model.from_db.__func__
        or model.__init__ is not Model.__init__
        or model.__new__ is not object.__new__
        or model.__setattr__ is not object.__setattr__
        or any("__init__" in vars(cls) for cls in own if cls is not Model)  # Model's super().__init__()
    ):
        return None
    concrete = model._meta.concrete_fields
    whole = len(init_list) == len(concrete)  # from_db then takes the values in the fields' order
    attnames = tuple(field.attname for field in concrete if whole or field.attname in init_list)
    if len(attnames) != len(init_list):
        return None
    for name in attnames:
        descriptor = next((vars(cls)[name] for cls in mro if name in vars(cls)), None)
        if type(descriptor) not in (DeferredAttribute, ForeignKeyDeferredAttribute):
            return None
    new = object.__new__

    def make(db, values):
        obj = new(model)
        state = ModelState()
        state.adding, state.db = False, db
        fields = obj.__dict__
        fields["_state"] = state
        fields.update(zip(attnames, values, strict=True))
        return obj

    return make


def _populate(related: tuple, row, from_obj, db: str, fast: bool) -> None:
    """Django's RelatedPopulator.populate, with the instances made by their maker when `fast`."""
    populator, make, children = related
    if populator.reorder_for_init:
        values = populator.reorder_for_init(row)
    else:
        values = row[populator.cols_start : populator.cols_end]
    if values[populator.pk_idx] is None:
        obj = None
    else:
        if fast and make is not None:
            obj = make(db, values)
        else:
            obj = populator.model_cls.from_db(db, populator.init_list, values)
        for child in children:
            _populate(child, row, obj, db, fast)
    populator.local_setter(from_obj, obj)
    if obj is not None:
        populator.remote_setter(obj, from_obj)


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
    model, start, end, init_list, populators, annotations, converters, make = reader
    # Model.__init__ sends pre_init and post_init: with a receiver of either for any model, Django's way.
    fast = not (pre_init.receivers or post_init.receivers)
    if not fast:
        make = None
    objects = []
    for row in rows:
        if converters:
            row = converted(row, converters, connection)
        obj = make(db, row[start:end]) if make is not None else model.from_db(db, init_list, row[start:end])
        for populator in populators:
            _populate(populator, row, obj, db, fast)
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


# Stand-ins for the values of a query compiled once (`compiled_rows`): days, and ids, from these
# on, that no record, agency, district or province carries.
STAND_IN_DAY = datetime.date(1, 1, 3)
STAND_IN_ID = 7_417_417_417
# The shapes compiled, the least recently used forgotten beyond _SHAPES_MAX: a list page's shape
# holds parameters a client chooses (page size, ordering), and shapes asked for once must not
# crowd out those asked for on every request.
_SHAPES: OrderedDict[tuple, tuple] = OrderedDict()
_SHAPES_MAX = 512  # shapes kept (a list of ids makes one shape per length)
_SHAPES_LIST_MAX = 100  # longer lists of ids are compiled each time


def compiled_rows(key: tuple, build, **values) -> list[tuple]:
    """`list(build(**values))` for a values_list queryset whose SQL depends on `key` alone (and on
    the lengths of its lists of ids), not on `values` (days, ids, lists of ids): built and compiled
    by the ORM once per shape and database vendor, with stand-ins (from STAND_IN_DAY and
    STAND_IN_ID) in place of the values, then run with each call's values in their place and the
    ORM's converters applied to the rows. Building and compiling the cards' nested subqueries cost
    more than running them. tests/figures/test_fast_paths.py checks the rows against the
    queryset's own."""
    compiled = _shape(key, build, values)
    if compiled is None:  # nothing to match, or a long list
        return [tuple(row) for row in build(**values)]
    sql, params, slots, converters, _reader = compiled
    rows = _run_shape(sql, params, slots, values)
    if not converters:
        return [tuple(row) for row in rows]
    return [tuple(converted(row, converters, connection)) for row in rows]


def compiled_objects(key: tuple, build, **values) -> list:
    """`list(build(**values))` for a queryset of model instances (its related objects included),
    compiled once per shape as `compiled_rows` is, its rows made instances as Django's
    ModelIterable makes them (`read_objects`). Compiling the districts of a
    report, joined to their provinces and successors, cost more than reading them.
    tests/figures/test_fast_paths.py checks the instances against the queryset's own."""
    compiled = _shape(key, build, values)
    if compiled is None:
        return list(build(**values))
    sql, params, slots, _converters, reader = compiled
    return read_objects(reader, _run_shape(sql, params, slots, values), connection=connection, db=connection.alias)


def _shape(key: tuple, build, values: dict) -> tuple | None:
    """The query of `build` compiled once per key, database and lengths of its lists (`_compile_shape`);
    None when it is not to be (an empty or a long list of ids)."""
    lengths = tuple(len(v) for _name, v in sorted(values.items()) if isinstance(v, list | tuple))
    if any(n == 0 or n > _SHAPES_LIST_MAX for n in lengths):
        return None
    cache_key = (connection.vendor, connection.alias, key, lengths)
    compiled = _SHAPES.get(cache_key)
    if compiled is not None:
        with _LOCK:
            if cache_key in _SHAPES:
                _SHAPES.move_to_end(cache_key)
        return compiled
    compiled = _compile_shape(key, build, values)
    with _LOCK:
        _SHAPES[cache_key] = compiled
        while len(_SHAPES) > _SHAPES_MAX:
            _SHAPES.popitem(last=False)
    return compiled


def _run_shape(sql: str, params: list, slots: list, values: dict) -> list[tuple]:
    """The rows of a compiled query, with each call's values in the stand-ins' places."""
    adapt = connection.ops.adapt_datefield_value

    def value_of(slot):
        name, index = slot
        value = values[name] if index is None else values[name][index]
        return adapt(value) if isinstance(value, datetime.date) else value

    run_params = [p if slot is None else value_of(slot) for p, slot in zip(params, slots, strict=True)]
    with connection.cursor() as cursor:
        prepared.execute(connection, cursor, sql, run_params)
        return cursor.fetchall()


def _compile_shape(key: tuple, build, values: dict) -> tuple:
    """`compiled_rows`' SQL with its stand-ins: (sql, params, the slot of each param, converters,
    and for a queryset of instances, what makes them: `object_reader`)."""
    stand_ins, slot_of = {}, {}
    n = 0
    for name, value in sorted(values.items()):  # a stand-in of its own for each value
        if isinstance(value, list | tuple):
            stand_ins[name] = [STAND_IN_ID + n + i for i in range(len(value))]
            slot_of.update({STAND_IN_ID + n + i: (name, i) for i in range(len(value))})
            n += len(value)
        elif isinstance(value, datetime.date):
            stand_ins[name] = STAND_IN_DAY + datetime.timedelta(days=n)
            slot_of[stand_ins[name]] = (name, None)
            slot_of[connection.ops.adapt_datefield_value(stand_ins[name])] = (name, None)
            n += 1
        else:
            stand_ins[name] = STAND_IN_ID + n
            slot_of[stand_ins[name]] = (name, None)
            n += 1
    queryset = build(**stand_ins)
    compiler = queryset.query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
    slots = [slot_of.get(p) if _stand_in(p) else None for p in params]
    if {slot for slot in slots if slot is not None} != set(slot_of.values()):
        raise ValueError(f"{key}: every value must be a parameter of the SQL")
    reader = object_reader(compiler) if compiler.klass_info else None
    return sql, list(params), slots, list(converters.items()), reader


def _stand_in(param) -> bool:
    # bool is an int: True must not stand for an id.
    return isinstance(param, int | str | datetime.date) and not isinstance(param, bool)
