"""The read cache: pages and API responses reused until the data they show changes.

Every committed write to the districts and mergers data replaces the random stamp in
reports.DataVersion (one UPDATE, after the commit). A cached entry's key holds the stamp it
was built under, so a request reads the stamp (one primary-key query) and can only find an
entry built from the data as it is now. This holds across gunicorn workers and machines,
whatever cache backend `CACHES["reads"]` names; entries of old stamps just age out.

Why after the commit and not inside the transaction: a stamp changed inside the transaction
would be visible to no reader until the commit anyway, and would hold a row lock that
serialises every write in the country behind one row. After the commit, a reader between the
commit and the new stamp may still be served the previous page for those few milliseconds;
the writer's own next request always sees its write, because the stamp changes before the
write's response is sent. If changing the stamp fails (the database went away right after
the commit), the error is logged rather than turned into a 500 for a write that did happen,
and the entries of the old stamp live at most READ_CACHE_SECONDS.

Writes that bypass the models' signals (COPY in the synthetic generator, the summary rebuild
command) call `bump()` themselves.

Scoped by province: a write also renews the stamp of the province it touched
(reports.ProvinceVersion; writes to what every province shares, programmes, agency types,
users and rights, the districts' layout, renew the shared stamp). An answer about one
province (`key(..., province=code)`) is keyed on that province's stamp and the shared one,
so a write in another province leaves it valid; national answers (`province=None`) are keyed
on DataVersion's stamp, renewed by every write. All the stamps are read by one query a request.
Provinces and districts (the districts' layout) are shared data: their writes renew the shared
stamp, and their API answers are keyed on it alone (`shared_only`), so that no headcount,
agency or merger written anywhere makes them miss.

The merger figures' stamp (MERGER_FIGURES, given as the `province` of a national answer about
mergers): renewed by every write but the headcount records that no merger's figures read (a
record of an agency that is no merger's source, nor its result on or after the record's date:
`figures.engine.records_read_by_mergers_sql`, registered by the figures app). A national list of
mergers is keyed on it, so that the records an editor adds to a district's agencies year after
year leave it valid. The records are checked after the commit, in the statement that renews the
stamps: a merger committed meanwhile is seen there, or renews the stamp itself after.

One build of an entry at a time (`claim`, `await_entry`): with a cache shared by the workers
(Redis), the first worker to miss builds the entry while the others wait for it.

core/fastread.py answers a client's repeated API request from the entry it was last given,
before the middleware and DRF, with the same stamps checked (`scope_now`).
"""

import copy
import functools
import hashlib
import logging
import secrets
import threading
import time

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from core import prepared

logger = logging.getLogger(__name__)

# The apps whose data the pages and the API show. Historical (simple_history) models change
# together with their instance, so they need no receiver of their own. Users, roles and API
# tokens change it too: who is asking and what they may do are cached under the same stamp
# (core/auth.py).
TRACKED_APPS = ("districts", "mergers")


# Within one request the stamp is read once (the permissions and the response share it);
# outside requests (commands, shells) it is read each time.
_request = threading.local()
_UNREAD = object()


def _request_started(**kwargs):
    _request.stamp = _UNREAD


def _request_finished(**kwargs):
    _request.__dict__.pop("stamp", None)


SHARED = None  # the key of the shared stamp in `stamps()`
# The scope (a `province` of `key` and `scope`: no province's GSO code has a space) of the national
# answers about mergers, keyed on the merger figures' stamp (see the module docstring).
MERGER_FIGURES = "merger figures"


def stamps() -> dict | None:
    """{"all": DataVersion's stamp, SHARED: the shared stamp, MERGER_FIGURES: the merger figures'
    (None before any write made it), province code: its stamp}; None when DataVersion's row is
    missing (then nothing is cached). One query."""
    memo = getattr(_request, "stamp", None)
    if memo is not None and memo is not _UNREAD:
        return memo
    by_id = dict(_read_stamps())
    if _ALL not in by_id:
        return None
    codes = _province_codes(by_id)
    current = {code: by_id[province_id] for province_id, code in codes.items() if province_id in by_id}
    current["all"] = by_id[_ALL]
    current[SHARED] = by_id.get(0, 0)
    current[MERGER_FIGURES] = by_id.get(_MERGERS)
    if memo is _UNREAD:
        _request.stamp = current
    return current


