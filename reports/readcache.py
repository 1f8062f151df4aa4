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
"""

import hashlib
import logging
import secrets
import threading

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from reports.models import DataVersion

logger = logging.getLogger(__name__)

# The apps whose data the pages and the API show. Historical (simple_history) models change
# together with their instance, so they need no receiver of their own. Users, roles and API
# tokens change it too: who is asking and what they may do are cached under the same stamp
# (config/auth.py).
TRACKED_APPS = ("districts", "mergers")


# Within one request the stamp is read once (the permissions and the response share it);
# outside requests (commands, shells) it is read each time.
_request = threading.local()
_UNREAD = object()


def _request_started(**kwargs):
    _request.stamp = _UNREAD


def _request_finished(**kwargs):
    _request.__dict__.pop("stamp", None)


def stamp() -> int | None:
    """The current data stamp; None when the row is missing (then nothing is cached)."""
    memo = getattr(_request, "stamp", None)
    if memo is not None and memo is not _UNREAD:
        return memo
    # Plain SQL: read on every request, where building the ORM query would cost as much as running it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stamp FROM {DataVersion._meta.db_table} WHERE id = 1")  # noqa: S608 (a constant)
        row = cursor.fetchone()
    current = row[0] if row else None
    if memo is _UNREAD and current is not None:
        _request.stamp = current
    return current


def bump() -> None:
    """Give the data a new stamp now (outside a transaction: at once; inside: still at once)."""
    new = secrets.randbits(63)
    if "stamp" in _request.__dict__:
        _request.stamp = _UNREAD
    if not DataVersion.objects.filter(pk=1).update(stamp=new):
        DataVersion.objects.get_or_create(pk=1, defaults={"stamp": new})


def _bump_after_commit() -> None:
    try:
        bump()
    except Exception:  # noqa: BLE001  (the write is committed; see the module docstring)
        logger.exception("could not renew the data stamp; cached reads may be stale for up to %ss", timeout())


class _Renewal:
    """The stamp renewal of one commit: every write registers it, the first call renews.

    All the callbacks of a commit run one after the other, so the later ones find it done;
    those of a rolled-back savepoint are dropped by Django while the others still run.
    """

    def __init__(self):
        self.done = False

    def __call__(self):
        if not self.done:
            self.done = True
            _bump_after_commit()


def bump_on_commit() -> None:
    """Renew the stamp once the current transaction commits (once per commit)."""
    renewal = getattr(connection, "_readcache_renewal", None)
    if renewal is None or renewal.done:
        renewal = connection._readcache_renewal = _Renewal()
    transaction.on_commit(renewal)


def _data_changed(sender, **kwargs):
    bump_on_commit()


def _user_changed(sender, update_fields=None, **kwargs):
    # A login only records its date: no right changes (and logins must not empty the cache).
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump_on_commit()


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
    post_delete.connect(_data_changed, sender=user, dispatch_uid="readcache-user")
    post_delete.connect(_data_changed, sender=Group, dispatch_uid="readcache-group")
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_data_changed, sender=through, dispatch_uid=f"readcache-{through._meta.label_lower}")
    post_save.connect(_data_changed, sender=Token, dispatch_uid="readcache-token")
    post_delete.connect(_data_changed, sender=Token, dispatch_uid="readcache-token")
    request_started.connect(_request_started, dispatch_uid="readcache-request-started")
    request_finished.connect(_request_finished, dispatch_uid="readcache-request-finished")


def timeout() -> int:
    return settings.READ_CACHE_SECONDS


def key(*parts) -> str | None:
    """A cache key for `parts` under the current stamp, day and language; None: do not cache.

    The day is part of every key because reports default to "as of today".
    """
    if timeout() <= 0:
        return None
    current = stamp()
    if current is None:
        return None
    raw = repr((current, timezone.localdate().isoformat(), translation.get_language(), *parts))
    return "reads:" + hashlib.sha256(raw.encode()).hexdigest()


def get(cache_key: str | None):
    return None if cache_key is None else caches["reads"].get(cache_key)


def put(cache_key: str | None, value) -> None:
    if cache_key is not None:
        caches["reads"].set(cache_key, value, timeout())


def cached(parts: tuple, compute):
    """compute(), or its value from the cache when built under the same stamp, day and language."""
    cache_key = key(*parts)
    value = get(cache_key)
    if value is None:
        value = compute()
        put(cache_key, value)
    return value
