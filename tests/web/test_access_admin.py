"""Administration in the application (issue 16): the demo administrator and /access/, where an
administrator sets each user's role and district scope through services.user_access_set."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from core.actors import SYSTEM
from districts.models import AccessChange, EditorScope
from mergers import services
from tests.conftest import ensure_roles


@pytest.fixture
def admin(db):
    ensure_roles()
    return get_user_model().objects.create_superuser(username="quantri", password="pw-for-tests-1")


def test_demo_accounts_include_an_administrator(db, settings):
    ensure_roles()
    settings.DEBUG = True
    out = io.StringIO()
    call_command("create_demo_accounts", stdout=out)
    user = get_user_model().objects.get(username="quantri")
    assert user.is_superuser and user.is_staff and user.check_password("quantri-demo-2015")
    assert "quantri   / quantri-demo-2015" in out.getvalue()


def test_only_an_administrator_reaches_the_page(client, editor, admin):
    client.force_login(editor)
    assert client.get(reverse("registry:access_list")).status_code == 403
    assert 'href="/access/"' not in client.get(reverse("registry:merger_list")).content.decode()
    with pytest.raises(PermissionDenied):
        services.user_access_set(user=editor, role="leaders", districts=None, by=editor)
    with pytest.raises(PermissionDenied):  # None is no one, not the system
        services.user_access_set(user=editor, role="leaders", districts=None, by=None)
    assert not AccessChange.objects.exists()
    change = services.user_access_set(user=editor, role="leaders", districts=None, by=SYSTEM)  # commands
    assert (change.role_before, change.role_after, change.changed_by) == ("editors", "leaders", None)
    services.user_access_set(user=editor, role="editors", districts=None, by=SYSTEM)
    client.force_login(admin)
    response = client.get(reverse("registry:access_list"))
    assert response.status_code == 200
    assert 'href="/access/"' in response.content.decode()
    rows = {row["user"].username: (str(row["role"]), str(row["scope"])) for row in response.context["rows"]}
    assert rows["editor"] == ("Biên tập", "Toàn tỉnh")


def test_administrator_sets_an_editors_scope_and_role_with_history(client, editor, admin, world):
    client.force_login(admin)
    url = reverse("registry:access_edit", args=[editor.pk])
    response = client.post(url, {"role": "editors", "districts": ["902"]})
    assert response.status_code == 302
    assert list(EditorScope.objects.get(user=editor).districts.values_list("code", flat=True)) == ["902"]
    # Province-wide again, and a leader: the scope is gone, the group changed.
    client.post(url, {"role": "leaders", "province_wide": "on"})
    assert not EditorScope.objects.filter(user=editor).exists()
    assert list(editor.groups.values_list("name", flat=True)) == ["leaders"]
    changes = list(AccessChange.objects.filter(user=editor).order_by("id").values_list(
        "changed_by__username", "role_before", "role_after", "scope_before", "scope_after"))  # fmt: skip
    assert changes == [
        ("quantri", "editors", "editors", None, ["902"]),
        ("quantri", "editors", "leaders", ["902"], None),
    ]
    page = client.get(url).content.decode()
    assert "Biên tập → Lãnh đạo" in page and "Huyện Thử Hai → Toàn tỉnh" in page
    # Saving without a change records nothing.
    client.post(url, {"role": "leaders", "province_wide": "on"})
    assert AccessChange.objects.filter(user=editor).count() == 2


def test_a_scope_needs_a_district_or_the_whole_province(client, editor, admin, world):
    client.force_login(admin)
    response = client.post(reverse("registry:access_edit", args=[editor.pk]), {"role": "editors"})
    assert response.context["form"].errors["districts"] == ["Chọn ít nhất một đơn vị, hoặc chọn “Toàn tỉnh”."]
    assert not AccessChange.objects.exists()


def test_the_django_admin_scope_form_goes_through_the_service_too(client, editor, admin, world):
    client.force_login(admin)
    response = client.post(
        "/admin/districts/editorscope/add/", {"user": editor.pk, "districts": [world.other.pk], "_save": "Lưu"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    scope = EditorScope.objects.get(user=editor)
    assert list(scope.districts.values_list("code", flat=True)) == ["902"]
    change = AccessChange.objects.get(user=editor)
    assert (change.changed_by, change.scope_before, change.scope_after) == (admin, None, ["902"])
    client.post(f"/admin/districts/editorscope/{scope.pk}/delete/", {"post": "yes"})
    assert not EditorScope.objects.filter(user=editor).exists()
    assert list(AccessChange.objects.filter(user=editor).values_list("scope_after", flat=True)) == [None, ["902"]]