def scope_now(*, province: str | None = None, shared_only: bool = False) -> tuple | None:
    """`scope()`, reading only the three stamps a national, merger figures' or shared-only answer
    depends on when the request has not read them all yet (core.fastread's one query: fewer rows,
    less time)."""
    memo = getattr(_request, "stamp", None)
    if (memo is not None and memo is not _UNREAD) or (province not in (None, MERGER_FIGURES) and not shared_only):
        return scope(province=province, shared_only=shared_only)
    ((data, shared, merger_figures),) = _read_stamps(_national_stamps_sql())
    if data is None:
        return None
    if shared_only:
        return ("shared", shared or 0)
    if province == MERGER_FIGURES and merger_figures is not None:
        return (MERGER_FIGURES, merger_figures)
    return ("all", data)


def _read_stamps(sql: str | None = None) -> list[tuple]:
    """The stamps' rows. Plain SQL: read on every request, where building the ORM query would
    cost as much as running it.

    The first query of a request on a reused connection is preceded by Django's health check
    (CONN_HEALTH_CHECKS: a `SELECT 1`, one more round trip on every request). When the stamps
    are that first query, they are the health check: the connection is marked checked, and if
    the query fails as on a dead connection (the database restarted), the connection is closed
    and the query runs once more on a new one, as after a failed health check. Never inside a
    transaction, where a failed query cannot simply be run again.
    """
    if (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    ):
        connection.health_check_done = True
        try:
            return _query_stamps(sql)
        except (InterfaceError, OperationalError):
            logger.warning("the database connection failed its first query; reconnecting", exc_info=True)
            connection.close()
    return _query_stamps(sql)


def _query_stamps(sql: str | None = None) -> list[tuple]:
    # Prepared once per connection (core.prepared): every request runs it.
    with connection.cursor() as cursor:
        prepared.execute(connection, cursor, sql or _stamps_sql(), None)
        return cursor.fetchall()


_ALL = -1  # DataVersion's row among the stamps' rows (ProvinceVersion's are by province id, 0: shared)
_MERGERS = -2  # ProvinceVersion's row of the merger figures' stamp (MERGER_FIGURES)


@functools.cache
def _stamps_sql() -> str:
    # Without a join to the provinces (twice the time: the join's planning): their codes are
    # read apart, once per shared stamp (_province_codes).
    return (
        f"SELECT {_ALL}, stamp FROM {apps.get_model('reports.DataVersion')._meta.db_table} WHERE id = 1 "  # noqa: S608 (constants)
        f"UNION ALL SELECT province_id, stamp FROM {apps.get_model('reports.ProvinceVersion')._meta.db_table}"
    )


@functools.cache
def _national_stamps_sql() -> str:
    versions = apps.get_model("reports.ProvinceVersion")._meta.db_table
    return (
        f"SELECT (SELECT stamp FROM {apps.get_model('reports.DataVersion')._meta.db_table} WHERE id = 1), "  # noqa: S608 (constants)
        f"(SELECT stamp FROM {versions} WHERE province_id = 0), "
        f"(SELECT stamp FROM {versions} WHERE province_id = {_MERGERS})"
    )


# The shared stamp under which the provinces' codes were read, and {province id: code}.
_codes: tuple = (object(), {})


def _province_codes(by_id: dict) -> dict:
    """{province id: code}, read again when the shared stamp changed (a province added, renamed
    or recoded renews it: _scope) or a stamp names a province it does not know."""
    global _codes
    shared = by_id.get(0, 0)
    known, codes = _codes
    if known != shared or any(pid not in codes for pid in by_id if pid > 0):
        codes = dict(apps.get_model("districts.Province").objects.values_list("id", "code"))
        _codes = (shared, codes)
    return codes


