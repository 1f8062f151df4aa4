"""The renderer chosen for a request is DRF's own choice, whether made now or kept
(core.api.negotiation, issue 17); refusals are DRF's, every time, and never kept."""

import itertools

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.api import negotiation
from core.api.renderers import CSVRenderer

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "application/json; version=2",
    "text/csv",
    "text/csv, application/json;q=0.5",
    "application/json;q=0.5, text/csv",
    "text/*;q=0.1, application/json;q=0.9",
    "application/*",
    "text/html",
    "text/html, */*;q=0.8",
    "image/png",
    "",
]
FORMATS = [None, "json", "csv", "api", "xml"]
SUFFIXES = [None, "csv"]
RENDERERS = [
    (JSONRenderer, CSVRenderer),
    (JSONRenderer,),
    (CSVRenderer, JSONRenderer),
    (JSONRenderer, BrowsableAPIRenderer),
]


@pytest.fixture(autouse=True)
def _empty():
    negotiation.clear()
    yield
    negotiation.clear()


def request_for(accept, fmt):
    params = {} if fmt is None else {"format": fmt}
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(APIRequestFactory().get("/api/v1/headcounts/", params, **headers))


def outcome(negotiator, accept, fmt, suffix, classes):
    renderers = [cls() for cls in classes]
    try:
        renderer, media_type = negotiator.select_renderer(request_for(accept, fmt), renderers, suffix)
    except (NotAcceptable, Http404) as refused:
        return type(refused).__name__
    position = next(i for i, candidate in enumerate(renderers) if candidate is renderer)
    return position, type(renderer), media_type


def test_every_choice_is_drf_s_first_and_kept():
    cases = list(itertools.product(ACCEPTS, FORMATS, SUFFIXES, RENDERERS))
    refused, kept = 0, set()
    for accept, fmt, suffix, classes in cases:
        expected = outcome(DefaultContentNegotiation(), accept, fmt, suffix, classes)
        for _ in range(2):  # chosen now, then kept
            assert outcome(negotiation.ContentNegotiation(), accept, fmt, suffix, classes) == expected, (
                accept,
                fmt,
                suffix,
                classes,
            )
        refused += isinstance(expected, str)
        if not isinstance(expected, str):  # kept by what DRF's choice depends on
            kept.add((suffix or fmt, "*/*" if accept is None else accept, classes))
    assert refused > 20  # refusals are among the cases, and were never kept
    assert len(negotiation._CHOICES) == len(kept) > 50


def test_a_list_s_json_and_csv_through_the_api(analyst, quang_ninh):
    from tests.api.conftest import token_client

    client = token_client(analyst)
    for _ in range(2):
        assert client.get("/api/v1/districts/", HTTP_ACCEPT="text/csv")["Content-Type"] == "text/csv; charset=utf-8"
        assert client.get("/api/v1/districts/")["Content-Type"] == "application/json"
        assert client.get("/api/v1/districts/", HTTP_ACCEPT="image/png").status_code == 406


def test_beyond_its_bound_a_choice_is_made_each_time(monkeypatch):
    monkeypatch.setattr(negotiation, "CHOICES_MAX", 2)
    negotiator = negotiation.ContentNegotiation()
    for accept in ("application/json", "text/csv", "*/*", "text/csv, application/json;q=0.5"):
        expected = outcome(DefaultContentNegotiation(), accept, None, None, (JSONRenderer, CSVRenderer))
        assert outcome(negotiator, accept, None, None, (JSONRenderer, CSVRenderer)) == expected
    assert len(negotiation._CHOICES) == 2
