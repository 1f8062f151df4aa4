"""core.auth reads a user's permissions in one query: the same set as Django's ModelBackend."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from core.auth import CachedPermissionsBackend


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "leader", "analyst", "nobody"])
def test_permissions_as_model_backend(role, request, django_assert_num_queries):
    user = request.getfixturevalue(role)
    # Beside the role's group: a permission of the user's own and one of a second group.
    user.user_permissions.add(Permission.objects.get(codename="view_logentry"))
    group = Group.objects.create(name="second")
    group.permissions.add(Permission.objects.get(codename="view_group"))
    user.groups.add(group)
    expected = ModelBackend().get_all_permissions(_fresh(user))
    assert {"admin.view_logentry", "auth.view_group"} <= expected
    fresh = _fresh(user)
    with django_assert_num_queries(1):
        assert CachedPermissionsBackend().permissions_from_db(fresh) == expected


@pytest.mark.django_db
def test_superuser_has_every_permission(django_assert_num_queries):
    user = get_user_model().objects.create_superuser(username="root", password="pw-for-tests-1")
    expected = ModelBackend().get_all_permissions(_fresh(user))
    assert len(expected) == Permission.objects.count()
    fresh = _fresh(user)
    with django_assert_num_queries(1):
        assert CachedPermissionsBackend().permissions_from_db(fresh) == expected


@pytest.mark.django_db
def test_a_permission_held_twice_counts_once(editor):
    permission = Permission.objects.get(codename="view_logentry")
    editor.user_permissions.add(permission)
    for name in ("a", "b"):
        Group.objects.create(name=name).permissions.add(permission)
        editor.groups.add(Group.objects.get(name=name))
    assert CachedPermissionsBackend().permissions_from_db(_fresh(editor)) == ModelBackend().get_all_permissions(
        _fresh(editor)
    )