def stamp() -> int | None:
    """The current data stamp (renewed by every write); None when the row is missing."""
    current = stamps()
    return None if current is None else current["all"]


def _new_stamp() -> int:
    return secrets.randbits(63)


# The figures app's rule (figures.engine.records_read_by_mergers_sql): records -> (an SQL condition
# true when some merger's figures may read one of them, its parameters). None: every record may.
_records_read_by_mergers = None


RECORDS_CHECKED = 50  # more records created in one commit (an import): the merger figures are renewed


def register_merger_records_rule(rule) -> None:
    global _records_read_by_mergers
    _records_read_by_mergers = rule


def _renew_provinces(
    new: int, *, shared=False, merger_figures=True, records=(), provinces=(), districts=(), agencies=(), mergers=()
) -> None:
    """Give the provinces of these objects (and the shared data, with `shared`) the stamp `new`,
    and the merger figures' stamp with `merger_figures`, or when some merger's figures read one
    of the headcount `records` ((agency id, ISO date) pairs: checked here, after their commit).
    One query."""
    district = apps.get_model("districts.District")._meta.db_table
    via_district = "SELECT d.province_id AS province_id FROM {t} t JOIN " + district + " d ON d.id = t.district_id"
    parts, params = [], []
    if shared:
        parts.append("SELECT 0 AS province_id")
    if merger_figures or (records and (_records_read_by_mergers is None or len(set(records)) > RECORDS_CHECKED)):
        parts.append(f"SELECT {_MERGERS} AS province_id")
    elif records:
        condition, condition_params = _records_read_by_mergers(sorted(set(records)))
        parts.append(f"SELECT {_MERGERS} AS province_id WHERE {condition}")
        params.extend(condition_params)
    for table, ids, select in (
        (apps.get_model("districts.Province")._meta.db_table, provinces, "SELECT t.id AS province_id FROM {t} t"),
        (district, districts, "SELECT t.province_id AS province_id FROM {t} t"),
        (apps.get_model("mergers.Agency")._meta.db_table, agencies, via_district),
        (apps.get_model("mergers.Merger")._meta.db_table, mergers, via_district),
    ):
        ids = sorted({i for i in ids if i is not None})
        if ids:
            parts.append(select.format(t=table) + f" WHERE t.id IN ({', '.join(['%s'] * len(ids))})")
            params.extend(ids)
    if not parts:
        return
    # "WHERE true": SQLite's parser needs it between an INSERT's SELECT and its ON CONFLICT.
    sql = (
        f"INSERT INTO {apps.get_model('reports.ProvinceVersion')._meta.db_table} (province_id, stamp) "  # noqa: S608 (constants)
        f"SELECT DISTINCT s.province_id, %s FROM ({' UNION ALL '.join(parts)}) s WHERE true "
        "ON CONFLICT (province_id) DO UPDATE SET stamp = excluded.stamp"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [new, *params])


def bump(*, shared=None, merger_figures=True, records=(), provinces=(), districts=(), agencies=(), mergers=()) -> None:
    """Give the data a new stamp now, and the provinces of the objects named (none named: the
    shared stamp, which every province's answers depend on), and the merger figures' (but when
    the writes were only the headcount `records` created, and no merger's figures read them:
    `_renew_provinces`). Outside a transaction: at once; inside: still at once."""
    new = _new_stamp()
    if "stamp" in _request.__dict__:
        _request.stamp = _UNREAD
    if not apps.get_model("reports.DataVersion").objects.filter(pk=1).update(stamp=new):
        apps.get_model("reports.DataVersion").objects.get_or_create(pk=1, defaults={"stamp": new})
    if shared is None:
        shared = not (provinces or districts or agencies or mergers)
    _renew_provinces(
        new,
        shared=shared,
        merger_figures=merger_figures,
        records=records,
        provinces=provinces,
        districts=districts,
        agencies=agencies,
        mergers=mergers,
    )


