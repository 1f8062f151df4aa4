"""Who is asking, and what they may do: read from the read cache while nothing has changed.

Django's ModelBackend, with each user's permissions kept in the read cache; so are an API
token's user, a session's user (`CachedPermissionsBackend.get_user`) and the names of a user's
groups (`group_names`, the roles every page's header shows).

Every API request checks model permissions, and ModelBackend reads them with two joins per
request (here one query, when the cache misses or is off: `permissions_from_db`). They are
kept under the shared data's stamp (core.readcache), which also changes when a group's
permissions or a user's groups or permissions change, so a revoked right is
refused on the very next request, as without the cache.

Whatever happens outside the application (QuerySet.update(is_active=False), a row deleted in
psql, a restore), which renews no stamp, a cached user or set of permissions is used for at
most AUTH_CACHE_SECONDS after it was read from the database: each entry carries the
time it was read, checked on every hit, whatever the cache backend does with its own timeout.

These entries are kept whatever READ_CACHE_SECONDS says (settings.AUTH_CACHE turns them off):
a write to the data renews every answer it touches but no one's rights, so the request that
rebuilds an answer after a write (the miss path) finds who is asking here, as a cached one does.
"""

import hashlib
import pickle
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q
from rest_framework.authentication import TokenAuthentication

from core import readcache

AUTH_CACHE_SECONDS = 30

# The oldest database read behind the user and permissions used by the current request (None:
# none noted): core.fastread serves its answer again only while that read is fresh.
_reads = threading.local()


def now() -> float:
    return time.time()


def begin_reads() -> None:
    _reads.oldest = None


def oldest_read() -> float | None:
    return getattr(_reads, "oldest", None)


def _note(read_at: float) -> None:
    oldest = getattr(_reads, "oldest", None)
    _reads.oldest = read_at if oldest is None else min(oldest, read_at)


def seconds() -> int:
    """How long an entry is kept: AUTH_CACHE_SECONDS, 0 when settings.AUTH_CACHE is off."""
    return AUTH_CACHE_SECONDS if settings.AUTH_CACHE else 0


def _key(*parts) -> str | None:
    return readcache.key(*parts, shared_only=True, seconds=seconds())


def _fresh(hit):
    """The cached value, or None when absent or read from the database too long ago."""
    if hit is None:
        return None
    read_at, value = hit
    if _recent(read_at):
        _note(read_at)
        return value
    return None


def _recent(read_at: float) -> bool:
    """Read from the database at most AUTH_CACHE_SECONDS ago."""
    return 0 <= now() - read_at <= AUTH_CACHE_SECONDS


# This process's copies of the entries it has read or written (issue 17): reading the shared
# cache is a round trip (0.3 ms to Redis on the benchmark's machine), unpickling a copy 27 µs.
# A copy is the entry as pickled, so each request still gets a User of its own (its permissions
# included). Same keys (the shared stamp, read from the database on every request), same check
# of the time of the database read: a copy is used exactly when the entry would be.
LOCAL_COPIES = 256
_copies: OrderedDict[str, bytes] = OrderedDict()
_copies_lock = threading.Lock()


def _copy(cache_key: str, hit) -> None:
    pickled = pickle.dumps(hit, pickle.HIGHEST_PROTOCOL)
    with _copies_lock:
        _copies[cache_key] = pickled
        _copies.move_to_end(cache_key)
        while len(_copies) > LOCAL_COPIES:
            _copies.popitem(last=False)


def clear_copies() -> None:
    with _copies_lock:
        _copies.clear()


def _read(cache_key):
    """The entry under `cache_key` (None: none, or not to be cached): this process's copy while
    it is fresh, else the shared cache's, copied here."""
    if cache_key is None:
        return None
    pickled = _copies.get(cache_key)
    if pickled is not None:
        hit = pickle.loads(pickled)  # noqa: S301 - written by this process, just above
        if _recent(hit[0]):
            return hit
    hit = readcache.get(cache_key)
    if hit is not None:
        _copy(cache_key, hit)
    return hit


def _keep(cache_key, value) -> None:
    read_at = now()
    _note(read_at)
    readcache.put(cache_key, (read_at, value), seconds=AUTH_CACHE_SECONDS)
    if cache_key is not None:
        _copy(cache_key, (read_at, value))


class CachedPermissionsBackend(ModelBackend):
    def get_user(self, user_id):
        """ModelBackend's user of a session, kept as the token's user is (under the shared stamp,
        renewed by a change to the user; at most AUTH_CACHE_SECONDS): every page read it by one
        more query. Django still checks the session's hash against the user's password."""
        cache_key = _key("user", user_id)
        hit = _fresh(_read(cache_key))
        if hit is not None:
            return hit
        user = super().get_user(user_id)
        if user is not None:  # a missing or inactive user is never kept
            _keep(cache_key, user)
        return user

    def permissions_from_db(self, user_obj) -> set[str]:
        """ModelBackend's permissions of an active user (their own and their groups'), in one
        query rather than two: every uncached API request reads them
        (tests/api/test_access.py compares them with ModelBackend's)."""
        if user_obj.is_superuser:
            permissions = Permission.objects.all()
        else:
            permissions = Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
        rows = permissions.values_list("content_type__app_label", "codename").order_by()
        return {f"{app_label}.{codename}" for app_label, codename in rows}

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            key = _key("permissions", user_obj.pk, user_obj.is_superuser)
            permissions = _fresh(_read(key))
            if permissions is None:
                permissions = self.permissions_from_db(user_obj)
                _keep(key, permissions)
            user_obj._perm_cache = permissions
        return user_obj._perm_cache


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with the token's user kept in the read cache.

    Deleting a token, or changing a user (deactivating, a new password), changes the
    shared stamp, so the next request with that token is checked against the database.
    Refused tokens are never cached. The user is kept with their permissions (ModelBackend's
    `_perm_cache`), read from the database at the same time: a request authenticated from the
    cache reads it once, where it read the user and then the permissions (issue 17: on the
    miss path, one round trip to the cache of the four it made).
    """

    def authenticate_credentials(self, key):
        cache_key = _key("token", hashlib.sha256(key.encode()).hexdigest())
        hit = _fresh(_read(cache_key))
        if hit is not None:
            return hit
        user, token = super().authenticate_credentials(key)
        if cache_key is not None:
            # The user's permissions go into the same entry, read from the database with the user:
            # one cache read per request rather than two, and the entry's time bounds both.
            user._perm_cache = CachedPermissionsBackend().permissions_from_db(user)
        _keep(cache_key, (user, token))
        return user, token


def token_user(request):
    """The user of an `Authorization: Token KEY` header on a plain Django view (the exports);
    None without one; raises rest_framework's AuthenticationFailed for a bad token."""
    result = CachedTokenAuthentication().authenticate(request)
    return None if result is None else result[0]


def group_names(user) -> frozenset[str]:
    """The names of `user`'s groups (their roles), kept as their permissions are: every page's
    header shows the roles (config.context_processors.roles)."""
    if user.is_anonymous:
        return frozenset()
    cache_key = _key("groups", user.pk)
    names = _fresh(_read(cache_key))
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        _keep(cache_key, names)
    return names
