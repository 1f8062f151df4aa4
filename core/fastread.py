"""The read cache's front door: an API answer served from the read cache is served again to the
same client, for the same request, before the middleware, DRF and the view run (issue 17).

A cache hit through the whole stack still authenticates the token, checks permissions and
throttles, negotiates the content, resolves the URL and runs every middleware: about five
times the work of the answer itself. Here, when that stack has answered a GET with the read
cache's answer (core.api.views.CachedReadMixin says so), the final response (status, every
header, the bytes) is kept in this process's memory under everything of the request it can
depend on: the Authorization header, the scheme, host, path, query string, Accept and
Accept-Language headers. Requests with a cookie (a session, the language switch), a
conditional header or another method always take the whole stack.

The same request is answered from here while all of this holds, each checked on every request:

- the data stamps the answer depends on (core.readcache.scope: the province's and the shared
  one, the merger figures', or the national one) are those it was built under: one query, as for any read-cache hit.
  Any committed write there, and any change to users, groups, rights or tokens (the shared
  stamp), sends the next request through the whole stack again, which authenticates the token
  and checks the permissions anew;
- the token's user and the permissions it was served with were read from the database less
  than core.auth.AUTH_CACHE_SECONDS ago (changes made outside the application, which renew
  no stamp, count within that bound, as in core.auth);
- the read cache's entry has not expired, and it is the same day (reports default to today);
- the view's throttles allow the request: they run here as in the stack (at most one of them
  counts a request, else the answer is not kept), and their RateLimit-* headers are set again.
  A refused request takes the whole stack, which refuses it with its 429 and counts nothing.

Only 200 answers without cookies are kept, at most MAX_ENTRIES and MAX_BYTES per process.
"""

import datetime
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.http.response import ResponseHeaders
from django.utils import timezone

from core import auth, readcache

MAX_ENTRIES = 512
MAX_BYTES = 32 * 1024 * 1024
# Request headers that change what the stack answers: such requests always take it.
CONDITIONAL = ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")
RATELIMIT_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")


@dataclass(frozen=True)
class CachedAnswer:
    """Set on the request by CachedReadMixin when it answers from the read cache (or stores there)."""

    province: str | None  # the answer's scope (core.readcache.key)
    shared_only: bool
    expires: float  # when the read cache's entry expires (core.auth.now() time)
    throttles: tuple  # the view's throttle classes
    throttle_scope: str | None  # the view's throttle_scope


@dataclass(frozen=True)
class _Entry:
    province: str | None
    shared_only: bool
    scope: tuple  # readcache.scope(province=...) when it was built
    valid_until: float
    status: int
    headers: tuple  # every header of the response but RateLimit-*
    ratelimit_at: int  # where the RateLimit-* headers go among them
    content: bytes
    throttles: tuple
    throttle_scope: str | None
    user: object
    prepared: tuple = ()  # the headers as ResponseHeaders stores them: (lower-case name, (name, value))


_entries: dict[tuple, _Entry] = {}
_size = 0
_lock = threading.Lock()


def clear() -> None:
    global _size
    with _lock:
        _entries.clear()
        _size = 0


def signature(request) -> tuple | None:
    """What of `request` its answer can depend on; None: it always takes the whole stack."""
    meta = request.META
    authorization = meta.get("HTTP_AUTHORIZATION")
    if (
        not authorization
        or request.method != "GET"
        or meta.get("HTTP_COOKIE")
        or not request.path.startswith("/api/")
        or any(name in meta for name in CONDITIONAL)
        or settings.DISALLOWED_USER_AGENTS
        or readcache.timeout() <= 0
    ):
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return (
        authorization,
        request.is_secure(),
        host,
        request.path,
        meta.get("QUERY_STRING", ""),
        meta.get("HTTP_ACCEPT"),
        meta.get("HTTP_ACCEPT_LANGUAGE"),
    )


class _ThrottledRequest:
    """What the throttles read of a DRF request (core.api.throttles)."""

    def __init__(self, request, user):
        self._request = request
        self.user = user
        self.META = request.META

    @property
    def headers(self):
        return self._request.headers


class _ThrottledView:
    def __init__(self, throttle_scope):
        self.throttle_scope = throttle_scope