def _bump_after_commit(scope: dict | None = None) -> None:
    try:
        bump(**(scope or {}))
    except Exception:  # noqa: BLE001  (the write is committed; see the module docstring)
        logger.exception("could not renew the data stamp; cached reads may be stale for up to %ss", timeout())


class _Renewal:
    """The stamp renewal of one commit: every write registers it, the first call renews.

    All the callbacks of a commit run one after the other, so the later ones find it done;
    those of a rolled-back savepoint are dropped by Django while the others still run. The
    scope (what the writes touched) gathers every write's, a rolled-back one's too (renewing
    more than needed is harmless). The merger figures' stamp is renewed unless every write was
    a headcount record created (`records`: checked after the commit).
    """

    def __init__(self):
        self.done = False
        self.scope = {
            "shared": False,
            "merger_figures": False,
            "records": set(),
            "provinces": set(),
            "districts": set(),
            "agencies": set(),
            "mergers": set(),
        }

    def add(self, shared=False, merger_figures=True, records=(), **ids) -> None:
        self.scope["shared"] = self.scope["shared"] or shared
        self.scope["merger_figures"] = self.scope["merger_figures"] or merger_figures
        self.scope["records"].update(records)
        for name, values in ids.items():
            self.scope[name].update(values)

    def __call__(self):
        if not self.done:
            self.done = True
            _bump_after_commit(self.scope)


def bump_on_commit(*, shared=None, merger_figures=True, records=(), **ids) -> None:
    """Renew the stamps once the current transaction commits (once per commit): the data's, and
    those of the provinces of the objects named (none named: the shared stamp), and the merger
    figures' (`merger_figures` False: only if some merger's figures read one of the `records`)."""
    renewal = getattr(connection, "_readcache_renewal", None)
    if renewal is None or renewal.done:
        renewal = connection._readcache_renewal = _Renewal()
    renewal.add(
        shared=not any(ids.values()) if shared is None else shared,
        merger_figures=merger_figures,
        records=records,
        **ids,
    )
    transaction.on_commit(renewal)


def _scope(sender, instance, created=False) -> dict:
    """What a write to `instance` touches: the province(s) it belongs to, or the shared data; a
    headcount record created, the merger figures only if some merger's figures read it (an
    update or a deletion: the merger figures, whatever the record was before)."""
    label = type(instance)._meta.label_lower if instance is not None else ""
    if label == "districts.province":  # its code is part of the stamps' keys (_province_codes)
        return {"shared": True, "provinces": [instance.pk]}
    if label == "districts.district":  # the layout (which district is in which province) is shared
        return {"shared": True, "provinces": [instance.province_id]}
    if label in ("mergers.agency", "mergers.merger"):
        return {"districts": [instance.district_id]}
    if label == "mergers.headcountrecord":
        if created:
            return {"agencies": [instance.agency_id], "merger_figures": False, "records": [_record(instance)]}
        return {"agencies": [instance.agency_id]}
    if label == "mergers.publishedaggregate":
        return {"provinces": [instance.province_id]}
    if label == "mergers.mergerstage":
        return {"mergers": [instance.merger_id]}
    return {"shared": True}


def _record(instance) -> tuple[int, str]:
    as_of = instance.as_of
    return (instance.agency_id, as_of.isoformat() if hasattr(as_of, "isoformat") else str(as_of))


def _data_changed(sender, instance=None, created=False, **kwargs):
    bump_on_commit(**_scope(sender, instance, created=bool(created)))


def _shared_changed(sender, **kwargs):
    bump_on_commit(shared=True)


def _user_changed(sender, update_fields=None, **kwargs):
    # A login only records its date: no right changes (and logins must not empty the cache).
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump_on_commit(shared=True)


