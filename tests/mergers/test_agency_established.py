"""An agency's establishment date is required on every entry path (issue 11), with one message."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.actors import SYSTEM
from mergers import services
from mergers.models import Agency
from tests.api.conftest import token_client
from tests.web.conftest import world  # noqa: F401

D = datetime.date
REQUIRED = "Cần ghi ngày thành lập của cơ quan. Nếu không biết chính xác, hãy ghi ngày ước tính và đánh dấu “ước tính”."


def test_service_refuses_an_agency_without_establishment_date(world):  # noqa: F811
    with pytest.raises(ValidationError) as refused:
        services.agency_create(user=SYSTEM, district=world.home, agency_type=world.ban, name="Mới", established_on=None)
    assert refused.value.message_dict == {"established_on": [REQUIRED]}
    with pytest.raises(ValidationError) as refused:
        services.agency_update(user=SYSTEM, agency=world.a1, data={"established_on": None})
    assert refused.value.message_dict == {"established_on": [REQUIRED]}


def test_service_records_an_estimated_date(world):  # noqa: F811
    agency = services.agency_create(
        user=SYSTEM,
        district=world.home,
        agency_type=world.ban,
        name="Mới",
        established_on=D(2015, 1, 1),
        established_on_estimated=True,
    )
    assert (agency.established_on, agency.established_on_estimated) == (D(2015, 1, 1), True)


def test_form_requires_the_date(client, editor, world):  # noqa: F811
    client.force_login(editor)
    url = reverse("registry:agency_add")
    token = client.get(url).context["form"]["form_token"].value()
    body = {"district": "901", "agency_type": world.ban.pk, "name": "Mới", "established_on": "", "form_token": token}
    response = client.post(url, body)
    assert response.context["form"].errors == {"established_on": [REQUIRED]}
    assert not Agency.objects.filter(name="Mới").exists()
    response = client.post(url, {**body, "established_on": "01/01/2015", "established_on_estimated": "on"})
    assert response.status_code == 302
    agency = Agency.objects.get(name="Mới")
    assert (agency.established_on, agency.established_on_estimated) == (D(2015, 1, 1), True)


def test_api_requires_the_date(editor, world):  # noqa: F811
    api = token_client(editor)
    body = {"name": "Mới", "district": "901", "agency_type": "ban-to-chuc"}
    response = api.post("/api/v1/agencies/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"established_on": [REQUIRED]}
    response = api.post("/api/v1/agencies/", {**body, "established_on": None}, format="json")
    assert response.json() == {"established_on": [REQUIRED]}
    response = api.post(
        "/api/v1/agencies/", {**body, "established_on": "2015-01-01", "established_on_estimated": True}, format="json"
    )
    assert response.status_code == 201, response.content
    assert (response.json()["established_on"], response.json()["established_on_estimated"]) == ("2015-01-01", True)
