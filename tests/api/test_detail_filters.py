"""A detail without parameters skips the filters (core.api.views.ReadOnlyViewSet.filter_queryset);
with any, they run as before: a `q` the object does not match is a 404, a bad ordering a 400."""

import pytest


@pytest.mark.parametrize("path", ["/api/v1/districts/193/", "/api/v1/mergers/1/", "/api/v1/headcounts/169/"])
def test_a_detail_is_found_with_or_without_parameters(quang_ninh, analyst_client, path):
    plain = analyst_client.get(path)
    assert plain.status_code == 200
    assert analyst_client.get(path, {"format": "json"}).content == plain.content


def test_the_filters_still_run_when_a_detail_has_parameters(quang_ninh, analyst_client):
    assert analyst_client.get("/api/v1/districts/193/", {"q": "Hạ Long"}).status_code == 200
    assert analyst_client.get("/api/v1/districts/193/", {"q": "Móng Cái"}).status_code == 404
    assert analyst_client.get("/api/v1/districts/193/", {"ordering": "nowhere"}).status_code == 400