def connect_signals() -> None:
    for app_label in TRACKED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            uid = f"readcache-{model._meta.label_lower}"
            post_save.connect(_data_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(_data_changed, sender=model, dispatch_uid=uid)
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    _data_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}"
                )
    user = get_user_model()
    post_save.connect(_user_changed, sender=user, dispatch_uid="readcache-user")
    post_delete.connect(_shared_changed, sender=user, dispatch_uid="readcache-user")
    post_save.connect(_shared_changed, sender=Group, dispatch_uid="readcache-group")  # a role's name
    post_delete.connect(_shared_changed, sender=Group, dispatch_uid="readcache-group")
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_shared_changed, sender=through, dispatch_uid=f"readcache-{through._meta.label_lower}")
    post_save.connect(_shared_changed, sender=Token, dispatch_uid="readcache-token")
    post_delete.connect(_shared_changed, sender=Token, dispatch_uid="readcache-token")
    request_started.connect(_request_started, dispatch_uid="readcache-request-started")
    request_finished.connect(_request_finished, dispatch_uid="readcache-request-finished")


def timeout() -> int:
    return settings.READ_CACHE_SECONDS


def key(*parts, province: str | None = None, shared_only: bool = False, seconds: int | None = None) -> str | None:
    """A cache key for `parts` under the current stamp, day and language; None: do not cache.

    `province` (a code): the answer shows that province's data only, and is keyed on its stamp
    and the shared one instead of the data's (see the module docstring); MERGER_FIGURES: a
    national answer about mergers, keyed on the merger figures' stamp; `shared_only`: on the
    shared data alone (who a token is, what a user may do). The day is part of every key
    because reports default to "as of today". `seconds`: how long the entry will be kept when
    not READ_CACHE_SECONDS (core.auth's entries); 0 or less: nothing is cached.
    """
    if (timeout() if seconds is None else seconds) <= 0:
        return None
    current = scope(province=province, shared_only=shared_only)
    if current is None:
        return None
    raw = repr((current, timezone.localdate().isoformat(), translation.get_language(), *parts))
    return "reads:" + hashlib.sha256(raw.encode()).hexdigest()


def scope(*, province: str | None = None, shared_only: bool = False) -> tuple | None:
    """The stamps an answer about `province` (None: national) depends on, as they are now (see
    `key`); None when nothing may be cached."""
    current = stamps()
    if current is None:
        return None
    if shared_only:
        return ("shared", current.get(SHARED, 0))
    if province == MERGER_FIGURES and current.get(MERGER_FIGURES) is not None:
        return (MERGER_FIGURES, current[MERGER_FIGURES])
    if province is None or province == MERGER_FIGURES:  # no merger figures' stamp yet: the data's
        return ("all", current["all"])
    return (province, current.get(SHARED, 0), current.get(province, 0))


# The shared stamp under which _DISTRICT_PROVINCES was read, and {district code: province code}.
_district_provinces: tuple = (object(), {})


def province_of(*, province: str | None = None, district: str | None = None) -> str | None:
    """The code of the one province an answer filtered by `province` and/or `district` (codes)
    shows, or None (national, or unknown: keyed on every write). The districts' layout is read
    once per shared stamp (a district moved or added renews it)."""
    global _district_provinces
    if district is not None:
        current = stamps()
        if current is None:
            return None
        shared = current.get(SHARED, 0)
        if _district_provinces[0] != shared:
            _district_provinces = (
                shared,
                dict(apps.get_model("districts.District").objects.values_list("code", "province__code")),
            )
        of_district = _district_provinces[1].get(district)
        if of_district is None or (province is not None and province != of_district):
            return None
        return of_district
    return province


# Objects of the districts' layout kept in this process under the shared stamp (`layout_memo`):
# {name: (shared stamp, read at, {key: object})}.
_layout_memos: dict = {}
LAYOUT_MEMO_SECONDS = 30  # as the cached users and rights (core.auth): the bound if a renewal failed
LAYOUT_MEMO_MAX = 2048  # objects kept per name; beyond, read each time