def serve(request, key: tuple) -> HttpResponse | None:
    """The kept answer to this request, when it may be served (see the module docstring)."""
    entry = _entries.get(key)
    if entry is None:
        return None
    if (
        auth.now() >= entry.valid_until
        or readcache.scope_now(province=entry.province, shared_only=entry.shared_only) != entry.scope
    ):
        _drop(key, entry)
        return None
    if entry.throttles:
        shim, view = _ThrottledRequest(request, entry.user), _ThrottledView(entry.throttle_scope)
        for throttle_class in entry.throttles:
            if not throttle_class().allow_request(shim, view):
                # The whole stack refuses it and says why (no throttle counted it: at most one counts).
                request.__dict__.pop("ratelimit_budgets", None)
                return None
    budgets = request.__dict__.get("ratelimit_budgets")
    if budgets:
        from core.api.throttles import most_restrictive

        budget = most_restrictive(budgets)
        at = entry.ratelimit_at
        headers = (
            *entry.headers[:at],
            ("RateLimit-Limit", str(budget.limit)),
            ("RateLimit-Remaining", str(budget.remaining)),
            ("RateLimit-Reset", str(budget.reset)),
            ("RateLimit-Policy", f"{budget.limit};w={budget.window}"),
            *entry.headers[at:],
        )
        return HttpResponse(entry.content, status=entry.status, headers=headers)
    response = HttpResponse(entry.content, status=entry.status)
    store = getattr(response.headers, "_store", None)
    if isinstance(store, dict):
        # The headers as ResponseHeaders keeps them, checked and encoded once when kept (each
        # header set through the public API is checked again: a fifth of the answer's time).
        response.headers._store = dict(entry.prepared)
    else:
        response.headers = ResponseHeaders(entry.headers)
    return response


def remember(request, key: tuple, response) -> None:
    """Keep `response` for `key` when the stack answered it from the read cache (see the module docstring)."""
    answer = request.__dict__.get("read_cache_answer")
    if answer is None or response.status_code != 200 or response.streaming or response.cookies:
        return
    read_at = auth.oldest_read()
    user = request.__dict__.get("user")
    if read_at is None or user is None or not user.is_authenticated:
        return
    if len(request.__dict__.get("ratelimit_budgets", ())) > 1:
        return
    scope = readcache.scope(province=answer.province, shared_only=answer.shared_only)
    if scope is None:
        return
    headers, ratelimit_at = [], None
    for name, value in response.items():
        if name.lower() in RATELIMIT_HEADERS:
            ratelimit_at = len(headers) if ratelimit_at is None else ratelimit_at
        else:
            headers.append((name, value))
    entry = _Entry(
        province=answer.province,
        shared_only=answer.shared_only,
        scope=scope,
        valid_until=min(answer.expires, read_at + auth.seconds(), _next_midnight()),
        status=response.status_code,
        headers=tuple(headers),
        ratelimit_at=len(headers) if ratelimit_at is None else ratelimit_at,
        content=response.content,
        throttles=answer.throttles,
        throttle_scope=answer.throttle_scope,
        user=user,
        prepared=tuple(ResponseHeaders(headers)._store.items()) if hasattr(ResponseHeaders({}), "_store") else (),
    )
    if len(entry.content) > MAX_BYTES // 8:
        return
    _keep(key, entry)


def _next_midnight() -> float:
    """When today (the day in the read cache's keys) ends, in core.auth.now() time."""
    today = datetime.datetime.fromtimestamp(auth.now(), tz=timezone.get_current_timezone())
    midnight = datetime.datetime.combine(today.date() + datetime.timedelta(days=1), datetime.time(), today.tzinfo)
    return midnight.timestamp()


def _keep(key: tuple, entry: _Entry) -> None:
    global _size
    with _lock:
        old = _entries.pop(key, None)
        if old is not None:
            _size -= len(old.content)
        _entries[key] = entry
        _size += len(entry.content)
        while len(_entries) > MAX_ENTRIES or _size > MAX_BYTES:
            oldest = next(iter(_entries))
            _size -= len(_entries.pop(oldest).content)


def _drop(key: tuple, entry: _Entry) -> None:
    global _size
    with _lock:
        if _entries.get(key) is entry:
            del _entries[key]
            _size -= len(entry.content)


class FastReadMiddleware:
    """First in MIDDLEWARE: answers what it may from the kept answers, keeps what it may."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = signature(request)
        if key is not None:
            response = serve(request, key)
            if response is not None:
                return response
            auth.begin_reads()
        response = self.get_response(request)
        if key is not None:
            remember(request, key, response)
        return response
