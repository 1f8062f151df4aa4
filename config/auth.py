"""Who is asking, and what they may do: read from the read cache while nothing has changed.

Django's ModelBackend, with each user's permissions kept in the read cache.

Every API request checks model permissions, and ModelBackend reads them with two joins per
request. They are kept under the database's stamp (reports.readcache), which also changes
when a group's permissions or a user's groups or permissions change, so a revoked right is
refused on the very next request, as without the cache.
"""

import hashlib

from django.contrib.auth.backends import ModelBackend
from rest_framework.authentication import TokenAuthentication

from reports import readcache


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            key = readcache.key("permissions", user_obj.pk, user_obj.is_superuser)
            permissions = readcache.get(key)
            if permissions is None:
                permissions = super().get_all_permissions(user_obj)
                readcache.put(key, permissions)
            user_obj._perm_cache = permissions
        return user_obj._perm_cache


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with the token's user kept in the read cache.

    Deleting a token, or changing a user (deactivating, a new password), changes the
    database's stamp, so the next request with that token is checked against the database.
    Refused tokens are never cached.
    """

    def authenticate_credentials(self, key):
        cache_key = readcache.key("token", hashlib.sha256(key.encode()).hexdigest())
        hit = readcache.get(cache_key)
        if hit is not None:
            return hit
        user, token = super().authenticate_credentials(key)
        readcache.put(cache_key, (user, token))
        return user, token