def layout_memo(name, key, load):
    """`load()` (an object of the districts' layout: a district by its code), kept in this
    process while the shared stamp is the one the request read (a district or province added,
    changed or removed renews it), at most LAYOUT_MEMO_SECONDS; each caller gets a copy. Every
    list filtered by a district read it by one more query (issue 17). Read each time when the
    users and rights are not cached either (settings.AUTH_CACHE off: the tests that never
    commit), when the stamps cannot be read, and for a `load()` that raises (an unknown code).
    `load()` reads the layout only: districts, provinces, their related objects among them; it
    gives a model instance, or a dict of such instances and values that cannot be changed."""
    if not settings.AUTH_CACHE:
        return load()
    current = stamps()
    if current is None:
        return load()
    shared, now = current.get(SHARED, 0), time.monotonic()
    memo = _layout_memos.get(name)
    if memo is None or memo[0] != shared or now - memo[1] > LAYOUT_MEMO_SECONDS:
        memo = (shared, now, {})
        _layout_memos[name] = memo
    objects = memo[2]
    obj = objects.get(key)
    if obj is None:
        obj = load()  # the caller's own; the memo keeps a copy of it
        if len(objects) < LAYOUT_MEMO_MAX:
            objects[key] = _copy(obj)
        return obj
    return _copy(obj)


def clear_layout_memos() -> None:
    """Forget the objects `layout_memo` keeps (tests: each starts with a database of its own)."""
    _layout_memos.clear()


def _copy(obj):
    """A copy of a model instance and of the related instances read with it (select_related),
    or of a dict of values and such instances (a FilterSet's cleaned data): what one caller
    changes of them, another never sees. A deep copy cost ten times as much."""
    if isinstance(obj, dict):
        return {name: _copy(value) if isinstance(value, Model) else value for name, value in obj.items()}
    copied = copy.copy(obj)  # Model.__getstate__ copies its state and its related objects' dict
    cache = copied._state.fields_cache
    for name, related in cache.items():
        if related is not None:
            cache[name] = _copy(related)
    return copied


def get(cache_key: str | None):
    return None if cache_key is None else caches["reads"].get(cache_key)


# One build of an entry at a time (issue 17): after a write, every worker asks for the same
# renewed answers at once. With a cache shared by the workers (Redis), the first to miss builds
# the entry and the others wait for it instead of building it again beside it, on the same cores.
BUILD_SECONDS = 10  # the longest a build is waited for (its claim expires then)
BUILD_POLL_SECONDS = 0.005


def claim(cache_key: str) -> bool:
    """True: the caller builds the entry and calls `release` when done (stored or not); False:
    another process (or thread) is building it: `await_entry`."""
    return caches["reads"].add(f"{cache_key}:building", 1, BUILD_SECONDS)


def release(cache_key: str) -> None:
    caches["reads"].delete(f"{cache_key}:building")


def await_entry(cache_key: str):
    """The entry being built elsewhere, once stored; None when that build ended without storing
    it (an error) or took longer than BUILD_SECONDS: then the caller builds it itself. The entry
    is keyed on the same stamps as the caller's request: it is the answer the caller would build."""
    building = f"{cache_key}:building"
    deadline = time.monotonic() + BUILD_SECONDS
    while time.monotonic() < deadline:
        time.sleep(BUILD_POLL_SECONDS)
        found = caches["reads"].get_many([cache_key, building])
        if cache_key in found:
            return found[cache_key]
        if building not in found:
            return get(cache_key)
    return None


def put(cache_key: str | None, value, seconds: int | None = None) -> None:
    """Keep `value` for READ_CACHE_SECONDS, or for `seconds` (the key was made with them)."""
    if cache_key is not None:
        caches["reads"].set(cache_key, value, timeout() if seconds is None else seconds)


def cached(parts: tuple, compute, *, province: str | None = None):
    """compute(), or its value from the cache when built under the same stamp, day and language."""
    cache_key = key(*parts, province=province)
    value = get(cache_key)
    if value is None:
        value = compute()
        put(cache_key, value)
    return value
