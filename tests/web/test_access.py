"""Every page: anonymous visitors go to the login page, roles without the right get 403, editors work."""

import pytest
from django.urls import reverse

READ_PAGES = [
    ("registry:merger_list", {}),
    ("registry:merger", {"pk": "merger"}),
    ("registry:agency_list", {}),
    ("registry:agency", {"pk": "agency"}),
    ("registry:programme_list", {}),
    ("registry:programme", {"code": "programme"}),
    ("registry:headcount_list", {}),
]
FORM_PAGES = [
    ("registry:merger_add", {}),
    ("registry:merger_advance", {"pk": "merger"}),
    ("registry:merger_complete", {"pk": "merger"}),
    ("registry:merger_cancel", {"pk": "merger"}),
    ("registry:agency_add", {}),
    ("registry:agency_edit", {"pk": "agency"}),
    ("registry:programme_add", {}),
    ("registry:programme_edit", {"code": "programme"}),
    ("registry:headcount_entry", {}),
    ("registry:headcount_import", {}),
    ("registry:headcount_template", {}),
]


def _url(world, planned, name, kwargs):
    values = {"merger": planned.pk, "agency": world.a1.pk, "programme": world.programme.code}
    return reverse(name, kwargs={key: values[value] for key, value in kwargs.items()})


@pytest.mark.parametrize(("name", "kwargs"), READ_PAGES + FORM_PAGES)
def test_anonymous_is_sent_to_login(client, world, planned, name, kwargs):
    url = _url(world, planned, name, kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
    assert client.post(url, {}).status_code == 302


@pytest.mark.parametrize("role", ["leader", "analyst"])
@pytest.mark.parametrize(("name", "kwargs"), READ_PAGES)
def test_read_only_roles_see_pages(client, world, planned, role, request, name, kwargs):
    client.force_login(request.getfixturevalue(role))
    response = client.get(_url(world, planned, name, kwargs))
    assert response.status_code == 200
    assert "Thêm hợp nhất" not in response.content.decode()


@pytest.mark.parametrize("role", ["leader", "analyst"])
@pytest.mark.parametrize(("name", "kwargs"), FORM_PAGES)
def test_read_only_roles_get_403_on_forms(client, world, planned, role, request, name, kwargs):
    client.force_login(request.getfixturevalue(role))
    url = _url(world, planned, name, kwargs)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), READ_PAGES + FORM_PAGES)
def test_editor_works(client, world, planned, editor, name, kwargs):
    client.force_login(editor)
    assert client.get(_url(world, planned, name, kwargs)).status_code == 200


def test_user_without_role_gets_403(client, world, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="nobody", password="pw-for-tests-1"))
    response = client.get(reverse("registry:merger_list"))
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()


@pytest.mark.parametrize("name", ["registry:merger_advance", "registry:merger_complete", "registry:merger_cancel"])
def test_scoped_editor_gets_403_on_other_districts_merger(client, world, planned, scoped_editor, name):
    client.force_login(scoped_editor)
    response = client.get(reverse(name, kwargs={"pk": planned.pk}))
    assert response.status_code == 403
    assert "Bạn không có quyền biên tập số liệu của Huyện Thử Một." in response.content.decode()


def test_scoped_editor_gets_403_editing_other_districts_agency(client, world, scoped_editor):
    client.force_login(scoped_editor)
    assert client.get(reverse("registry:agency_edit", kwargs={"pk": world.a1.pk})).status_code == 403
    assert client.get(reverse("registry:agency_edit", kwargs={"pk": world.b1.pk})).status_code == 200
