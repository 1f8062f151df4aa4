"""Throttles that say where the client stands: the RateLimit-* headers.

Each throttle that counts a request records its budget on the request (limit, requests left,
seconds until the window frees one); config.middleware.RateLimitHeadersMiddleware writes the
most restrictive one as the IETF draft's `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` headers (and `RateLimit-Policy`). A 429 also carries DRF's `Retry-After`.

Scopes, each its own budget: `anon` and `user` for data reads and writes, `token` for token
attempts, `schema` for the OpenAPI schema and its docs.
"""

import math
from dataclasses import dataclass

from rest_framework import throttling


@dataclass(frozen=True)
class Budget:
    limit: int
    remaining: int
    reset: int  # seconds
    window: int  # seconds


class RecordingMixin:
    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if getattr(self, "rate", None) is None or getattr(self, "key", None) is None or not hasattr(self, "history"):
            return allowed  # this throttle does not count the request (AnonRateThrottle for a user)
        if allowed:
            remaining = max(0, self.num_requests - len(self.history))
            reset = self.history[-1] + self.duration - self.now if self.history else self.duration
        else:
            remaining, reset = 0, self.wait() or 0
        budgets = request._request.__dict__.setdefault("ratelimit_budgets", [])
        budgets.append(Budget(self.num_requests, remaining, max(0, math.ceil(reset)), self.duration))
        return allowed


class AnonRateThrottle(RecordingMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(RecordingMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(RecordingMixin, throttling.ScopedRateThrottle):
    """The view's `throttle_scope`: `token` or `schema`, keyed by user or address."""


def most_restrictive(budgets: list[Budget]) -> Budget | None:
    if not budgets:
        return None
    return min(budgets, key=lambda b: (b.remaining, -b.reset))
